"""Spike trains: spike times of sorted units."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .base import Dataset
from .events import Events


class SpikeTrains(Dataset):
    """Spike times (seconds) of ``n_units`` units over ``[0, duration]``.

    ``times`` is either a list with one array per unit (``units`` then names the
    units) or one flat array of spike times with ``units`` giving the unit of each
    spike. Stored as CSR: ``spike_times[unit_ptr[k]:unit_ptr[k+1]]`` are unit k's.
    ``segments`` optionally lists (start, stop) times of trials/sequences.
    """

    kinds: ClassVar[tuple[str, ...]] = ("spikes",)

    def __init__(
        self,
        times: Any,
        units: Sequence[Any] | None = None,
        duration: float | None = None,
        *,
        segments: Sequence[tuple[float, float]] | None = None,
        events: Events | None = None,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        super().__init__(name=name, source=source, meta=meta)
        if isinstance(times, (list, tuple)) and (not times or np.ndim(times[0]) == 1):
            per_unit = [np.sort(np.asarray(t, dtype=float).reshape(-1)) for t in times]
            names = list(units) if units is not None else list(range(len(per_unit)))
            if len(names) != len(per_unit):
                raise ValueError(f"{len(names)} unit names for {len(per_unit)} spike trains")
        else:
            flat = np.asarray(times, dtype=float).reshape(-1)
            if units is None:
                per_unit, names = [np.sort(flat)], [0]
            else:
                lab = np.asarray(units)
                if lab.shape != flat.shape:
                    raise ValueError("units must give one unit per spike when times is flat")
                names = list(dict.fromkeys(lab.tolist()))
                per_unit = [np.sort(flat[lab == u]) for u in names]
        self.unit_names: list[str] = [str(u) for u in names]
        counts = [len(t) for t in per_unit]
        self.unit_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.spike_times = (
            np.concatenate(per_unit) if per_unit else np.zeros(0)
        ).astype(float)
        if self.spike_times.size and not np.all(np.isfinite(self.spike_times)):
            raise ValueError("spike times must be finite")
        last = float(self.spike_times.max()) if self.spike_times.size else 0.0
        self.duration = float(duration) if duration is not None else last
        if self.duration < last:
            raise ValueError(
                f"duration {self.duration} s is shorter than the last spike ({last} s)")
        self.segments = [(float(a), float(b)) for a, b in segments] if segments else None
        self.events = events if events is not None else Events.empty()

    @property
    def n_units(self) -> int:
        return len(self.unit_names)

    @property
    def labels(self) -> list[str]:
        return list(self.unit_names)

    def unit(self, k: int) -> np.ndarray:
        return self.spike_times[self.unit_ptr[k] : self.unit_ptr[k + 1]]

    def binned(
        self, width: float, t_start: float = 0.0, t_stop: float | None = None
    ) -> np.ndarray:
        """Spike counts (units x bins) in bins of ``width`` seconds."""
        if width <= 0:
            raise ValueError(f"bin width must be positive, got {width}")
        t_stop = self.duration if t_stop is None else t_stop
        n_bins = max(int(np.floor((t_stop - t_start) / width + 1e-9)), 0)
        edges = t_start + width * np.arange(n_bins + 1)
        counts = np.zeros((self.n_units, n_bins), dtype=np.int64)
        for k in range(self.n_units):
            counts[k] = np.histogram(self.unit(k), bins=edges)[0]
        return counts

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out.update(units=self.n_units, spikes=int(self.spike_times.size),
                   duration_s=round(self.duration, 3))
        if self.segments:
            out["segments"] = len(self.segments)
        return out
