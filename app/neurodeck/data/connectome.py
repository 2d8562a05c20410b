"""Connectomes: weighted graphs over labelled nodes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Dataset


class Connectome(Dataset):
    """A weighted (possibly directed) graph as an N x N matrix with node labels.

    ``weights[i, j]`` is the weight of the edge from node i to node j. Extra layers
    (e.g. ``{"chemical": W1, "electrical": W2}``) may be kept in ``layers``;
    ``weights`` is then their sum unless given.
    """

    kinds: ClassVar[tuple[str, ...]] = ("connectome",)

    def __init__(
        self,
        weights: Any,
        labels: Sequence[Any] | None = None,
        *,
        layers: Mapping[str, Any] | None = None,
        directed: bool | None = None,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        super().__init__(name=name, source=source, meta=meta)
        w = np.asarray(weights, dtype=float)
        if w.ndim != 2 or w.shape[0] != w.shape[1]:
            raise ValueError(f"connectome weights must be square, got shape {w.shape}")
        self.weights = w
        n = w.shape[0]
        self.node_labels = [str(x) for x in labels] if labels is not None else [
            f"node{i}" for i in range(n)]
        if len(self.node_labels) != n:
            raise ValueError(f"{len(self.node_labels)} labels for {n} nodes")
        self.layers = {k: np.asarray(v, dtype=float) for k, v in (layers or {}).items()}
        for key, layer in self.layers.items():
            if layer.shape != w.shape:
                raise ValueError(f"layer {key!r} has shape {layer.shape}, expected {w.shape}")
        self.directed = bool(not np.allclose(w, w.T)) if directed is None else directed

    @property
    def labels(self) -> list[str]:
        return list(self.node_labels)

    @property
    def n_nodes(self) -> int:
        return self.weights.shape[0]

    @property
    def n_edges(self) -> int:
        nz = np.count_nonzero(self.weights)
        return int(nz if self.directed else (nz + np.count_nonzero(np.diag(self.weights))) // 2)

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update(nodes=self.n_nodes, edges=self.n_edges, directed=self.directed)
        if self.layers:
            out["layers"] = sorted(self.layers)
        return out
