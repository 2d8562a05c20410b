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
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + LN_EPS) * w + b


def linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """``x @ w.T + b`` over the last axis, as one 2-D product (numpy's stacked matmul
    is far slower than a single BLAS call)."""
    y = x.reshape(-1, x.shape[-1]) @ w.T
    if b is not None:
        y += b
    return y.reshape(*x.shape[:-1], w.shape[0])


def mix(weights: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``out[b,s,i,h] = sum_j weights[h,i,j] v[b,s,j,h]`` as one batched matmul per head."""
    b, s, n, heads, c = v.shape
    vt = v.transpose(3, 2, 0, 1, 4).reshape(heads, n, b * s * c)
    out = np.matmul(weights, vt).reshape(heads, n, b, s, c)
    return out.transpose(2, 3, 1, 0, 4)


def gelu(x: np.ndarray) -> np.ndarray:
    # tanh form (PyTorch GELU(approximate="tanh")): no scipy.special at inference.
    # In place, to spare temporaries on (passes x segments x regions x width) arrays.
    y = x * x
    y *= x
    y *= np.float32(0.044715)
    y += x
    y *= np.float32(0.7978845608028654)
    np.tanh(y, out=y)
    y += 1
    y *= x
    y *= np.float32(0.5)
    return y


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def positional_encoding(positions: np.ndarray, d: int) -> np.ndarray:
    """Sinusoidal code of (possibly fractional) segment positions: ``(..., d)``."""
    half = d // 2
    freq = np.exp(-np.log(10000.0) * np.arange(half, dtype=np.float64) / half)
    angle = np.asarray(positions, dtype=np.float64)[..., None] * freq
    return np.concatenate([np.sin(angle), np.cos(angle)], axis=-1).astype(np.float32)


class NumpyBrainMAE:
    """The BrainMAE network with weights held as numpy arrays."""

    def __init__(self, config: BrainMAEConfig, weights: Mapping[str, np.ndarray]):
        self.config = config
        self.arch = config.architecture
        self.w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}
        a = self.arch
        self._roi_id = self.w["roi_embedding"] @ self.w["roi_proj.weight"].T  # (N, d)
        # Region-aware attention depends on the ROI embeddings only: compute once.
        self._logits = {p: self._graph_logits(p) for p in self._graph_prefixes()}
        self._weights = {p: np.exp(x - x.max(-1, keepdims=True)) for p, x in self._logits.items()}
        assert a.d_model % 2 == 0

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
        maps = [softmax(self._logits[f"encoder.{k}"]).mean(0)
                for k in range(self.arch.n_graph_blocks)]
        return np.mean(maps, axis=0)

    # -- blocks ---------------------------------------------------------------------
    def _mlp(self, h: np.ndarray, p: str) -> np.ndarray:
        w = self.w
        x = layer_norm(h, w[f"{p}.norm2.weight"], w[f"{p}.norm2.bias"])
        x = gelu(linear(x, w[f"{p}.fc1.weight"], w[f"{p}.fc1.bias"]))
        return h + linear(x, w[f"{p}.fc2.weight"], w[f"{p}.fc2.bias"])

    def _graph_block(self, h: np.ndarray, p: str, visible: np.ndarray | None) -> np.ndarray:
        w, heads = self.w, self.arch.n_heads
        b, s, n, d = h.shape
        x = layer_norm(h, w[f"{p}.norm1.weight"], w[f"{p}.norm1.bias"])
        v = linear(x, w[f"{p}.value.weight"], w[f"{p}.value.bias"]).reshape(b, s, n, heads, -1)
        if visible is None:
            o = mix(softmax(self._logits[p]), v)
        else:
            # Masked regions carry no signal, so they are removed as keys: softmax over
            # the visible j only, written as sum_j w_ij vis_j v_j / sum_j w_ij vis_j with
            # w = exp(logits - row max), one shared (H, N, N) matrix for every segment.
            wgt = self._weights[p]
            vis = visible.astype(np.float32)
            num = mix(wgt, v * vis[..., None, None])
            den = np.matmul(wgt, vis.reshape(b * s, n).T).reshape(heads, n, b, s)
            o = num / den.transpose(2, 3, 1, 0)[..., None]
        h = h + linear(o.reshape(b, s, n, d), w[f"{p}.out.weight"], w[f"{p}.out.bias"])
        return self._mlp(h, p)

    def _temporal_layer(self, z: np.ndarray, p: str) -> np.ndarray:
        w, heads = self.w, self.arch.n_heads
        b, s, d = z.shape
        x = layer_norm(z, w[f"{p}.norm1.weight"], w[f"{p}.norm1.bias"])
        qkv = linear(x, w[f"{p}.qkv.weight"], w[f"{p}.qkv.bias"]).reshape(b, s, 3, heads, -1)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        att = softmax(np.einsum("bshc,bthc->bhst", q, k) / np.float32(np.sqrt(d // heads)))
        o = np.einsum("bhst,bthc->bshc", att, v).reshape(b, s, d)
        z = z + linear(o, w[f"{p}.out.weight"], w[f"{p}.out.bias"])
        return self._mlp(z, p)

    # -- forward ----------------------------------------------------------------------
    def forward(self, x: np.ndarray, visible: np.ndarray | None,
                positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reconstruct segments and embed them.

        ``x`` (B, S, N, tau) normalised signals, ``visible`` (B, S, N) bool or None (all
        visible), ``positions`` (B, S) segment positions in units of segments.
        Returns ``(reconstruction (B, S, N, tau), segment embeddings (B, S, d))``.
        """
        w = self.w
        x = np.asarray(x, dtype=np.float32)
        tok = linear(x, w["token_proj.weight"], w["token_proj.bias"])
        if visible is not None:
            visible = np.asarray(visible, dtype=bool)
            tok = np.where(visible[..., None], tok, w["mask_token"])
        h = tok + self._roi_id
        for k in range(self.arch.n_graph_blocks):
            h = self._graph_block(h, f"encoder.{k}", visible)
        h = layer_norm(h, w["encoder_norm.weight"], w["encoder_norm.bias"])
        # The segment's state token: mean over the regions that were seen.
        if visible is None:
            z = h.mean(axis=2)
        else:
            vis = visible[..., None].astype(np.float32)
            z = (h * vis).sum(2) / vis.sum(2)
        z = z + positional_encoding(positions, self.arch.d_model)
        for k in range(self.arch.n_temporal_layers):
            z = self._temporal_layer(z, f"temporal.{k}")
        c = layer_norm(z, w["temporal_norm.weight"], w["temporal_norm.bias"])
        u = h + linear(c, w["decoder.context.weight"], w["decoder.context.bias"])[:, :, None, :]
        for k in range(self.arch.n_decoder_blocks):
            u = self._graph_block(u, f"decoder.blocks.{k}", None)
        u = layer_norm(u, w["decoder.norm.weight"], w["decoder.norm.bias"])
        recon = linear(u, w["decoder.head.weight"], w["decoder.head.bias"])
        return recon, c

    def predict(self, embedding: np.ndarray) -> np.ndarray | None:
        """The linear head on scan embeddings (softmax probabilities for classification)."""
        head = self.config.head
        if head is None:
            return None
        y = embedding @ self.w["head.weight"].T + self.w["head.bias"]
        return softmax(y) if head.kind == "classification" else y
