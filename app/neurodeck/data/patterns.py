"""Activity patterns per condition (observations x channels), the input of RSA."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Dataset


class Patterns(Dataset):
    """Observations x channels with a condition label per observation.

    ``runs`` (folds for cross-validation) and ``subjects`` are optional
    per-observation labels.
    """

    kinds: ClassVar[tuple[str, ...]] = ("patterns",)

    def __init__(
        self,
        data: Any,
        conditions: Sequence[Any],
        runs: Sequence[Any] | None = None,
        subjects: Sequence[Any] | None = None,
        *,
        channels: Sequence[str] | None = None,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        super().__init__(name=name, source=source, meta=meta)
        self.data = np.asarray(data, dtype=float)
        if self.data.ndim != 2:
            raise ValueError(
                f"patterns must be 2-D (observations x channels), got {self.data.shape}")
        n = self.data.shape[0]

        def per_obs(values: Sequence[Any] | None, what: str) -> np.ndarray | None:
            if values is None:
                return None
            arr = np.asarray(values)
            if arr.shape != (n,):
                raise ValueError(f"{what} needs one value per observation ({n}), got {arr.shape}")
            return arr

        self.conditions = per_obs(conditions, "conditions")
        self.runs = per_obs(runs, "runs")
        self.subjects = per_obs(subjects, "subjects")
        self.channels = (
            [str(c) for c in channels] if channels is not None
            else [f"ch{i}" for i in range(self.data.shape[1])]
        )

    @property
    def n_observations(self) -> int:
        return self.data.shape[0]

    @property
    def n_channels(self) -> int:
        return self.data.shape[1]

    def unique_conditions(self) -> list[Any]:
        """Conditions in first-seen order."""
        _, first = np.unique(self.conditions, return_index=True)
        return [self.conditions[i] for i in sorted(first)]

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update(observations=self.n_observations, channels=self.n_channels,
                   conditions=len(self.unique_conditions()))
        if self.runs is not None:
            out["runs"] = len(np.unique(self.runs))
        if self.subjects is not None:
            out["subjects"] = len(np.unique(self.subjects))
        return out
