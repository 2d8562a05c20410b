"""Timed events and annotations (onset, duration, label) shared by all time series."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Events:
    """Onsets and durations in seconds with a text label each (MNE annotations alike)."""

    onset: np.ndarray = field(default_factory=lambda: np.zeros(0))
    duration: np.ndarray = field(default_factory=lambda: np.zeros(0))
    label: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.onset = np.asarray(self.onset, dtype=float).reshape(-1)
        self.duration = np.asarray(self.duration, dtype=float).reshape(-1)
        if self.duration.size == 0 and self.onset.size:
            self.duration = np.zeros_like(self.onset)
        self.label = [str(x) for x in self.label]
        if not (len(self.onset) == len(self.duration) == len(self.label)):
            raise ValueError("events need as many onsets, durations and labels")

    @classmethod
    def empty(cls) -> Events:
        return cls()

    @classmethod
    def from_lists(
        cls, onset: Sequence[float], duration: Sequence[float], label: Sequence[str]
    ) -> Events:
        return cls(np.asarray(onset, float), np.asarray(duration, float), list(label))

    @classmethod
    def from_json(cls, values: Mapping[str, Any]) -> Events:
        """From ``{"onset": [...], "duration": [...], "label": [...]}`` (:meth:`to_json`)."""
        return cls(np.asarray(values["onset"], float), np.asarray(values["duration"], float),
                   [str(x) for x in values["label"]])

    def to_json(self) -> dict[str, list]:
        return {"onset": self.onset.tolist(), "duration": self.duration.tolist(),
                "label": list(self.label)}

    def __len__(self) -> int:
        return len(self.label)

    def __iter__(self) -> Iterator[tuple[float, float, str]]:
        return iter(zip(self.onset.tolist(), self.duration.tolist(), self.label, strict=True))

    def in_window(self, t0: float, t1: float) -> Events:
        keep = (self.onset + self.duration >= t0) & (self.onset <= t1)
        return Events(self.onset[keep], self.duration[keep], [
            lab for lab, k in zip(self.label, keep, strict=True) if k
        ])

    def unique_labels(self) -> list[str]:
        return sorted(set(self.label))
