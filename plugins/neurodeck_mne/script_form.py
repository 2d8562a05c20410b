"""The MNE transforms as the MNE calls they are, for the exported script.

Each function returns the statements (data: :class:`~neurodeck.workspace.codegen.Stmt`,
``Call``, ``Var`` and literals) that redo the transform with MNE on a copy of the input,
with the keyword arguments the transform itself passes to MNE (the same ``*_kwargs``
functions), then wrap the result as a neurodeck dataset for the next step. So the script
reads as an MNE user would write it::

    raw = eegmmidb.raw.copy()
    raw.load_data()
    raw.filter(l_freq=1.0, h_freq=40.0, ...)
    filter_eegmmidb = neurodeck.Recording(raw)

Returning None keeps the generic ``neurodeck.transform(...)`` (ICA fitting, whose solution
also carries ICLabel's suggestions; epochs with metadata).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from neurodeck.workspace.codegen import Call, Stmt, Var

from . import options as opt

MODULES = ("mne", "neurodeck")


def _kw(values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(f"{k}=", v) for k, v in values.items()]


def _copy(load: bool, i: int = 0) -> list[Stmt]:
    out = [Stmt(Call(f"@{i}.raw.copy"), ("raw",))]
    if load:
        out.append(Stmt(Call("raw.load_data")))
    return out


def _recording() -> Stmt:
    return Stmt(Call("neurodeck.Recording", [("", Var("raw"))]), ("out",))


def _method(name: str, kwargs: Mapping[str, Any], load: bool) -> list[Stmt]:
    return [*_copy(load), Stmt(Call(f"raw.{name}", _kw(kwargs))), _recording()]


def filter(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:  # noqa: A001
    from .preprocess import filter_kwargs

    return _method("filter", filter_kwargs(params), True)


def notch(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    from .preprocess import notch_kwargs

    return _method("notch_filter", notch_kwargs(params), True)


def resample(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    kw = {"sfreq": params["sfreq"], "npad": opt.auto_or_number(params["npad"], "npad",
                                                                integer=True),
          "window": params["window"], "method": params["method"], "pad": params["pad"]}
    return _method("resample", kw, True)


def crop(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    kw = {"tmin": params["tmin"], "tmax": params["tmax"],
          "include_tmax": params["include_tmax"]}
    return _method("crop", kw, False)


def pick(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    exclude: Any = opt.names(params["exclude"])
    if exclude == ["bads"]:
        exclude = "bads"
    return _method("pick", {"picks": opt.picks(params["picks"]) or "all",
                            "exclude": exclude}, False)


def set_channel_types(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    return _method("set_channel_types", {"mapping": opt.mapping(params["mapping"], "mapping"),
                                         "on_unit_change": "ignore"}, False)


def set_montage(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    from .preprocess import montage_kwargs, montage_name

    out = _copy(False)
    if params["standardize"]:
        out.append(Stmt(Call("mne.datasets.eegbci.standardize", [("", Var("raw"))])))
    montage: Any = montage_name(params["montage"])
    if montage == "file":
        montage = Call("mne.channels.read_custom_montage", [("", str(params["fname"]))])
    out.append(Stmt(Call("raw.set_montage", [("", montage), *_kw(montage_kwargs(params))])))
    return [*out, _recording()]


def rereference(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    from .preprocess import reference_call

    name, kw = reference_call(params)
    if name == "set_eeg_reference":
        return _method(name, kw, True)
    call = Call("mne.set_bipolar_reference", [("", Var("raw")), *_kw(kw), ("copy=", False)])
    return [*_copy(True), Stmt(call, ("raw",)), _recording()]


def interpolate_bads(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    origin: Any = opt.auto_or_number(params["origin"], "origin") if "," not in \
        params["origin"] else [opt.number(x, "origin") for x in opt.names(params["origin"])]
    kw = {"reset_bads": params["reset_bads"], "mode": params["mode"], "origin": origin,
          "exclude": opt.names(params["exclude"])}
    return _method("interpolate_bads", kw, True)


def events(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    from .events import event_names, find_events_kwargs, fixed_kwargs

    out = _copy(False)
    if params["source"] == "annotations":
        rename = opt.mapping(params["rename"], "rename")
        if rename:
            out.append(Stmt(Call("raw.annotations.rename", [("", rename)])))
        return [*out, _recording()]
    if params["source"] == "stim":
        kw = find_events_kwargs(params)
        if kw["stim_channel"] is not None and len(kw["stim_channel"]) == 1:
            kw["stim_channel"] = kw["stim_channel"][0]
        find = Call("mne.find_events", [("", Var("raw")), *_kw(kw)])
    else:
        find = Call("mne.make_fixed_length_events", [("", Var("raw")),
                                                     *_kw(fixed_kwargs(params))])
    rename = event_names(params)
    out += [
        Stmt(Call("raw.annotations.copy"), ("old",)),
        Stmt(find, ("events",)),
        Stmt(Call("mne.annotations_from_events", [
            ("", Var("events")), ("", Var("raw", "info", "sfreq")),
            ("first_samp=", Var("raw", "first_samp"))]), ("annot",)),
    ]
    if rename:
        out.append(Stmt(Call("annot.rename", [("", rename)])))
    out += [
        Stmt(Call("raw.set_annotations", [("", Var("annot"))])),
        Stmt(Call("raw.annotations.append", [
            ("", Var("old", "onset")), ("", Var("old", "duration")),
            ("", Var("old", "description")), ("ch_names=", Var("old", "ch_names"))])),
    ]
    return [*out, _recording()]


def epochs(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt] | None:
    from .epochs import epochs_kwargs, event_id_spec

    if params["metadata"]:
        return None
    kw = epochs_kwargs(params)
    keep, codes = event_id_spec(params["event_id"])
    raw = Var(0, "raw")
    if codes:
        out = [Stmt(Call("mne.events_from_annotations", [("", raw), ("event_id=", codes)]),
                    ("events", "event_id")),
               Stmt(Call("mne.Epochs", [("", raw), ("", Var("events")),
                                        ("event_id=", Var("event_id")), ("preload=", True),
                                        *_kw(kw)]), ("epochs",))]
    else:  # MNE finds the events in the annotations itself (BAD_/EDGE ones excluded)
        out = [Stmt(Call("mne.Epochs", [("", raw), ("event_id=", keep), ("preload=", True),
                                        *_kw(kw)]), ("epochs",))]
    return [*out, Stmt(Call("neurodeck.Epochs.from_mne", [("", Var("epochs"))]), ("out",))]


def average(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt]:
    kw = {"picks": opt.picks(params["picks"]), "method": params["method"],
          "by_event_type": params["by_event_type"]}
    return [Stmt(Call("@0.mne_epochs.average", _kw(kw)), ("evokeds",)),
            Stmt(Call("neurodeck_mne.EvokedSet", [("", Var("evokeds"))]), ("out",))]


def ica_apply(params: Mapping[str, Any], kinds: Sequence[str]) -> list[Stmt] | None:
    if "ica" not in kinds or len(kinds) != 2:
        return None  # the data it was fitted on: kept by the solution, not in the script
    i = kinds.index("ica")
    d = 1 - i
    exclude = params["exclude"]
    ex: Any = Var(i, "exclude") if exclude is None else (
        [exclude] if isinstance(exclude, int) else list(exclude))
    if kinds[d] == "epochs":
        return [Stmt(Call(f"@{d}.mne_epochs.copy"), ("epochs",)),
                Stmt(Call(f"@{i}.ica.apply", [("", Var("epochs")), ("exclude=", ex)])),
                Stmt(Call("neurodeck.Epochs.from_mne", [("", Var("epochs"))]), ("out",))]
    return [*_copy(True, d), Stmt(Call(f"@{i}.ica.apply", [("", Var("raw")),
                                                          ("exclude=", ex)])),
            _recording()]
