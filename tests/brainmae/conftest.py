"""Shared helpers for the BrainMAE tests: tiny configurations and random weights."""

from __future__ import annotations

import numpy as np
import pytest
from neurodeck_brainmae.config import Architecture, BrainMAEConfig, Head
from neurodeck_brainmae.model_np import expected_shapes


def tiny_config(n_regions: int = 12, tau: int = 5, head: Head | None = None,
                tr: float = 1.0, **arch) -> BrainMAEConfig:
    sizes = dict(d_model=16, d_embed=8, n_heads=2, n_graph_blocks=2, n_temporal_layers=1,
                 n_decoder_blocks=1)
    sizes.update(arch)
    return BrainMAEConfig(Architecture(n_regions=n_regions, segment_length=tau, **sizes),
                          tr=tr, atlas="test", regions=tuple(f"r{i}" for i in range(n_regions)),
                          head=head)


def random_weights(config: BrainMAEConfig, seed: int = 0) -> dict[str, np.ndarray]:
    """Random weights of the right shapes, without torch (layer-norm gains near 1)."""
    rng = np.random.default_rng(seed)
    n_out = len(config.head.outputs) if config.head else 0
    out = {}
    for name, shape in expected_shapes(config.architecture, n_out).items():
        scale = 1.0 if name == "roi_embedding" else 1.0 / np.sqrt(shape[-1])
        w = rng.standard_normal(shape) * scale
        if "norm" in name and name.endswith(".weight"):
            w = 1.0 + 0.1 * w
        out[name] = w.astype(np.float32)
    return out


@pytest.fixture
def tiny():
    return tiny_config()


@pytest.fixture
def make_config():
    return tiny_config


@pytest.fixture
def make_weights():
    return random_weights


@pytest.fixture
def torch_twin():
    """torch, or a skip naming the extra that provides it."""
    return pytest.importorskip(
        "torch", reason="PyTorch is the optional 'train' extra (pip install "
        "'neurodeck[train]'); this test compares against or trains the PyTorch twin")
