"""Independent component analysis: fit (``mne.preprocessing.ICA``), automatic labels
(ICLabel, through mne-icalabel on CPU), and removal of the components the user marked.

ICLabel's labels are suggestions: they are stored with the solution and shown in the
components view; the user accepts them (or marks components by hand), and only the marked
components are removed by ``ica-apply``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from neurodeck.data import Dataset, Epochs, Recording
from neurodeck.errors import InputError, ParameterError

from . import options as opt
from .datasets import IcaSolution
from .lazy import Function, is_lazy, lazy_raw, materialize, mne_quiet


def ica_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    kw: dict[str, Any] = {
        "n_components": opt.int_or_fraction(p["n_components"], "n_components"),
        "method": p["method"], "random_state": p["random_state"],
        "max_iter": opt.auto_or_number(p["max_iter"], "max_iter", integer=True)}
    if p["method"] in ("infomax", "picard") and p["extended"]:
        kw["fit_params"] = {"extended": True} if p["method"] == "infomax" else \
            {"extended": True, "ortho": False}
    return kw


def fit_kwargs(p: Mapping[str, Any]) -> dict[str, Any]:
    return {"picks": opt.picks(p["picks"]), "decim": p["decim"],
            "reject": opt.thresholds(p["reject"], "reject"),
            "reject_by_annotation": p["reject_by_annotation"], "tstep": p["tstep"]}


def _inst(ds: Dataset) -> Any:
    if isinstance(ds, Recording):
        return ds.raw
    ep = getattr(ds, "mne_epochs", None)
    if ep is None:
        raise InputError(f"{ds.name}: ICA needs a recording or MNE epochs")
    return ep


def has_positions(info: Any, kind: str = "eeg") -> bool:
    import mne

    picks = mne.pick_types(info, **{kind: True}, exclude="bads") if kind in ("eeg", "meg") \
        else []
    locs = np.array([info["chs"][k]["loc"][:3] for k in picks]) if len(picks) else np.zeros(
        (0, 3))
    return bool(len(locs)) and np.all(np.isfinite(locs)) and np.any(locs != 0)


def run_fit(inputs, params, progress) -> IcaSolution:
    import mne

    ds = inputs[0]
    inst = _inst(ds)
    if isinstance(ds, Recording) and (is_lazy(inst) or not inst.preload):
        progress.update(0.02, "loading the data")
        inst = materialize(inst, progress.sub(0.02, 0.3))
    progress.update(0.3, f"fitting ICA ({params['method']})")
    try:
        with mne_quiet():
            ica = mne.preprocessing.ICA(**ica_kwargs(params), verbose="error")
            ica.fit(inst, **fit_kwargs(params), verbose="error")
    except (ValueError, RuntimeError, TypeError) as exc:
        raise ParameterError(f"ica-fit: {exc}") from exc
    if getattr(ica, "n_iter_", 0) and params["max_iter"] != "auto" and \
            ica.n_iter_ >= int(opt.auto_or_number(params["max_iter"], "max_iter",
                                                  integer=True)):
        progress.warn(f"ICA stopped at max_iter={params['max_iter']} without converging")
    progress.update(0.75, "variance explained")
    explained = explained_variance(ica, inst)
    suggestions: dict[str, Any] = {}
    want = params["iclabel"]
    if want != "no":
        if has_positions(inst.info):
            progress.update(0.85, "labelling components (ICLabel)")
            suggestions = iclabel(inst, ica, progress)
        elif want == "yes":
            raise InputError(f"{ds.name}: ICLabel needs EEG channel positions; set a montage "
                             "first (Transforms > Set montage)")
    return IcaSolution(ica, ds, suggestions=suggestions, explained=explained,
                       name=f"{ds.name} \u00b7 ICA {ica.n_components_}")


def explained_variance(ica: Any, inst: Any) -> dict[str, list[float]]:
    """Per channel type, the fraction of the fitted data's variance each component explains
    (``ICA.get_explained_variance_ratio``, one component at a time)."""
    out: dict[str, list[float]] = {}
    with mne_quiet():
        for k in range(ica.n_components_):
            ratio = ica.get_explained_variance_ratio(inst, components=[k])
            for ch_type, value in ratio.items():
                out.setdefault(ch_type, []).append(float(value))
    return out


def iclabel(inst: Any, ica: Any, progress: Any = None) -> dict[str, Any]:
    """ICLabel (Pion-Tonachini et al. 2019) through ``mne_icalabel.label_components``:
    one label and the seven class probabilities per component."""
    from mne_icalabel.iclabel import iclabel_label_components

    with mne_quiet():
        proba = np.asarray(iclabel_label_components(inst, ica, inplace=False), float)
    # label_components' rule: the most probable class of each component.
    labels = [ICLABEL_CLASSES[k] for k in np.argmax(proba, axis=1)]
    return {"labels": labels, "proba": proba.tolist(), "classes": list(ICLABEL_CLASSES)}


#: ICLabel's seven classes, in the order of its probabilities.
ICLABEL_CLASSES = ("brain", "muscle artifact", "eye blink", "heart beat", "line noise",
                   "channel noise", "other")


def _target(inputs) -> tuple[IcaSolution, Dataset]:
    sol = [d for d in inputs if isinstance(d, IcaSolution)]
    data = [d for d in inputs if not isinstance(d, IcaSolution)]
    if len(sol) != 1 or len(data) > 1:
        raise InputError("ica-apply takes one ICA solution and, optionally, the recording or "
                         "epochs to clean (default: the data the ICA was fitted on)")
    target = data[0] if data else sol[0].inst
    if target is None:
        raise InputError(f"{sol[0].name} does not hold the data it was fitted on: give the "
                         "recording or epochs to clean as a second input")
    return sol[0], target


def apply_kwargs(p: Mapping[str, Any], sol: IcaSolution) -> dict[str, Any]:
    exclude = p["exclude"]
    if exclude is None:
        exclude = sol.exclude
    exclude = [exclude] if isinstance(exclude, int) else list(exclude)
    return {"exclude": exclude}


def _apply(raw: Any, ica: Any, exclude: list[int]) -> Any:
    return ica.apply(raw, exclude=exclude, verbose="error")


def run_apply(inputs, params, progress) -> Dataset:
    sol, target = _target(inputs)
    kw = apply_kwargs(params, sol)
    bad = [c for c in kw["exclude"] if not 0 <= c < sol.n_components]
    if bad:
        raise ParameterError(f"ica-apply: no component {bad[0]} (0-{sol.n_components - 1})")
    if not kw["exclude"]:
        progress.warn("no component is marked for removal: the data are unchanged")
    ica = sol.ica.copy()
    what = "ICA -" + ",".join(str(c) for c in kw["exclude"]) if kw["exclude"] else "ICA"
    if isinstance(target, Recording):
        op = Function(_apply, {"ica": ica, "exclude": kw["exclude"]}, text="ica.apply")
        try:
            raw = lazy_raw(target.raw, op, "spatial", f"ICA without {kw['exclude']}")
        except (ValueError, RuntimeError) as exc:
            raise ParameterError(f"ica-apply: {exc}") from exc
        return Recording(raw, name="recording", meta={"step": what})
    ep = getattr(target, "mne_epochs", None)
    if ep is None:
        raise InputError(f"{target.name}: ica-apply needs a recording or MNE epochs")
    with mne_quiet():
        cleaned = ica.apply(ep.copy(), exclude=kw["exclude"], verbose="error")
    return Epochs.from_mne(cleaned, meta={"step": what})
