"""Power spectra (``compute_psd``) and time-frequency power (``compute_tfr``) as analyses.

The arrays are MNE's, unchanged (SI units: V^2/Hz, T^2/Hz); the views convert for display
(uV^2/Hz for EEG). Each result carries the channels' types and 3-D positions so its views
can draw topographic maps without the input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurodeck.data import Dataset, Recording
from neurodeck.errors import InputError, ParameterError

from . import options as opt
from .datasets import EvokedSet
from .lazy import mne_quiet
from .steps import BASELINE_MODES  # noqa: F401 - MNE's modes (mne.baseline.rescale)


def mne_inst(ds: Dataset, condition: str | None = None) -> Any:
    """The MNE object behind a dataset (Raw, Epochs or Evoked)."""
    if isinstance(ds, Recording):
        return ds.raw
    if isinstance(ds, EvokedSet):
        return ds.evoked(condition if condition else 0)
    ep = getattr(ds, "mne_epochs", None)
    if ep is None:
        raise InputError(f"{ds.name}: spectra need a recording, MNE epochs or evoked data")
    return ep


def channel_facts(info: Any, names: list[str]) -> dict[str, np.ndarray]:
    """Labels, types and head positions (metres, NaN when unknown) of channels ``names``."""
    index = {n: i for i, n in enumerate(info["ch_names"])}
    types = info.get_channel_types()
    pos = np.full((len(names), 3), np.nan)
    for k, name in enumerate(names):
        loc = np.asarray(info["chs"][index[name]]["loc"][:3], float)
        if np.all(np.isfinite(loc)) and np.any(loc != 0):
            pos[k] = loc
    return {"labels": np.asarray(names), "ch_types": np.asarray([types[index[n]]
                                                                   for n in names]),
            "positions": pos}


def psd_kwargs(p: Mapping[str, Any], kind: str) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "method": p["method"], "fmin": p["fmin"],
        "fmax": np.inf if p["fmax"] is None else p["fmax"],
        "picks": opt.picks(p["picks"]) or "data",
        "exclude": "bads" if p["exclude_bads"] else (),
        "remove_dc": p["remove_dc"],
    }
    if kind == "recording":
        kw.update(tmin=p["tmin"], tmax=p["tmax"], reject_by_annotation=p["reject_by_annotation"])
    elif kind == "epochs":
        kw.update(tmin=p["tmin"], tmax=p["tmax"])
    if p["method"] == "welch":
        for key in ("n_fft", "n_overlap", "n_per_seg"):
            if p[key] is not None:
                kw[key] = p[key]
        kw.update(window=p["window"], average=p["welch_average"])
    else:
        kw.update(bandwidth=p["bandwidth"], adaptive=p["adaptive"], low_bias=p["low_bias"])
    return kw


def run_psd(inputs, params, progress) -> dict[str, np.ndarray]:
    ds = inputs[0]
    kind = "recording" if isinstance(ds, Recording) else (
        "evoked" if isinstance(ds, EvokedSet) else "epochs")
    inst = mne_inst(ds, params["condition"])
    kw = psd_kwargs(params, kind)
    progress.update(0.1, f"{params['method']} spectrum")
    try:
        with mne_quiet():
            spec = inst.compute_psd(**kw, verbose="error")
            if kind == "epochs":
                spec = spec.average()
    except (ValueError, RuntimeError, TypeError) as exc:
        raise ParameterError(f"psd: {exc}") from exc
    data = np.asarray(spec.get_data())
    out = {"psd": data, "freqs": np.asarray(spec.freqs, float),
           **channel_facts(spec.info, list(spec.ch_names))}
    return out


def parse_freqs(text: str) -> np.ndarray:
    freqs = np.asarray(opt.freq_list(text, "freqs"), float)
    if np.any(freqs <= 0):
        raise ParameterError("freqs: frequencies must be positive")
    return freqs


def parse_cycles(text: str, freqs: np.ndarray) -> float | np.ndarray:
    """``"7"`` (cycles at every frequency) or ``"freqs/2"`` (half the frequency in Hz)."""
    text = str(text).replace(" ", "")
    if text.startswith("freqs/"):
        div = opt.number(text[len("freqs/"):], "n_cycles")
        if div <= 0:
            raise ParameterError("n_cycles: freqs/K needs K > 0")
        return freqs / div
    value = opt.number(text, "n_cycles")
    if value <= 0:
        raise ParameterError("n_cycles must be positive")
    return value


def tfr_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    freqs = parse_freqs(p["freqs"])
    kw: dict[str, Any] = {"method": p["method"], "freqs": freqs,
                          "n_cycles": parse_cycles(p["n_cycles"], freqs),
                          "picks": opt.picks(p["picks"]), "decim": p["decim"],
                          "use_fft": p["use_fft"], "average": p["average"],
                          "return_itc": p["return_itc"] and p["average"]}
    if p["method"] == "multitaper":
        kw["time_bandwidth"] = p["time_bandwidth"]
    return kw


def run_tfr(inputs, params, progress) -> dict[str, np.ndarray]:
    import mne

    ds = inputs[0]
    inst = mne_inst(ds, params["condition"])
    kw = tfr_kwargs(params)
    if params["return_itc"] and not params["average"]:
        raise ParameterError("return_itc needs average=true (inter-trial coherence is an "
                             "average over epochs)")
    if isinstance(inst, mne.Evoked):
        kw.pop("average")
        kw.pop("return_itc")
    progress.update(0.1, f"{params['method']} time-frequency power")
    try:
        with mne_quiet():
            got = inst.compute_tfr(**kw, verbose="error")
    except (ValueError, RuntimeError, TypeError) as exc:
        raise ParameterError(f"tfr: {exc}") from exc
    power, itc = (got if isinstance(got, tuple) else (got, None))
    data = np.asarray(power.data)
    if data.ndim == 4:  # per epoch (average=false): the mean is what the views show
        data = data.mean(axis=0)
    out: dict[str, np.ndarray] = {
        "power": data, "freqs": np.asarray(power.freqs, float),
        "times": np.asarray(power.times, float),
        **channel_facts(power.info, list(power.ch_names))}
    if itc is not None:
        out["itc"] = np.asarray(itc.data)
    base = opt.baseline(params["baseline"])
    if base is not None:
        out["power_raw"] = data.copy()
        with mne_quiet():
            out["power"] = mne.baseline.rescale(data, out["times"], base,
                                                mode=params["mode"], copy=True,
                                                verbose="error")
        out["baseline"] = np.asarray([np.nan if b is None else b for b in base], float)
    return out
