"""The PyTorch twin of :mod:`neurodeck_brainmae.model_np`, for training.

Needs the optional ``train`` extra (``pip install neurodeck[train]``). Every
operation mirrors the numpy forward, and ``state_dict()`` names match
:func:`~neurodeck_brainmae.model_np.expected_shapes`.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

from .config import BrainMAEConfig
from .model_np import LN_EPS, positional_encoding


class _Mlp(nn.Module):
    def __init__(self, d: int, ratio: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(d, eps=LN_EPS)
        self.norm2 = nn.LayerNorm(d, eps=LN_EPS)
        self.out = nn.Linear(d, d)
        self.fc1 = nn.Linear(d, d * ratio)
        self.fc2 = nn.Linear(d * ratio, d)

    def mlp(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.fc2(nn.functional.gelu(self.fc1(self.norm2(h)), approximate="tanh"))


class GraphBlock(_Mlp):
    """Region-aware graph attention: weights from ROI embeddings, not from the signal."""

    def __init__(self, d: int, d_embed: int, heads: int, ratio: int):
        super().__init__(d, ratio)
        self.heads = heads
        self.query = nn.Linear(d_embed, d_embed, bias=False)
        self.key = nn.Linear(d_embed, d_embed, bias=False)
        self.value = nn.Linear(d, d)

    def logits(self, emb: torch.Tensor) -> torch.Tensor:
        n, de = emb.shape
        q = self.query(emb).reshape(n, self.heads, -1)
        k = self.key(emb).reshape(n, self.heads, -1)
        out = torch.einsum("ihc,jhc->hij", q, k) / math.sqrt(de // self.heads)
        eye = torch.eye(n, dtype=torch.bool, device=emb.device)
        return out.masked_fill(eye, float("-inf"))  # no self-loops

    def forward(self, h: torch.Tensor, emb: torch.Tensor,
                visible: torch.Tensor | None) -> torch.Tensor:
        b, s, n, d = h.shape
        v = self.value(self.norm1(h)).reshape(b, s, n, self.heads, -1)
        logits = self.logits(emb)
        if visible is None:
            o = torch.einsum("hij,bsjhc->bsihc", torch.softmax(logits, -1), v)
        else:
            # Softmax over visible keys only, as in the numpy model (one shared matrix).
            wgt = torch.exp(logits - logits.max(-1, keepdim=True).values)
            vis = visible.to(h.dtype)
            num = torch.einsum("hij,bsjhc->bsihc", wgt, v * vis[..., None, None])
            den = torch.einsum("hij,bsj->bsih", wgt, vis)
            o = num / den[..., None]
        h = h + self.out(o.reshape(b, s, n, d))
        return self.mlp(h)


class TemporalLayer(_Mlp):
    """A pre-norm transformer encoder layer over the segment sequence."""

    def __init__(self, d: int, heads: int, ratio: int):
        super().__init__(d, ratio)
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        b, s, d = z.shape
        qkv = self.qkv(self.norm1(z)).reshape(b, s, 3, self.heads, -1)
        q, k, v = qkv[:, :, 0], qkv[:, :, 1], qkv[:, :, 2]
        att = torch.softmax(torch.einsum("bshc,bthc->bhst", q, k) / math.sqrt(d // self.heads),
                            -1)
        z = z + self.out(torch.einsum("bhst,bthc->bshc", att, v).reshape(b, s, d))
        return self.mlp(z)


class Decoder(nn.Module):
    def __init__(self, d: int, d_embed: int, heads: int, ratio: int, n_blocks: int, tau: int):
        super().__init__()
        self.context = nn.Linear(d, d)
        self.blocks = nn.ModuleList(GraphBlock(d, d_embed, heads, ratio) for _ in range(n_blocks))
        self.norm = nn.LayerNorm(d, eps=LN_EPS)
        self.head = nn.Linear(d, tau)


class TorchBrainMAE(nn.Module):
    def __init__(self, config: BrainMAEConfig):
        super().__init__()
        a = config.architecture
        self.config = config
        d, de, r = a.d_model, a.d_embed, a.mlp_ratio
        self.roi_embedding = nn.Parameter(torch.randn(a.n_regions, de) * 0.5)
        self.token_proj = nn.Linear(a.segment_length, d)
        self.roi_proj = nn.Linear(de, d, bias=False)
        self.mask_token = nn.Parameter(torch.zeros(d))
        self.encoder = nn.ModuleList(GraphBlock(d, de, a.n_heads, r)
                                     for _ in range(a.n_graph_blocks))
        self.encoder_norm = nn.LayerNorm(d, eps=LN_EPS)
        self.temporal = nn.ModuleList(TemporalLayer(d, a.n_heads, r)
                                      for _ in range(a.n_temporal_layers))
        self.temporal_norm = nn.LayerNorm(d, eps=LN_EPS)
        self.decoder = Decoder(d, de, a.n_heads, r, a.n_decoder_blocks, a.segment_length)
        if config.head is not None:
            self.head = nn.Linear(d, len(config.head.outputs))

    def forward(self, x: torch.Tensor, visible: torch.Tensor | None,
                positions: torch.Tensor,
                decode: bool = True) -> tuple[torch.Tensor | None, torch.Tensor]:
        """As :meth:`NumpyBrainMAE.forward`, on tensors."""
        emb = self.roi_embedding
        tok = self.token_proj(x)
        if visible is not None:
            tok = torch.where(visible[..., None], tok, self.mask_token)
        h = tok + self.roi_proj(emb)
        for block in self.encoder:
            h = block(h, emb, visible)
        h = self.encoder_norm(h)
        if visible is None:
            z = h.mean(2)
        else:
            vis = visible[..., None].to(h.dtype)
            z = (h * vis).sum(2) / vis.sum(2)
        pe = positional_encoding(positions.detach().cpu().numpy(), self.config.architecture.d_model)
        z = z + torch.from_numpy(pe).to(z.dtype)
        for layer in self.temporal:
            z = layer(z)
        c = self.temporal_norm(z)
        if not decode:
            return None, c
        u = h + self.decoder.context(c)[:, :, None, :]
        for block in self.decoder.blocks:
            u = block(u, emb, None)
        recon = self.decoder.head(self.decoder.norm(u))
        return recon, c

    def numpy_weights(self) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().astype(np.float32)
                for k, v in self.state_dict().items()}
