"""The BrainMAE model description stored beside the weights (JSON, never code).

A checkpoint is ``NAME.safetensors`` (tensors) plus ``NAME.json`` (this config):
architecture sizes, the atlas and its region names, segment length, TR, the
input normalisation, the loss weighting it was trained with, an optional linear
head, the Gaussian baseline's covariance (how it was estimated; the matrix itself is
the tensor ``baseline.covariance``) and free-form training notes.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "neurodeck-brainmae/1"


@dataclass(frozen=True)
class Architecture:
    """Sizes of the network (see docs/brainmae.md for what each one controls)."""

    n_regions: int
    segment_length: int = 15  # frames per transient-state segment (tau)
    d_model: int = 64  # width of ROI tokens and segment tokens
    d_embed: int = 32  # width of the learnable ROI embeddings
    n_heads: int = 4
    n_graph_blocks: int = 2  # region-aware graph attention blocks in the state encoder
    n_temporal_layers: int = 2  # transformer layers over the segment sequence
    n_decoder_blocks: int = 1  # region-aware graph attention blocks in the decoder
    mlp_ratio: int = 2

    def check(self) -> None:
        ints = asdict(self)
        bad = [k for k, v in ints.items() if not isinstance(v, int) or v < 1]
        if bad:
            raise ValueError(f"architecture sizes must be positive integers: {', '.join(bad)}")
        if self.n_regions < 3:
            raise ValueError("BrainMAE needs at least 3 regions")
        if self.d_model % self.n_heads or self.d_embed % self.n_heads:
            raise ValueError("d_model and d_embed must be divisible by n_heads")
        if self.d_model % 2:
            raise ValueError("d_model must be even (sinusoidal segment positions)")


@dataclass(frozen=True)
class Head:
    """An optional linear read-out of the scan embedding: ``y = W e + b``."""

    kind: str  # "regression" or "classification"
    outputs: tuple[str, ...]  # one name per output (target or class)
    description: str = ""


@dataclass(frozen=True)
class BrainMAEConfig:
    architecture: Architecture
    tr: float  # seconds; inputs must match within tr_tolerance (relative)
    atlas: str = ""
    regions: tuple[str, ...] = ()
    tr_tolerance: float = 0.01
    normalisation: dict[str, Any] = field(
        default_factory=lambda: {"method": "zscore_per_region_per_scan", "eps": 1e-6})
    masked_loss_weight: float = 1.0
    unmasked_loss_weight: float = 0.1
    train_mask_ratio: float = 0.5
    head: Head | None = None
    # The linear Gaussian baseline stored with the checkpoint: {"shrinkage": s, "scans":
    # [...], "frames": n, ...}; None when the checkpoint carries no covariance.
    baseline: dict[str, Any] | None = None
    training: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.architecture.check()
        if not (self.tr > 0):
            raise ValueError(f"tr must be positive, got {self.tr}")
        if self.regions and len(self.regions) != self.architecture.n_regions:
            raise ValueError(f"{len(self.regions)} region names for "
                             f"{self.architecture.n_regions} regions")
        if self.normalisation.get("method") != "zscore_per_region_per_scan":
            raise ValueError(f"unknown normalisation {self.normalisation.get('method')!r}")
        if self.head is not None:
            if self.head.kind not in ("regression", "classification"):
                raise ValueError(f"head kind must be regression or classification, "
                                 f"got {self.head.kind!r}")
            if not self.head.outputs:
                raise ValueError("head needs at least one output name")
        if self.baseline is not None:
            shrinkage = self.baseline.get("shrinkage")
            if not isinstance(shrinkage, (int, float)) or not 0 <= shrinkage <= 1:
                raise ValueError(f"baseline shrinkage must lie in [0, 1], got {shrinkage!r}")

    # -- JSON ------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["regions"] = list(self.regions)
        if self.head is not None:
            out["head"]["outputs"] = list(self.head.outputs)
        return {"format": FORMAT, **out}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BrainMAEConfig:
        """Build from parsed JSON; raises ValueError naming what is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a BrainMAE config (format is not {FORMAT!r})")
        try:
            arch = Architecture(**data["architecture"])
            head = data.get("head")
            head_obj = None if head is None else Head(
                kind=str(head["kind"]), outputs=tuple(str(x) for x in head["outputs"]),
                description=str(head.get("description", "")))
            return cls(
                architecture=arch, tr=float(data["tr"]), atlas=str(data.get("atlas", "")),
                regions=tuple(str(r) for r in data.get("regions", ())),
                tr_tolerance=float(data.get("tr_tolerance", 0.01)),
                normalisation=dict(data.get("normalisation") or
                                   {"method": "zscore_per_region_per_scan", "eps": 1e-6}),
                masked_loss_weight=float(data.get("masked_loss_weight", 1.0)),
                unmasked_loss_weight=float(data.get("unmasked_loss_weight", 0.1)),
                train_mask_ratio=float(data.get("train_mask_ratio", 0.5)),
                head=head_obj,
                baseline=None if data.get("baseline") is None else dict(data["baseline"]),
                training=dict(data.get("training") or {}),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"incomplete or malformed config: {exc}") from None

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=1) + "\n", encoding="utf-8")
