"""BrainMAE forward pass in numpy (inference needs no PyTorch).

Tensor names and shapes are those of the PyTorch twin's ``state_dict``
(:mod:`neurodeck_brainmae.torch_model`), so one safetensors file feeds both.

Shapes: ``B`` batch (masking passes), ``S`` segments, ``N`` regions, ``tau``
frames per segment, ``d`` model width, ``H`` heads.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .config import Architecture, BrainMAEConfig

LN_EPS = 1e-5


def expected_shapes(arch: Architecture, n_head_outputs: int = 0) -> dict[str, tuple[int, ...]]:
    """Every tensor a checkpoint must hold, with its shape."""
    n, tau, d, de, r = (arch.n_regions, arch.segment_length, arch.d_model, arch.d_embed,
                        arch.mlp_ratio)
    out: dict[str, tuple[int, ...]] = {
        "roi_embedding": (n, de),
        "token_proj.weight": (d, tau), "token_proj.bias": (d,),
        "roi_proj.weight": (d, de),
        "mask_token": (d,),
        "encoder_norm.weight": (d,), "encoder_norm.bias": (d,),
        "temporal_norm.weight": (d,), "temporal_norm.bias": (d,),
        "decoder.context.weight": (d, d), "decoder.context.bias": (d,),
        "decoder.norm.weight": (d,), "decoder.norm.bias": (d,),
        "decoder.head.weight": (tau, d), "decoder.head.bias": (tau,),
    }

    def mlp(prefix: str) -> None:
        out.update({f"{prefix}.norm1.weight": (d,), f"{prefix}.norm1.bias": (d,),
                    f"{prefix}.norm2.weight": (d,), f"{prefix}.norm2.bias": (d,),
                    f"{prefix}.fc1.weight": (d * r, d), f"{prefix}.fc1.bias": (d * r,),
                    f"{prefix}.fc2.weight": (d, d * r), f"{prefix}.fc2.bias": (d,),
                    f"{prefix}.out.weight": (d, d), f"{prefix}.out.bias": (d,)})

    def graph(prefix: str) -> None:
        mlp(prefix)
        out.update({f"{prefix}.query.weight": (de, de), f"{prefix}.key.weight": (de, de),
                    f"{prefix}.value.weight": (d, d), f"{prefix}.value.bias": (d,)})

    for k in range(arch.n_graph_blocks):
        graph(f"encoder.{k}")
    for k in range(arch.n_decoder_blocks):
        graph(f"decoder.blocks.{k}")
    for k in range(arch.n_temporal_layers):
        mlp(f"temporal.{k}")
        out.update({f"temporal.{k}.qkv.weight": (3 * d, d), f"temporal.{k}.qkv.bias": (3 * d,)})
    if n_head_outputs:
        out.update({"head.weight": (n_head_outputs, d), "head.bias": (n_head_outputs,)})
    return out


# -- building blocks --------------------------------------------------------------------
def layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """PyTorch ``LayerNorm`` over the last axis (biased variance)."""
    return normalised(x) * w + b


def normalised(x: np.ndarray) -> np.ndarray:
    """``(x - mean) / sqrt(var + eps)`` over the last axis: layer norm without its affine
    part (folded into the next linear map where there is one)."""
    d = x.shape[-1]
    # the mean as a matrix-vector product: faster than a reduction over a short last axis
    mean = (x.reshape(-1, d) @ np.full((d, 1), 1.0 / d, dtype=x.dtype)).reshape(
        *x.shape[:-1], 1)
    xc = x - mean
    var = np.einsum("...d,...d->...", xc, xc)[..., None]
    var *= np.float32(1.0 / x.shape[-1])
    var += np.float32(LN_EPS)
    xc /= np.sqrt(var, out=var)
    return xc


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``x @ w.T + b`` over the last axis, as one 2-D product (numpy's stacked matmul
    is far slower than a single BLAS call)."""
    y = x.reshape(-1, x.shape[-1]) @ w.T
    if b is not None:
        y += b
    return y.reshape(*x.shape[:-1], w.shape[0])


_GELU_K = np.float32(np.sqrt(2.0 / np.pi))
_GELU_KC = np.float32(np.sqrt(2.0 / np.pi) * 0.044715)


def gelu_twice(x: np.ndarray) -> np.ndarray:
    """``2 gelu(x)``, tanh form (PyTorch ``GELU(approximate="tanh")``) in place: no scipy at
    inference, and the factor 1/2 is folded into the next linear map."""
    y = x * x
    y *= _GELU_KC
    y += _GELU_K
    y *= x
    np.tanh(y, out=y)
    y += 1
    x *= y
    return x


def gelu(x: np.ndarray) -> np.ndarray:
    return gelu_twice(np.array(x, dtype=np.float32)) * np.float32(0.5)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def positional_encoding(positions: np.ndarray, d: int) -> np.ndarray:
    """Sinusoidal code of (possibly fractional) segment positions: ``(..., d)``."""
    half = d // 2
    freq = np.exp(-np.log(10000.0) * np.arange(half, dtype=np.float64) / half)
    angle = np.asarray(positions, dtype=np.float64)[..., None] * freq
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=-1).astype(np.float32)


def _fold(gain: np.ndarray, shift: np.ndarray, w: np.ndarray,
          b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A layer norm's affine part followed by a linear map, as one linear map:
    ``(xhat g + s) W^T + b = xhat (W g)^T + (W s + b)``. Returns ``(W'^T, b')``."""
    wf = w.astype(np.float64) * gain.astype(np.float64)
    bf = w.astype(np.float64) @ shift.astype(np.float64) + b
    return np.ascontiguousarray(wf.T, dtype=np.float32), bf.astype(np.float32)


class NumpyBrainMAE:
    """The BrainMAE network with weights held as numpy arrays.

    The forward pass works region-major: a state is ``(N, M, d)`` for ``M`` (pass,
    segment) pairs, so that mixing over regions is one matrix product per head. The
    encoder and decoder run over chunks of about :attr:`chunk_rows` region tokens (their
    intermediates stay in the CPU cache); the temporal transformer sees all segments.
    """

    #: region tokens per chunk (regions x pairs); results do not depend on it
    chunk_rows = 1024

    def __init__(self, config: BrainMAEConfig, weights: Mapping[str, np.ndarray]):
        self.config = config
        self.arch = config.architecture
        self.w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}
        self._roi_id = self.w["roi_embedding"] @ self.w["roi_proj.weight"].T  # (N, d)
        # Region-aware attention depends on the ROI embeddings only: compute once.
        self._logits = {p: self._graph_logits(p) for p in self._graph_prefixes()}
        self._weights = {p: np.exp(x - x.max(-1, keepdims=True)) for p, x in self._logits.items()}
        self._softmax = {p: softmax(x) for p, x in self._logits.items()}
        self._folded = self._fold_weights()

    def _fold_weights(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        w, out = self.w, {}
        for p in self._graph_prefixes():
            out[f"{p}.value"] = _fold(w[f"{p}.norm1.weight"], w[f"{p}.norm1.bias"],
                                      w[f"{p}.value.weight"], w[f"{p}.value.bias"])
            out[f"{p}.fc1"] = _fold(w[f"{p}.norm2.weight"], w[f"{p}.norm2.bias"],
                                    w[f"{p}.fc1.weight"], w[f"{p}.fc1.bias"])
            # gelu_twice returns 2 gelu: halve fc2 instead
            out[f"{p}.fc2"] = (np.ascontiguousarray(0.5 * w[f"{p}.fc2.weight"].T),
                               w[f"{p}.fc2.bias"])
            # Attention weights sum to 1 over the keys, so the value bias passes through
            # the mixing unchanged: fold it into the output projection's bias.
            wv, bv = out[f"{p}.value"]
            out[f"{p}.value"] = (wv, np.zeros_like(bv))
            out[f"{p}.out"] = (np.ascontiguousarray(w[f"{p}.out.weight"].T),
                               (w[f"{p}.out.bias"].astype(np.float64)
                                + w[f"{p}.out.weight"].astype(np.float64) @ bv
                                ).astype(np.float32))
        out["decoder.head"] = _fold(w["decoder.norm.weight"], w["decoder.norm.bias"],
                                    w["decoder.head.weight"], w["decoder.head.bias"])
        out["token_proj"] = (np.ascontiguousarray(w["token_proj.weight"].T),
                             w["token_proj.bias"])
        return out

    def _graph_prefixes(self) -> list[str]:
        return ([f"encoder.{k}" for k in range(self.arch.n_graph_blocks)]
                + [f"decoder.blocks.{k}" for k in range(self.arch.n_decoder_blocks)])

    def _graph_logits(self, prefix: str) -> np.ndarray:
        """(H, N, N) similarity of projected ROI embeddings, self-loops removed."""
        h = self.arch.n_heads
        e = self.w["roi_embedding"]
        n, de = e.shape
        q = (e @ self.w[f"{prefix}.query.weight"].T).reshape(n, h, de // h)
        k = (e @ self.w[f"{prefix}.key.weight"].T).reshape(n, h, de // h)
        logits = np.einsum("ihc,jhc->hij", q, k) / np.float32(np.sqrt(de // h))
        idx = np.arange(n)
        logits[:, idx, idx] = -np.inf
        return logits

    def attention(self) -> np.ndarray:
        """Region x region attention of the state encoder (mean over heads and blocks,
        all regions visible): row i says which regions region i draws from."""
        maps = [self._softmax[f"encoder.{k}"].mean(0) for k in range(self.arch.n_graph_blocks)]
        return np.mean(maps, axis=0)

    # -- blocks (region-major states: h is (N, M, d), vis is (N, M) float or None) ----------
    def _graph(self, h: np.ndarray, p: str, vis: np.ndarray | None) -> np.ndarray:
        n, m, d = h.shape
        heads = self.arch.n_heads
        c = d // heads
        v = normalised(h).reshape(n * m, d) @ self._folded[f"{p}.value"][0]
        if vis is not None:
            v *= vis.reshape(n * m, 1)
        v = v.reshape(n, m, heads, c).transpose(2, 0, 1, 3).reshape(heads, n, m * c)
        if vis is None:
            o = np.matmul(self._softmax[p], v).reshape(heads, n, m, c)
        else:
            # Hidden regions carry no signal, so they are removed as keys: softmax over
            # the visible j only, written as sum_j w_ij vis_j v_j / sum_j w_ij vis_j with
            # w = exp(logits - row max), one shared (H, N, N) matrix for every segment.
            wgt = self._weights[p]
            o = np.matmul(wgt, v).reshape(heads, n, m, c)
            o /= np.matmul(wgt, vis)[..., None]
        o = o.transpose(1, 2, 0, 3).reshape(n * m, d)
        wo, bo = self._folded[f"{p}.out"]
        out = o @ wo
        out += bo
        out += h.reshape(n * m, d)
        # MLP: h + fc2(gelu(fc1(LN(h))))
        w1, b1 = self._folded[f"{p}.fc1"]
        f = normalised(out) @ w1
        f += b1
        w2, b2 = self._folded[f"{p}.fc2"]
        y = gelu_twice(f) @ w2
        y += b2
        y += out
        return y.reshape(n, m, d)

    def _graph_block(self, h: np.ndarray, p: str, visible: np.ndarray | None) -> np.ndarray:
        """One graph block on a (B, S, N, d) state (the layout of the PyTorch twin)."""
        b, s, n, d = h.shape
        hr = np.ascontiguousarray(h.transpose(2, 0, 1, 3).reshape(n, b * s, d), np.float32)
        vis = None if visible is None else np.ascontiguousarray(
            visible.transpose(2, 0, 1).reshape(n, b * s), np.float32)
        return self._graph(hr, p, vis).reshape(n, b, s, d).transpose(1, 2, 0, 3)

    def _mlp(self, h: np.ndarray, p: str) -> np.ndarray:
        w = self.w
        x = layer_norm(h, w[f"{p}.norm2.weight"], w[f"{p}.norm2.bias"])
        x = gelu(linear(x, w[f"{p}.fc1.weight"], w[f"{p}.fc1.bias"]))
        return h + linear(x, w[f"{p}.fc2.weight"], w[f"{p}.fc2.bias"])

    def _temporal_layer(self, z: np.ndarray, p: str) -> np.ndarray:
        w, heads = self.w, self.arch.n_heads
        b, s, d = z.shape
        x = layer_norm(z, w[f"{p}.norm1.weight"], w[f"{p}.norm1.bias"])
        qkv = linear(x, w[f"{p}.qkv.weight"], w[f"{p}.qkv.bias"]).reshape(b, s, 3, heads, -1)
        q, k, v = (qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))  # (b, H, s, c)
        att = softmax(np.matmul(q, k.transpose(0, 1, 3, 2)) / np.float32(np.sqrt(d // heads)))
        o = np.matmul(att, v).transpose(0, 2, 1, 3).reshape(b, s, d)
        z = z + linear(o, w[f"{p}.out.weight"], w[f"{p}.out.bias"])
        return self._mlp(z, p)

    # -- forward ----------------------------------------------------------------------
    def forward(self, x: np.ndarray, visible: np.ndarray | None,
                positions: np.ndarray,
                decode: bool = True) -> tuple[np.ndarray | None, np.ndarray]:
        """Reconstruct segments and embed them.

        ``x`` (B, S, N, tau) normalised signals, ``visible`` (B, S, N) bool or None (all
        visible), ``positions`` (B, S) segment positions in units of segments.
        Returns ``(reconstruction (B, S, N, tau), segment embeddings (B, S, d))``; with
        ``decode=False`` the reconstruction is skipped (None): embeddings only.
        """
        w = self.w
        bsz, s, n, tau = np.shape(x)
        d, m = self.arch.d_model, bsz * s
        xr = np.asarray(x, dtype=np.float32).transpose(2, 0, 1, 3).reshape(n, m, tau)
        vis = None if visible is None else np.asarray(visible, dtype=bool).transpose(
            2, 0, 1).reshape(n, m)
        step = max(1, self.chunk_rows // n)
        chunks = [slice(a, min(a + step, m)) for a in range(0, m, step)]
        wt, bt = self._folded["token_proj"]
        states, z = [], np.empty((m, d), dtype=np.float32)
        for sl in chunks:
            k = sl.stop - sl.start
            h = (np.ascontiguousarray(xr[:, sl]).reshape(n * k, tau) @ wt).reshape(n, k, d)
            h += bt
            vc = None
            if vis is not None:
                h[~vis[:, sl]] = w["mask_token"]
                vc = np.ascontiguousarray(vis[:, sl], dtype=np.float32)
            h += self._roi_id[:, None, :]
            for b in range(self.arch.n_graph_blocks):
                h = self._graph(h, f"encoder.{b}", vc)
            h = normalised(h)
            h *= w["encoder_norm.weight"]
            h += w["encoder_norm.bias"]
            states.append(h)
            # The segment's state token: mean over the regions that were seen.
            z[sl] = (h.mean(0) if vc is None
                     else np.einsum("nk,nkd->kd", vc, h) / vc.sum(0)[:, None])
        zt = z.reshape(bsz, s, d) + positional_encoding(positions, d)
        for b in range(self.arch.n_temporal_layers):
            zt = self._temporal_layer(zt, f"temporal.{b}")
        ctx = layer_norm(zt, w["temporal_norm.weight"], w["temporal_norm.bias"])
        if not decode:
            return None, ctx
        proj = linear(ctx, w["decoder.context.weight"], w["decoder.context.bias"]).reshape(m, d)
        wh, bh = self._folded["decoder.head"]
        recon = np.empty((n, m, tau), dtype=np.float32)
        for sl, h in zip(chunks, states, strict=True):
            u = h + proj[None, sl]
            for b in range(self.arch.n_decoder_blocks):
                u = self._graph(u, f"decoder.blocks.{b}", None)
            k = sl.stop - sl.start
            r = normalised(u).reshape(n * k, d) @ wh
            r += bh
            recon[:, sl] = r.reshape(n, k, tau)
        recon = np.ascontiguousarray(recon.reshape(n, bsz, s, tau).transpose(1, 2, 0, 3))
        return recon, ctx

    def predict(self, embedding: np.ndarray) -> np.ndarray | None:
        """The linear head on scan embeddings (softmax probabilities for classification)."""
        head = self.config.head
        if head is None:
            return None
        y = embedding @ self.w["head.weight"].T + self.w["head.bias"]
        return softmax(y) if head.kind == "classification" else y
