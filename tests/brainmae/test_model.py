"""The numpy BrainMAE against hand-written references and its PyTorch twin."""

from __future__ import annotations

import numpy as np
import pytest
from neurodeck_brainmae.config import Head
from neurodeck_brainmae.model_np import NumpyBrainMAE, layer_norm, linear, positional_encoding


def _inputs(config, b=3, s=4, seed=1):
    a = config.architecture
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((b, s, a.n_regions, a.segment_length)).astype(np.float32)
    visible = np.ones((b, s, a.n_regions), dtype=bool)
    for i in range(b):
        for j in range(s):
            visible[i, j, rng.choice(a.n_regions, a.n_regions // 2, replace=False)] = False
    pos = np.tile(np.arange(s, dtype=float), (b, 1)) + rng.random((b, 1))
    return x, visible, pos


def test_region_attention_is_softmax_of_embedding_similarity_without_self_loops(tiny,
                                                                                make_weights):
    w = make_weights(tiny)
    model = NumpyBrainMAE(tiny, w)
    e = w["roi_embedding"].astype(np.float64)
    maps = []
    for k in range(tiny.architecture.n_graph_blocks):
        q = e @ w[f"encoder.{k}.query.weight"].T
        key = e @ w[f"encoder.{k}.key.weight"].T
        heads = []
        for h in range(2):  # 2 heads of width 4
            sl = slice(4 * h, 4 * h + 4)
            logits = q[:, sl] @ key[:, sl].T / 2.0
            np.fill_diagonal(logits, -np.inf)
            heads.append(np.exp(logits) / np.exp(logits).sum(1, keepdims=True))
        maps.append(np.mean(heads, axis=0))
    att = model.attention()
    np.testing.assert_allclose(att, np.mean(maps, axis=0), atol=1e-6)
    np.testing.assert_allclose(att.sum(1), 1.0, atol=1e-6)
    assert np.all(np.diag(att) == 0)


def test_masked_graph_block_matches_explicit_softmax_over_visible_keys(tiny, make_weights):
    """The shared-matrix form equals a per-segment softmax restricted to visible j != i."""
    w = make_weights(tiny)
    model = NumpyBrainMAE(tiny, w)
    rng = np.random.default_rng(3)
    n, d = 12, 16
    h = rng.standard_normal((2, 3, n, d)).astype(np.float32)
    visible = rng.random((2, 3, n)) > 0.5
    visible[..., :2] = True
    got = model._graph_block(h, "encoder.0", visible)

    p = "encoder.0"
    x = layer_norm(h.astype(np.float64), w[f"{p}.norm1.weight"], w[f"{p}.norm1.bias"])
    v = x @ w[f"{p}.value.weight"].T + w[f"{p}.value.bias"]
    logits = model._logits[p].astype(np.float64)
    want = np.zeros_like(v)
    for b in range(2):
        for s in range(3):
            for i in range(n):
                for head in range(2):
                    keys = [j for j in range(n) if j != i and visible[b, s, j]]
                    a = np.exp(logits[head, i, keys] - logits[head, i, keys].max())
                    a /= a.sum()
                    sl = slice(8 * head, 8 * head + 8)
                    want[b, s, i, sl] = a @ v[b, s, keys, sl]
    want = h + want @ w[f"{p}.out.weight"].T + w[f"{p}.out.bias"]
    want = model._mlp(want.astype(np.float32), p)
    np.testing.assert_allclose(got, want, atol=2e-5)


def test_hidden_regions_do_not_leak_into_the_output(tiny, make_weights):
    """Changing the signal of hidden regions changes nothing: they are truly masked."""
    model = NumpyBrainMAE(tiny, make_weights(tiny))
    x, visible, pos = _inputs(tiny)
    r1, c1 = model.forward(x, visible, pos)
    x2 = x.copy()
    x2[~visible] += 100.0
    r2, c2 = model.forward(x2, visible, pos)
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(c1, c2)
    x3 = x.copy()
    x3[visible] += 1.0
    assert not np.allclose(model.forward(x3, visible, pos)[0], r1)


def test_helpers_match_definitions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5)).astype(np.float32)
    w = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal(4).astype(np.float32)
    np.testing.assert_allclose(linear(x, w, b), np.einsum("abk,jk->abj", x, w) + b, atol=1e-5)
    pe = positional_encoding(np.array([0.0, 2.5]), 6)
    freq = 10000.0 ** (-np.arange(3) / 3)
    np.testing.assert_allclose(pe[1], np.r_[np.sin(2.5 * freq), np.cos(2.5 * freq)], atol=1e-6)


@pytest.mark.parametrize("masked", [True, False])
def test_numpy_forward_equals_torch_forward(masked, torch_twin, make_config):
    torch = torch_twin
    from neurodeck_brainmae.torch_model import TorchBrainMAE

    config = make_config(n_regions=20, tau=7, head=Head("regression", ("a", "b")))
    torch.manual_seed(123)
    net = TorchBrainMAE(config).eval()
    with torch.no_grad():  # random, non-trivial layer-norm and bias values too
        for p in net.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model = NumpyBrainMAE(config, net.numpy_weights())
    x, visible, pos = _inputs(config, b=2, s=6)
    vis = visible if masked else None
    r_np, c_np = model.forward(x, vis, pos)
    with torch.no_grad():
        r_t, c_t = net(torch.from_numpy(x), None if vis is None else torch.from_numpy(vis),
                       torch.from_numpy(pos))
        y_t = net.head(c_t.mean(1))
    np.testing.assert_allclose(r_np, r_t.numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(c_np, c_t.numpy(), atol=1e-5, rtol=0)
    np.testing.assert_allclose(model.predict(c_np.mean(1)), y_t.numpy(), atol=1e-5)


def test_classification_head_gives_probabilities(make_config, make_weights):
    config = make_config(head=Head("classification", ("rest", "task")))
    model = NumpyBrainMAE(config, make_weights(config))
    emb = np.random.default_rng(0).standard_normal((3, 16)).astype(np.float32)
    p = model.predict(emb)
    logits = emb @ model.w["head.weight"].T + model.w["head.bias"]
    np.testing.assert_allclose(p, np.exp(logits) / np.exp(logits).sum(1, keepdims=True),
                               atol=1e-6)


def test_embeddings_only_pass_skips_the_decoder_and_changes_nothing(tiny, make_weights):
    model = NumpyBrainMAE(tiny, make_weights(tiny))
    x, visible, pos = _inputs(tiny)
    for vis in (None, visible):
        recon, ctx = model.forward(x, vis, pos)
        none, ctx_only = model.forward(x, vis, pos, decode=False)
        assert none is None
        np.testing.assert_array_equal(ctx_only, ctx)
