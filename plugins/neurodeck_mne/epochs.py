"""Epochs around events (``mne.Epochs``) and their averages per condition (``average``).

Events come from the recording's annotations (``mne.events_from_annotations``: those of the
file, of an ``events`` transform or drawn in the browser; ``BAD_``/``EDGE`` ones excluded,
as MNE excludes them). Epochs are computed in memory. A lazy recording (a filtered one) is
read epoch by epoch when the epochs cover little of it; when they cover much of it, the chain
is computed once over the whole recording (exactly as MNE computes it, with progress and
cancel), keeping only the epochs' samples (:func:`neurodeck_mne.lazy.cover`): the memory of
the epochs, not of the recording.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurodeck.data import Epochs, Recording
from neurodeck.errors import InputError, ParameterError

from . import options as opt
from .datasets import EvokedSet
from .events import event_mapping
from .lazy import cover, coverable, is_lazy, materialize, mne_quiet, pad_of

#: Read a lazy recording epoch by epoch when the epochs (with the filters' context) cover
#: less than this fraction of it; compute it whole first otherwise.
WINDOWED_FRACTION = 0.5


def event_id_spec(text: str | None) -> tuple[list[str] | None, dict[str, int] | None]:
    """``"T1, T2"`` -> names to keep; ``"left=2, right=3"`` -> names with their codes."""
    items = opt.names(text)
    if not items:
        return None, None
    if all("=" in item for item in items):
        codes = {}
        for key, value in opt.mapping(text, "event_id").items():
            number = opt.number(value, "event_id")
            if not number.is_integer():
                raise ParameterError(f"event_id: the code of {key} must be a whole number")
            codes[key] = int(number)
        return list(codes), codes
    if any("=" in item for item in items):
        raise ParameterError("event_id: give names (T1, T2) or name=code pairs, not both")
    return items, None


def epochs_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    detrend = None if p["detrend"] == "none" else int(p["detrend"])
    return {"tmin": p["tmin"], "tmax": p["tmax"], "baseline": opt.baseline(p["baseline"]),
            "picks": opt.picks(p.get("picks")), "reject": opt.thresholds(p["reject"], "reject"),
            "flat": opt.thresholds(p["flat"], "flat"), "reject_tmin": p["reject_tmin"],
            "reject_tmax": p["reject_tmax"], "detrend": detrend, "decim": p["decim"],
            "reject_by_annotation": p["reject_by_annotation"],
            "event_repeated": p["event_repeated"]}


def events_of(raw: Any, event_id: str | None) -> tuple[np.ndarray, dict[str, int]]:
    """MNE events and ids from the annotations, as ``mne.events_from_annotations`` gives
    them (then restricted to the chosen names, or numbered with the chosen codes)."""
    import mne

    keep, codes = event_id_spec(event_id)
    with mne_quiet():
        events, ids = mne.events_from_annotations(raw, event_id=codes or event_mapping(raw),
                                                  verbose="error")
    if keep is not None:
        missing = sorted(set(keep) - set(ids))
        if missing:
            raise InputError(f"no event named {', '.join(missing)} in the annotations "
                             f"(there are: {', '.join(sorted(ids)) or 'none'})")
        # All events go to mne.Epochs with the chosen ids, as a user of MNE would pass
        # them: the others are logged as IGNORED in the drop log.
        ids = {k: ids[k] for k in keep}
    if not np.isin(events[:, 2], list(ids.values())).any():
        raise InputError("no events to epoch: the recording has no annotations other than "
                         "BAD_/EDGE ones (add them with the events transform)")
    return events, ids


def metadata_for(events: np.ndarray, ids: dict[str, int], p: Mapping[str, Any],
                 sfreq: float) -> Any:
    """``mne.epochs.make_metadata`` over the epoch window: per epoch, the time of each event
    type within it (NaN when absent) and the event's own name."""
    import mne

    with mne_quiet():
        metadata, _, _ = mne.epochs.make_metadata(events=events, event_id=ids,
                                                  tmin=p["tmin"], tmax=p["tmax"],
                                                  sfreq=sfreq)
    return metadata


def _source(rec: Recording, events: np.ndarray, ids: dict[str, int], p: Mapping[str, Any],
            progress) -> Any:
    raw = rec.raw
    if not is_lazy(raw):
        return raw
    span = (p["tmax"] - p["tmin"]) * raw.info["sfreq"] + 2 * pad_of(raw)
    chosen = events[np.isin(events[:, 2], list(ids.values())), 0]
    if len(chosen) * span < WINDOWED_FRACTION * raw.n_times:
        return raw
    if not coverable(raw):  # a filter on a reference: computed whole, in one buffer
        return materialize(raw, progress)
    return cover(raw, epoch_spans(chosen, raw, p["tmin"], p["tmax"]), progress)


def epoch_spans(samples: np.ndarray, raw: Any, tmin: float, tmax: float) -> np.ndarray:
    """The local sample spans ``[a, b)`` that ``mne.Epochs`` reads for events at
    ``samples`` (MNE rounds ``tmin``, ``tmax`` to samples; two samples of margin)."""
    sfreq = raw.info["sfreq"]
    at = np.asarray(samples, dtype=int) - int(raw.first_samp)
    a = at + int(np.floor(tmin * sfreq)) - 2
    b = at + int(np.ceil(tmax * sfreq)) + 3
    return np.stack([a, b], axis=1)


def run_epochs(inputs, params, progress) -> Epochs:
    import mne

    rec = inputs[0]
    if params["tmax"] <= params["tmin"]:
        raise ParameterError(f"tmax ({params['tmax']}) must be after tmin ({params['tmin']})")
    kw = epochs_kwargs(params)
    progress.update(0.02, "finding events")
    events, ids = events_of(rec.raw, params["event_id"])
    metadata = metadata_for(events, ids, params, rec.sfreq) if params["metadata"] else None
    raw = _source(rec, events, ids, params, progress.sub(0.05, 0.7))
    progress.update(0.7, f"cutting {len(events)} epochs")
    try:
        with mne_quiet():
            ep = mne.Epochs(raw, events, event_id=ids, preload=True, metadata=metadata,
                            verbose="error", **kw)
    except (ValueError, RuntimeError, KeyError) as exc:
        raise ParameterError(f"epochs: {exc}") from exc
    if len(ep) == 0:
        reasons = sorted({r for log in ep.drop_log for r in log})
        raise InputError(f"every epoch was dropped ({', '.join(reasons[:6])}): loosen reject "
                         "or check the BAD_ annotations")
    kept = len(ep)
    out = Epochs.from_mne(ep)  # named by the engine, as in the exported script
    n_selected = sum(1 for log in ep.drop_log if log != ("IGNORED",))
    if kept < n_selected:
        progress.warn(f"{n_selected - kept} of {n_selected} epochs dropped (see the drop log)")
    return out


def run_average(inputs, params, progress) -> EvokedSet:
    ds = inputs[0]
    ep = getattr(ds, "mne_epochs", None)
    if ep is None:
        raise InputError(f"{ds.name} has no MNE epochs to average (epochs from the epochs "
                         "transform or an -epo.fif file have)")
    try:
        with mne_quiet():
            out = ep.average(picks=opt.picks(params["picks"]), method=params["method"],
                             by_event_type=params["by_event_type"])
    except (ValueError, RuntimeError) as exc:
        raise ParameterError(f"average: {exc}") from exc
    evokeds = out if isinstance(out, list) else [out]
    return EvokedSet(evokeds)
