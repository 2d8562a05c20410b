"""The browser's layout as JSON (the workspace remembers it): what to save and re-apply.

Rows are saved by label, so a layout survives a changed channel list (labels no longer
present are skipped); unknown or invalid values fall back to the view's own.
"""

from __future__ import annotations

import contextlib
from typing import Any


def view_state(v: Any) -> dict[str, Any]:
    """The layout of browser ``v`` as JSON-able data."""
    return {
        "t0": v.t0, "span": v.span, "n_visible": v.n_visible, "row_offset": v.row_offset,
        "mode": v.mode, "remove_dc": v.remove_dc, "antialias": v.antialias,
        "butterfly": v.butterfly,
        "selection": [v.labels[k] for k in v.selection],
        "scales": dict(v.scales),
        "heat_levels": list(v.heat_levels) if v.heat_levels else None,
        "filter": list(v.filter_band) if v.filter_band else None,
        "filter_on": v.filter_enabled,
        "animal": v.animal,
        "scalebars": v.scalebars_visible,
    }


def restore_view_state(v: Any, state: dict[str, Any]) -> None:
    """Re-apply a :func:`view_state` to browser ``v``."""
    animal = state.get("animal")
    if v.population is not None and animal is not None and animal != v.animal:
        v.set_animal(animal, request=False)
    where = {lab: i for i, lab in enumerate(v.labels)}
    sel = [where[lab] for lab in state.get("selection", []) if lab in where]
    if sel:
        v.viewport.set_selection(sel)
    v.scales.update({str(k): float(x) for k, x in state.get("scales", {}).items()
                     if float(x) > 0})
    if state.get("heat_levels"):
        lo, hi = state["heat_levels"]
        v.heat_levels = (float(lo), float(hi))
    v.remove_dc = bool(state.get("remove_dc", True))
    v.set_antialias(bool(state.get("antialias", False)), request=False)
    band = state.get("filter")
    if band:
        with contextlib.suppress(ValueError):  # a band the rate no longer allows: none
            v.set_filter(band[0], band[1], enabled=bool(state.get("filter_on", True)),
                         request=False)
    v.butterfly = bool(state.get("butterfly", False)) and v.source.kind == "signal"
    v.scalebars_visible = bool(state.get("scalebars", True))
    mode = state.get("mode", v.mode)
    if mode in v.allowed_modes:
        v.set_mode(mode, request=False)
    v.viewport.set_n_visible(int(state.get("n_visible", v.n_visible)))
    v.viewport.set_row_offset(int(state.get("row_offset", 0)))
    v.set_window(float(state.get("t0", v.t0)), float(state.get("span", v.span)))
