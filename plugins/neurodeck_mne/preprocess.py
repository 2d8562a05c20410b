"""Preprocessing transforms on recordings, each one MNE call on a copy of the input.

The MNE keyword arguments of each transform come from :func:`mne_kwargs`, shared with the
exported script (so the script calls MNE with exactly what the transform used). How each
output is held:

* lazy, computed when read (:mod:`neurodeck_mne.lazy`): ``filter``, ``notch``,
  ``rereference``, ``interpolate-bads`` (operations MNE runs on loaded data);
* lazy as MNE itself keeps an unloaded raw (``raw.copy().crop(...)`` reads nothing):
  ``crop``, ``pick``, ``set-channel-types``, ``set-montage``;
* in memory: ``resample`` (a Fourier or polyphase resampling of the whole signal).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from neurodeck.data import Recording
from neurodeck.errors import InputError, ParameterError

from . import options as opt
from .lazy import Method, is_lazy, lazy_raw, materialize, mne_quiet


# -- MNE keyword arguments from the parameters (also used by the script export) -------------
def filter_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    if p["l_freq"] is None and p["h_freq"] is None:
        raise ParameterError("filter: give l_freq (high-pass), h_freq (low-pass) or both")
    kw: dict[str, Any] = {
        "l_freq": p["l_freq"], "h_freq": p["h_freq"],
        "picks": opt.picks(p.get("picks")),
        "filter_length": opt.auto_or_number(p["filter_length"], "filter_length",
                                            integer=True),
        "l_trans_bandwidth": opt.auto_or_number(p["l_trans_bandwidth"], "l_trans_bandwidth"),
        "h_trans_bandwidth": opt.auto_or_number(p["h_trans_bandwidth"], "h_trans_bandwidth"),
        "method": p["method"], "phase": p["phase"],
        "skip_by_annotation": opt.names(p["skip_by_annotation"]),
    }
    if p["method"] == "fir":
        kw.update(fir_window=p["fir_window"], fir_design=p["fir_design"])
    else:
        kw["iir_params"] = {"order": p["iir_order"], "ftype": p["iir_ftype"]}
    return kw


def notch_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    base = opt.freq_list(p["freqs"], "freqs")
    freqs = sorted({round(f * k, 9) for f in base for k in range(1, p["harmonics"] + 2)})
    kw: dict[str, Any] = {
        "freqs": freqs, "picks": opt.picks(p.get("picks")),
        "filter_length": opt.auto_or_number(p["filter_length"], "filter_length",
                                            integer=True),
        "notch_widths": None if p["notch_widths"] is None else p["notch_widths"],
        "trans_bandwidth": p["trans_bandwidth"], "method": p["method"], "phase": p["phase"],
        "skip_by_annotation": opt.names(p["skip_by_annotation"]),
    }
    if p["method"] == "fir":
        kw.update(fir_window=p["fir_window"], fir_design=p["fir_design"])
    else:
        kw["iir_params"] = {"order": p["iir_order"], "ftype": p["iir_ftype"]}
    return kw


def reference_call(p: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """``("set_eeg_reference", kwargs)`` or ``("set_bipolar_reference", kwargs)``."""
    anode, cathode = opt.names(p.get("anode")), opt.names(p.get("cathode"))
    if anode or cathode:
        if len(anode) != len(cathode):
            raise ParameterError(f"rereference: {len(anode)} anode(s) for {len(cathode)} "
                                 "cathode(s); give one cathode per anode")
        return "set_bipolar_reference", {"anode": anode, "cathode": cathode,
                                         "drop_refs": p["drop_refs"]}
    ref = p["ref_channels"].strip()
    channels: Any = "average" if ref.lower() in ("average", "avg", "") else opt.names(ref)
    return "set_eeg_reference", {"ref_channels": channels, "ch_type": p["ch_type"]}


def montage_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"match_case": p["match_case"], "match_alias": p["match_alias"],
            "on_missing": p["on_missing"]}


# -- helpers ---------------------------------------------------------------------------------
def derived(rec: Recording, raw: Any, what: str) -> Recording:
    """The output recording, named by the engine ("<input> · <transform id>", as the
    exported script names it too); ``what`` says what was done, in the summary."""
    out = Recording(raw, name="recording")
    out.meta["step"] = what
    return out


def shallow(rec: Recording) -> Any:
    """A copy of the input's raw that shares its samples: an unloaded raw copies nothing
    (MNE reads the file when asked), and loaded data is wrapped in a lazy view first."""
    raw = rec.raw
    if raw.preload:
        return lazy_raw(raw, None, "spatial", "view")
    with mne_quiet():
        return raw.copy()


def _mne_error(what: str, exc: Exception) -> ParameterError:
    return ParameterError(f"{what}: {exc}")


def _lazy(rec: Recording, method: str, kwargs: dict[str, Any], kind: str,
          label: str) -> Any:
    try:
        return lazy_raw(rec.raw, Method(method, kwargs), kind, label)
    except (ValueError, RuntimeError, TypeError, KeyError) as exc:
        raise _mne_error(label, exc) from exc


# -- transforms ------------------------------------------------------------------------------
def run_filter(inputs, params, progress) -> Recording:
    rec = inputs[0]
    kw = filter_kwargs(params)
    band = "-".join("" if f is None else f"{f:g}" for f in (kw["l_freq"], kw["h_freq"]))
    return derived(rec, _lazy(rec, "filter", kw, "temporal", f"filter {band} Hz"),
                   f"filter {band} Hz")


def run_notch(inputs, params, progress) -> Recording:
    rec = inputs[0]
    kw = notch_kwargs(params)
    nyq = rec.sfreq / 2
    if any(f >= nyq for f in kw["freqs"]):
        raise ParameterError(f"notch: {max(kw['freqs']):g} Hz is not below the Nyquist "
                             f"frequency ({nyq:g} Hz); use fewer harmonics")
    label = "notch " + ", ".join(f"{f:g}" for f in kw["freqs"]) + " Hz"
    return derived(rec, _lazy(rec, "notch_filter", kw, "temporal", label), label)


def run_rereference(inputs, params, progress) -> Recording:
    import mne

    rec = inputs[0]
    name, kw = reference_call(params)
    if name == "set_bipolar_reference":
        from .lazy import Function

        op = Function(mne.set_bipolar_reference, {**kw, "copy": False, "verbose": "error"},
                      text="mne.set_bipolar_reference")
        pairs = ", ".join(f"{a}-{c}" for a, c in zip(kw["anode"], kw["cathode"], strict=True))
        try:
            raw = lazy_raw(rec.raw, op, "spatial", f"bipolar {pairs}")
        except (ValueError, RuntimeError, TypeError, KeyError) as exc:
            raise _mne_error("rereference", exc) from exc
        return derived(rec, raw, "bipolar")
    ref = kw["ref_channels"]
    label = "average reference" if ref == "average" else "reference " + "+".join(ref)
    return derived(rec, _lazy(rec, "set_eeg_reference", kw, "spatial", label), label)


def run_interpolate_bads(inputs, params, progress) -> Recording:
    rec = inputs[0]
    if not rec.bads:
        raise InputError(f"{rec.name} has no bad channels to interpolate (mark them first)")
    kw = {"reset_bads": params["reset_bads"], "mode": params["mode"],
          "origin": opt.auto_or_number(params["origin"], "origin") if "," not in
          params["origin"] else [opt.number(x, "origin") for x in opt.names(params["origin"])],
          "exclude": opt.names(params["exclude"])}
    label = "interpolate " + ", ".join(rec.bads)
    return derived(rec, _lazy(rec, "interpolate_bads", kw, "spatial", label), "interpolated")


def run_resample(inputs, params, progress) -> Recording:
    rec = inputs[0]
    kw = {"sfreq": params["sfreq"], "npad": opt.auto_or_number(params["npad"], "npad",
                                                                integer=True),
          "window": params["window"], "method": params["method"], "pad": params["pad"]}
    progress.update(0.05, "loading the data")
    raw = materialize(rec.raw, progress.sub(0.05, 0.6)) if is_lazy(rec.raw) or \
        not rec.raw.preload else rec.raw.copy()
    progress.update(0.6, f"resampling to {params['sfreq']:g} Hz")
    try:
        with mne_quiet():
            raw.resample(**kw)
    except (ValueError, RuntimeError, TypeError) as exc:
        raise _mne_error("resample", exc) from exc
    return derived(rec, raw, f"{params['sfreq']:g} Hz")


def run_crop(inputs, params, progress) -> Recording:
    rec = inputs[0]
    raw = shallow(rec)
    try:
        with mne_quiet():
            raw.crop(tmin=params["tmin"], tmax=params["tmax"],
                     include_tmax=params["include_tmax"])
    except (ValueError, RuntimeError) as exc:
        raise _mne_error("crop", exc) from exc
    end = "end" if params["tmax"] is None else f"{params['tmax']:g}"
    return derived(rec, raw, f"{params['tmin']:g}-{end} s")


def run_pick(inputs, params, progress) -> Recording:
    rec = inputs[0]
    raw = shallow(rec)
    picks = opt.picks(params["picks"]) or "all"
    exclude: Any = opt.names(params["exclude"])
    if exclude == ["bads"]:
        exclude = "bads"
    try:
        with mne_quiet():
            raw.pick(picks, exclude=exclude)
    except (ValueError, RuntimeError, TypeError) as exc:
        raise _mne_error("pick", exc) from exc
    return derived(rec, raw, f"{len(raw.ch_names)} channels")


def run_set_channel_types(inputs, params, progress) -> Recording:
    rec = inputs[0]
    mapping = opt.mapping(params["mapping"], "mapping")
    if not mapping:
        raise ParameterError("set-channel-types: give channel=type pairs, e.g. 'VEOG=eog'")
    raw = shallow(rec)
    try:
        with mne_quiet():
            raw.set_channel_types(mapping, on_unit_change="ignore")
    except (ValueError, RuntimeError, KeyError) as exc:
        raise _mne_error("set-channel-types", exc) from exc
    return derived(rec, raw, "channel types")


def montage_name(name: str) -> str:
    """MNE's current name of a builtin montage: MNE 1.13 renamed the ``standard_*`` montages
    ``colin27_*`` (the old names warn, and go in 1.14); older MNE knows only the old ones."""
    import mne

    if name.startswith("standard_"):
        new = "colin27_" + name[len("standard_"):]
        if new in mne.channels.get_builtin_montages():
            return new
    return name


def make_montage(params: Mapping[str, Any]) -> Any:
    import mne

    with mne_quiet():
        if params["montage"] == "file":
            if not params.get("fname"):
                raise ParameterError("set-montage: montage 'file' needs fname (a positions "
                                     "file: .elc, .sfp, .loc, .csd, .elp, .bvef, .tsv...)")
            try:
                return mne.channels.read_custom_montage(params["fname"])
            except (ValueError, OSError, KeyError) as exc:
                raise _mne_error("set-montage", exc) from exc
        return mne.channels.make_standard_montage(montage_name(params["montage"]))


def run_set_montage(inputs, params, progress) -> Recording:
    import mne

    rec = inputs[0]
    raw = shallow(rec)
    montage = make_montage(params)
    try:
        with mne_quiet():
            if params["standardize"]:
                mne.datasets.eegbci.standardize(raw)
            raw.set_montage(montage, **montage_kwargs(params))
    except (ValueError, RuntimeError, KeyError) as exc:
        raise _mne_error("set-montage", exc) from exc
    what = params["montage"] if params["montage"] != "file" else "positions file"
    return derived(rec, raw, f"montage {what}")
