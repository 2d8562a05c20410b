"""Events: from a stim/Status channel, at fixed intervals, or from annotations; renamed
and merged. They are kept where MNE keeps them, in the recording's annotations
(``mne.annotations_from_events``), so the browser shows them, every later transform carries
them along (a crop crops them, a resample keeps their times) and the epochs transform finds
them with ``mne.events_from_annotations``, as MNE's own ``Epochs(raw)`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurodeck.data import Recording
from neurodeck.errors import InputError, ParameterError

from . import options as opt
from .lazy import is_lazy, mne_quiet
from .preprocess import derived, shallow


def find_events_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    consecutive: Any = {"increasing": "increasing", "true": True, "false": False}[
        p["consecutive"]]
    return {"stim_channel": opt.names(p["stim_channel"]) or None,
            "output": p["output"], "consecutive": consecutive,
            "min_duration": p["min_duration"], "shortest_event": p["shortest_event"],
            "mask": p["mask"], "uint_cast": p["uint_cast"], "mask_type": p["mask_type"],
            "initial_event": p["initial_event"]}


def fixed_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": 1, "duration": p["duration"], "overlap": p["overlap"],
            "first_samp": True}


def find_events(raw: Any, params: Mapping[str, Any]) -> np.ndarray:
    import mne

    kw = find_events_kwargs(params)
    if kw["stim_channel"] is not None and len(kw["stim_channel"]) == 1:
        kw["stim_channel"] = kw["stim_channel"][0]
    try:
        with mne_quiet():
            return mne.find_events(raw, **kw, verbose="error")
    except (ValueError, RuntimeError) as exc:
        raise ParameterError(f"events: {exc}") from exc


def run(inputs, params, progress) -> Recording:
    """The steps :func:`neurodeck_mne.script_form.events` writes into the exported script,
    in the same order: find the events, make them annotations named by their codes, rename
    them, then put the recording's other annotations back."""
    import mne

    rec = inputs[0]
    raw = shallow(rec)
    rename = opt.mapping(params["rename"], "rename")
    source = params["source"]
    if source == "annotations":
        present = set(raw.annotations.description)
        missing = sorted(set(rename) - present)
        if missing:
            raise ParameterError(f"events: no annotation named {', '.join(missing)} "
                                 f"(there are: {', '.join(sorted(present)) or 'none'})")
        if rename:
            with mne_quiet():
                raw.annotations.rename(rename)
        what = "events renamed" if rename else "events"
    else:
        progress.update(0.1, "finding events")
        if source == "stim":
            events = find_events(raw, params)
        else:
            with mne_quiet():
                events = mne.make_fixed_length_events(raw, **fixed_kwargs(params))
        if len(events) == 0:
            raise InputError(f"{rec.name}: no events found ({source})")
        rename = event_names(params)
        codes = {str(int(c)) for c in events[:, 2]}
        unknown = sorted(set(rename) - codes)
        if unknown:
            raise ParameterError(f"events: no event code {', '.join(unknown)} (found: "
                                 f"{', '.join(sorted(codes, key=int))})")
        with mne_quiet():
            old = raw.annotations.copy()
            annot = mne.annotations_from_events(events, raw.info["sfreq"],
                                                first_samp=raw.first_samp, verbose="error")
            if rename:
                annot.rename(rename)
            raw.set_annotations(annot, emit_warning=False)
            raw.annotations.append(old.onset, old.duration, old.description,
                                   ch_names=old.ch_names)
        what = f"{len(events)} events"
    progress.update(0.9, what)
    return derived(rec, raw, what)


def event_names(params: Mapping[str, Any]) -> dict[str, str]:
    """Codes (as the annotations name them) to names: ``rename``, and for fixed events
    their one name."""
    rename = opt.mapping(params["rename"], "rename")
    if params["source"] == "fixed":
        rename = {"1": rename.get("1", params["fixed_name"])}
    return rename


def event_mapping(raw: Any) -> Any:
    """What ``mne.events_from_annotations(raw)`` uses to number descriptions, decided on
    the recording the chain started from (a lazy raw is not a ``RawBrainVision``, but MNE
    run on the loaded data of one would parse its markers as BrainVision markers)."""
    root = raw
    while is_lazy(root):
        root = root._step.source
    try:
        from mne.annotations import _check_event_id
        from mne.io import RawArray
        from mne.io.brainvision.brainvision import RawBrainVision, _check_bv_annot
    except ImportError:  # pragma: no cover - MNE moved its internals: its public default
        return "auto"
    desc = raw.annotations.description
    if isinstance(root, RawBrainVision) or (
            _is_fif_or_array(root, RawArray) and _check_bv_annot(desc)):
        return _check_event_id("auto", root)
    return None  # MNE's default: descriptions numbered 1, 2, ... in sorted order


def _is_fif_or_array(raw: Any, array_cls: type) -> bool:
    from mne.io import Raw

    return isinstance(raw, Raw | array_cls)
