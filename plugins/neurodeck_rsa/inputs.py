"""Data inputs of ``rsa``/``trsa`` as RDM vectors: patterns, epochs (time-resolved or a
time span), event-locked traces and results, with the label fields that say which
metadata holds conditions, runs and subjects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from neurodeck.data import Dataset, Epochs, Patterns, Result, TimeSeries
from neurodeck.errors import InputError, ParameterError
from neurodeck.jobs.progress import Progress

from . import rdm


@dataclass
class RDMSet:
    """RDM vectors (n_rdm x n_pairs) with their condition labels and per-RDM labels."""

    vectors: np.ndarray
    conditions: np.ndarray
    names: list[str]
    subjects: np.ndarray
    groups: np.ndarray | None = None
    times: np.ndarray | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)


# -- label fields ------------------------------------------------------------------------
BUILTIN = {"conditions": "conditions", "runs": "runs", "subjects": "subjects"}


def _field(ds: Dataset, name: str, base: np.ndarray | None, n: int, what: str
           ) -> np.ndarray | None:
    """Per-observation labels named by a ``*_field`` parameter.

    ``""``: the dataset's own labels (``base``). ``event:N``: the N-th ``/``-separated
    part of the event/condition label (MNE's hierarchical event names, e.g.
    ``face/run2/sub-01``). Otherwise a column of the MNE epochs' metadata, a
    per-observation array in the dataset's ``meta``, or one of conditions/runs/subjects.
    """
    name = (name or "").strip()
    if not name:
        return base
    if name.startswith("event:"):
        labels = getattr(ds, "conditions", None) if base is None or what != "conditions" \
            else base
        if labels is None:
            raise InputError(f"{ds.name} has no event labels to take {name!r} from")
        try:
            part = int(name.split(":", 1)[1])
            return np.array([str(lab).split("/")[part] for lab in labels])
        except (ValueError, IndexError):
            raise ParameterError(f"{what} field {name!r}: not every label has a '/'-separated "
                                 f"part {name.split(':', 1)[1]}") from None
    if name in BUILTIN and getattr(ds, BUILTIN[name], None) is not None:
        return np.asarray(getattr(ds, BUILTIN[name]))
    meta = getattr(getattr(ds, "mne_epochs", None), "metadata", None)
    if meta is not None and name in meta.columns:
        return meta[name].to_numpy()
    value = ds.meta.get(name)
    if value is not None and np.ndim(value) == 1 and len(value) == n:
        return np.asarray(value)
    avail = [k for k, v in ds.meta.items() if np.ndim(v) == 1 and len(v) == n]
    if meta is not None:
        avail += [str(c) for c in meta.columns]
    raise InputError(f"{ds.name}: no field {name!r} for {what}; available: "
                     f"{', '.join(avail) or 'none'} (or event:N for a part of the label)")


def _labels(ds: Dataset, p: dict[str, Any], n: int, conditions, runs, subjects):
    return (_field(ds, p.get("condition_field", ""), conditions, n, "conditions"),
            _field(ds, p.get("run_field", ""), runs, n, "runs"),
            _field(ds, p.get("subject_field", ""), subjects, n, "subjects"))


# -- inputs -----------------------------------------------------------------------------
def _patterns_rdms(name: str, data: np.ndarray, conditions, runs, subjects,
                   p: dict[str, Any], progress: Progress) -> RDMSet:
    if not np.all(np.isfinite(data)):
        raise InputError(f"{name} has NaN or infinite values")
    conds, cidx = rdm.first_seen(conditions)
    if conds.size < 3:
        raise InputError(f"{name}: RSA needs at least 3 conditions, got {conds.size}")
    subj = subjects if subjects is not None else np.zeros(data.shape[0], int)
    s_names, s_idx = rdm.first_seen(subj)
    vecs = []
    for k in range(s_names.size):
        progress.update(k / s_names.size, f"RDM of subject {s_names[k]}")
        sel = s_idx == k
        if np.unique(cidx[sel]).size != conds.size:
            raise InputError(f"{name}: subject {s_names[k]} lacks some conditions")
        vecs.append(_rdm(data[sel], cidx[sel], conds.size,
                         None if runs is None else runs[sel], p))
    names = [name] if s_names.size == 1 and subjects is None else \
        [f"{name} | {s}" for s in s_names]
    return RDMSet(np.array(vecs), conds.astype(str), names, s_names.astype(str))


def _from_patterns(ds: Patterns, p: dict[str, Any], progress: Progress) -> RDMSet:
    cond, runs, subj = _labels(ds, p, ds.n_observations, ds.conditions, ds.runs, ds.subjects)
    return _patterns_rdms(ds.name, ds.data, cond, runs, subj, p, progress)


def _rdm(x: np.ndarray, cidx: np.ndarray, n_cond: int, runs: np.ndarray | None,
         p: dict[str, Any]) -> np.ndarray:
    noise = None if p.get("noise", "identity") == "identity" else p["noise"]
    if p["method"] == "mahalanobis" and noise is None:
        noise = "shrinkage_diag"
    return rdm.calc_rdm(x, cidx, n_cond, p["method"], runs, noise, p.get("noise_per_run", False),
                        p.get("prior_lambda", 1.0), p.get("prior_weight", 0.1))


def _span(ds: Epochs, p: dict[str, Any]) -> tuple[int, int] | None:
    """Sample range of the ``tmin``/``tmax`` parameters (None: time-resolved)."""
    tmin, tmax = p.get("tmin"), p.get("tmax")
    if tmin is None and tmax is None:
        return None
    t = ds.times
    a = 0 if tmin is None else int(np.searchsorted(t, tmin - 0.5 / ds.sfreq))
    b = ds.n_times if tmax is None else int(np.searchsorted(t, tmax + 0.5 / ds.sfreq))
    if b <= a:
        raise ParameterError(f"no samples between tmin={tmin} and tmax={tmax} "
                             f"(epochs span {t[0]:.3f} to {t[-1]:.3f} s)")
    return a, b


def _windows(ds: Epochs, p: dict[str, Any]) -> tuple[np.ndarray, int]:
    win, step = int(p.get("window", 1)), int(p.get("step", 1))
    if win > ds.n_times:
        raise ParameterError(f"window ({win} samples) is longer than the epochs ({ds.n_times})")
    return np.arange(0, ds.n_times - win + 1, step), win


def _binned(data: np.ndarray, starts: np.ndarray, win: int) -> np.ndarray:
    """Window means (epochs x channels x windows)."""
    if win == 1:
        return data if starts.size == data.shape[2] else data[:, :, starts]
    # window means via a cumulative sum: one pass over the data for every window
    csum = np.concatenate([np.zeros(data.shape[:2] + (1,)), np.cumsum(data, axis=2)], axis=2)
    return (csum[:, :, starts + win] - csum[:, :, starts]) / win


def epoch_rdms(binned: np.ndarray, cidx: np.ndarray, n_cond: int, runs: np.ndarray | None,
               p: dict[str, Any], progress: Progress,
               rows: np.ndarray | None = None) -> np.ndarray:
    """One RDM vector per window of ``binned`` (epochs x channels x windows), from its
    epochs ``rows`` (default all; ``cidx``/``runs`` are theirs)."""
    method = p["method"]
    if method in ("euclidean", "correlation"):
        return rdm.movie(rdm.time_means(binned, cidx, n_cond, rows), method)
    if method == "poisson":
        means = rdm.time_means(binned, cidx, n_cond, rows)
        return np.array([rdm.poisson(m, p["prior_lambda"], p["prior_weight"]) for m in means])
    if method in ("crossnobis", "poisson_cv") and runs is None:
        raise ParameterError(f"{method} needs runs (folds); these epochs have none "
                             "(name the field that holds them with run_field)")
    if rows is not None:
        binned = binned[rows]
    vecs = []
    n_win = binned.shape[2]
    for i in range(n_win):
        if i % 10 == 0:
            progress.update(i / n_win, f"window {i}/{n_win}")
        vecs.append(_rdm(binned[:, :, i], cidx, n_cond, runs, p))
    return np.array(vecs)


def epoch_labels(ds: Epochs, p: dict[str, Any]):
    """(conditions, runs, subjects) of each epoch, as the ``*_field`` parameters say."""
    return _labels(ds, p, ds.n_epochs, ds.conditions, ds.runs, None)


def _from_epochs(ds: Epochs, p: dict[str, Any], progress: Progress,
                 index: np.ndarray | None = None) -> RDMSet:
    """Time-resolved RDMs (channel patterns averaged in a sliding window), one set per
    subject, or one RDM per subject of the patterns averaged over ``tmin``..``tmax``.
    ``index``: the epochs to use (a bootstrap sample; repeats allowed)."""
    data = ds.data
    # the sum is finite unless a value is NaN/inf (or it overflows): no boolean copy
    if not np.isfinite(data.sum()) and not np.all(np.isfinite(data)):
        raise InputError(f"{ds.name} has NaN or infinite values")
    cond, runs, subj = epoch_labels(ds, p)
    if index is not None:
        data = data[index]
        cond, runs, subj = (None if a is None else np.asarray(a)[index]
                            for a in (cond, runs, subj))
    span = _span(ds, p)
    if span is not None:
        x = data[:, :, span[0]:span[1]].mean(axis=2)
        out = _patterns_rdms(ds.name, x, cond, runs, subj, p, progress)
        out.extra["span"] = ds.times[[span[0], span[1] - 1]]
        return out
    conds, cidx = rdm.first_seen(cond)
    if conds.size < 3:
        raise InputError(f"{ds.name}: RSA needs at least 3 conditions, got {conds.size}")
    starts, win = _windows(ds, p)
    times = ds.times[starts] + (win - 1) / (2 * ds.sfreq)
    binned = _binned(data, starts, win)
    s_names, s_idx = rdm.first_seen(subj if subj is not None else np.zeros(data.shape[0], int))
    vecs, subjects = [], []
    for k in range(s_names.size):
        sel = s_idx == k
        if np.unique(cidx[sel]).size != conds.size:
            raise InputError(f"{ds.name}: subject {s_names[k]} lacks some conditions")
        # the subject's epochs by index: a boolean index would copy them out first
        vecs.append(epoch_rdms(binned, cidx[sel], conds.size,
                               None if runs is None else runs[sel], p,
                               progress.sub(k / s_names.size, (k + 1) / s_names.size),
                               rows=None if sel.all() else np.nonzero(sel)[0]))
        subjects += [str(s_names[k])] * starts.size
    label = (lambda s, t: f"{ds.name} | {t:.3f} s") if subj is None else \
        (lambda s, t: f"{ds.name} | {s} | {t:.3f} s")
    names = [label(s, t) for s in s_names for t in times]
    out = RDMSet(np.concatenate(vecs), conds.astype(str), names, np.array(subjects),
                 times=times)
    if subj is None:
        out.subjects = np.full(len(names), ds.name)
    return out


def _from_timeseries(ds: TimeSeries, p: dict[str, Any], progress: Progress) -> RDMSet:
    """Observations = mean of each row over each event (conditions = event labels)."""
    ev = ds.events
    if len(ev) == 0:
        raise InputError(f"{ds.name} has no events to define conditions; RSA on traces needs "
                         "events (onset, duration, label)")
    span = float(p.get("event_window", 0.0))
    obs, labels = [], []
    for onset, dur, label in ev:
        length = dur if dur > 0 else span
        a = int(round(onset * ds.sfreq))
        b = max(a + 1, int(round((onset + length) * ds.sfreq)))
        if a < 0 or b > ds.n_times:
            continue
        obs.append(ds.get_data(a, b).mean(axis=1))
        labels.append(label)
    if not obs:
        raise InputError(f"{ds.name}: no event lies inside the recording")
    pat = Patterns(np.array(obs), labels, name=ds.name)
    cond, runs, subj = _labels(pat, p, len(labels), pat.conditions, None, None)
    if p["method"] in ("crossnobis", "poisson_cv") and runs is None:
        raise ParameterError(f"{p['method']} needs runs; name them in the event labels and "
                             "pick them with run_field (e.g. event:1 for 'face/run2')")
    return _patterns_rdms(ds.name, pat.data, cond, runs, subj, p, progress)


def _from_result(ds: Result) -> RDMSet:
    if "rdms" not in ds:
        raise InputError(f"{ds.name} is a result without an 'rdms' array")
    arr = np.asarray(ds["rdms"], float)
    vecs = rdm.to_vectors(arr if arr.ndim == 3 else arr[None]) if arr.shape[-1] == arr.shape[-2] \
        else np.atleast_2d(arr)
    n = rdm.n_from_pairs(vecs.shape[1])
    conds = np.asarray(ds["conditions"]).astype(str) if "conditions" in ds else \
        np.array([str(i) for i in range(n)])
    names = [str(x) for x in ds["rdm_names"]] if "rdm_names" in ds else \
        [f"{ds.name} {i}" for i in range(vecs.shape[0])]
    subjects = np.asarray(ds["rdm_subjects"]).astype(str) if "rdm_subjects" in ds else \
        np.arange(vecs.shape[0]).astype(str)
    groups = np.asarray(ds["rdm_groups"]).astype(str) if "rdm_groups" in ds else None
    times = np.asarray(ds["times"], float) if "times" in ds else None
    if times is not None and vecs.shape[0] != times.size:
        times = None  # e.g. subject-mean RDMs of a multi-subject run: not per window
    return RDMSet(vecs, conds, names, subjects, groups, times)


def to_rdms(ds: Dataset, p: dict[str, Any], progress: Progress) -> RDMSet:
    if isinstance(ds, Result):
        return _from_result(ds)
    if isinstance(ds, Patterns):
        return _from_patterns(ds, p, progress)
    if isinstance(ds, Epochs):
        return _from_epochs(ds, p, progress)
    if isinstance(ds, TimeSeries):
        return _from_timeseries(ds, p, progress)
    raise InputError(f"RSA cannot use {ds.kind} data ({ds.name})")


def _split_inputs(inputs: list[Dataset]) -> tuple[list[Dataset], list[Dataset]]:
    """Data inputs (the first, and further non-result inputs: more subjects) and model
    inputs (results after the first input)."""
    data = [inputs[0]] + [d for d in inputs[1:] if not isinstance(d, Result)]
    return data, [d for d in inputs[1:] if isinstance(d, Result)]


def gather(inputs: list[Dataset], p: dict[str, Any], progress: Progress) -> RDMSet:
    """The data RDMs of all data inputs; each further input adds subjects."""
    sets = [to_rdms(ds, p, progress.sub(i / len(inputs), (i + 1) / len(inputs)))
            for i, ds in enumerate(inputs)]
    first = sets[0]
    for s, ds in zip(sets[1:], inputs[1:], strict=True):
        if not np.array_equal(s.conditions, first.conditions):
            raise InputError(f"{ds.name} has other conditions (or another order) than "
                             f"{inputs[0].name}")
        if (s.times is None) != (first.times is None) or (
                s.times is not None and not np.allclose(s.times, first.times)):
            raise InputError(f"{ds.name} has other time windows than {inputs[0].name}")
    if len(sets) == 1:
        return first
    subjects = np.concatenate([
        s.subjects if np.unique(s.subjects).size > 1 or s.times is not None
        else np.full(s.vectors.shape[0], ds.name)
        for s, ds in zip(sets, inputs, strict=True)]).astype(str)
    owners = [set(np.unique(s.subjects).tolist()) for s in sets]
    if sum(len(o) for o in owners) != len(set().union(*owners)):
        # the same subject label in two inputs: keep them apart
        subjects = np.concatenate([[f"{ds.name}:{x}" for x in s.subjects]
                                   for s, ds in zip(sets, inputs, strict=True)])
    return RDMSet(np.concatenate([s.vectors for s in sets]), first.conditions,
                  sum((s.names for s in sets), []), subjects, times=first.times)
