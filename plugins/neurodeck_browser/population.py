"""Several animals in one dataset: each animal on its own, or all aligned by neuron name.

A multi-animal :class:`~neurodeck.data.Traces` (one recording per animal, neurons named
where the lab identified them) is shown one animal at a time, or as :class:`AlignedTraces`:
one row per (neuron, animal), grouped by neuron name, so the same neuron can be compared
across animals. Nothing is hidden: a neuron named in several animals gets a row in every
animal, and the animals it was not found in get an empty row marked *missing*; animals
shorter than the longest are missing past their end. What the reader did to an animal
(resampled onto the common rate) is stated in :func:`facts`. Windows are read from each
animal's own array, only the rows and samples asked for: lazy arrays stay lazy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from neurodeck.data import Traces
from neurodeck.data.timeseries import TimeSeries

ALIGNED = "aligned"
SEP = " \u00b7 "


def is_population(ds: Any) -> bool:
    return isinstance(ds, Traces) and ds.n_animals > 1


def _read(arr: Any, rows: Sequence[int], start: int, stop: int) -> np.ndarray:
    """Rows ``rows`` of samples ``start:stop`` of one animal's array (sorted reads for
    h5py, then put back in the asked order)."""
    idx = np.asarray(rows, dtype=int)
    order = np.argsort(idx)
    block = np.asarray(arr[np.sort(idx).tolist(), start:stop], dtype=np.float64)
    out = np.empty_like(block)
    out[order] = block
    return out


class AlignedTraces(TimeSeries):
    """All animals of ``ds`` as rows ``"<neuron> · <animal>"``: first every name found in
    more than one animal (alphabetically, one row per animal, missing ones included),
    then the neurons found in one animal only, animal by animal."""

    kinds: ClassVar[tuple[str, ...]] = ("traces", "timeseries")

    def __init__(self, ds: Traces):
        super().__init__(name=f"{ds.name} (aligned)", source=ds.source, meta=ds.meta)
        self.population = ds
        where: list[dict[str, list[int]]] = []
        for labs in ds.animal_labels:  # a name may label two neurons of one animal ("SIA??")
            here: dict[str, list[int]] = {}
            for i, lab in enumerate(labs):
                here.setdefault(lab, []).append(i)
            where.append(here)
        counts: dict[str, int] = {}
        for labs in ds.animal_labels:
            for lab in set(labs):
                counts[lab] = counts.get(lab, 0) + 1
        #: (neuron name, animal index, row in that animal or -1 when missing)
        self.rows: list[tuple[str, int, int]] = []
        self.shared = sorted(lab for lab, c in counts.items() if c > 1)
        for lab in self.shared:  # names found in several animals: a row in every animal
            for a in range(ds.n_animals):
                self.rows += [(lab, a, i) for i in where[a].get(lab, [-1])]
        for a, labs in enumerate(ds.animal_labels):  # then each animal's own neurons
            self.rows += [(lab, a, i) for i, lab in enumerate(labs) if counts[lab] == 1]
        self._labels = [f"{lab}{SEP}{ds.animals[a]}" for lab, a, _ in self.rows]
        self.present = np.asarray([i >= 0 for _, _, i in self.rows], dtype=bool)
        self._n_times = max(int(arr.shape[1]) for arr in ds.arrays)

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def sfreq(self) -> float:
        return self.population.sfreq

    @property
    def n_times(self) -> int:
        return self._n_times

    @property
    def row_types(self) -> list[str]:
        return ["neuron"] * len(self.rows)

    def get_data(self, start=0, stop=None, picks=None) -> np.ndarray:
        stop = self._n_times if stop is None else min(int(stop), self._n_times)
        start = max(int(start), 0)
        picks = list(range(len(self.rows))) if picks is None else [int(p) for p in picks]
        out = np.full((len(picks), max(stop - start, 0)), np.nan)
        by_animal: dict[int, list[tuple[int, int]]] = {}
        for pos, p in enumerate(picks):
            _, a, i = self.rows[p]
            if i >= 0:
                by_animal.setdefault(a, []).append((pos, i))
        for a, pairs in by_animal.items():
            arr = self.population.arrays[a]
            end = min(stop, int(arr.shape[1]))  # past an animal's end: missing
            if end <= start:
                continue
            pos, rows = zip(*pairs, strict=True)
            out[list(pos), : end - start] = _read(arr, rows, start, end)
        return out


def animal_names(ds: Traces) -> list[str]:
    """Selector entries: each animal (with what the reader did to it), then the aligned
    view."""
    resampled = (ds.meta or {}).get("resampled") or {}
    out = []
    for a, name in enumerate(ds.animals):
        note = f" (resampled from {float(resampled[name]):.4g} Hz)" if name in resampled else ""
        out.append(f"{name}: {len(ds.animal_labels[a])} neurons{note}")
    out.append(f"all {ds.n_animals} animals, aligned by neuron name")
    return out


def facts(ds: Traces, which: int | str) -> str:
    """One line saying what is shown and what was done to it."""
    meta = ds.meta or {}
    resampled = meta.get("resampled") or {}
    rate = ds.sfreq
    if which == ALIGNED:
        al = AlignedTraces(ds)
        missing = int((~al.present).sum())
        lengths = {int(arr.shape[1]) for arr in ds.arrays}
        parts = [f"{ds.n_animals} animals aligned by neuron name: {len(al.rows)} rows, "
                 f"{len(al.shared)} names found in more than one animal; {missing} rows "
                 "missing (the neuron was not found in that animal: drawn empty)"]
        if len(lengths) > 1:
            parts.append(f"recordings of {min(lengths) / rate:.0f}\u2013"
                         f"{max(lengths) / rate:.0f} s: shorter ones are missing past their end")
    else:
        a = int(which)
        name = ds.animals[a]
        labs = ds.animal_labels[a]
        others = set().union(*[set(x) for k, x in enumerate(ds.animal_labels) if k != a])
        n = int(ds.arrays[a].shape[1])
        parts = [f"animal {a + 1} of {ds.n_animals} ({name}): {len(labs)} neurons, "
                 f"{sum(lab in others for lab in labs)} also named in other animals; "
                 f"{n} samples at {rate:.4g} Hz ({n / rate:.0f} s)"]
    for name, old in resampled.items():
        parts.append(f"{name} was resampled on reading from {float(old):.4g} Hz to "
                     f"{rate:.4g} Hz (linear interpolation)")
    return "; ".join(parts)


def elsewhere(ds: Traces, current: int, text: str) -> str:
    """Where rows matching ``text`` are in the other animals (the per-animal row filter)."""
    text = text.strip().lower()
    if not text:
        return ""
    hits = {}
    for a, labs in enumerate(ds.animal_labels):
        if a == current:
            continue
        n = sum(text in lab.lower() for lab in labs)
        if n:
            hits[ds.animals[a]] = n
    if not hits:
        return "no match in the other animals"
    total = sum(hits.values())
    return (f"also {total} rows in {len(hits)} other animals "
            f"({', '.join(f'{k}: {v}' for k, v in list(hits.items())[:4])}"
            f"{', ...' if len(hits) > 4 else ''}): choose 'all animals' to compare")
