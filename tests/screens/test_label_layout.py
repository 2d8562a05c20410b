"""The label-layout mechanism and the audit that finds what a person would see wrong."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6 import QtWidgets

from neurodeck.gui.widgets import audit
from neurodeck.gui.widgets.axes import axis_unit, label_axis
from neurodeck.gui.widgets.labels import CategoryAxis, greedy_point_labels, plan_labels
from neurodeck.gui.widgets.matrix import MatrixHeatmap

pytestmark = pytest.mark.gui


def _fixed(text: str) -> float:
    return 7.0 * len(text)


def _elide(text: str, px: float) -> str:
    keep = max(int(px // 7) - 1, 1)
    return text if len(text) * 7 <= px else text[:keep] + "\u2026"


def test_plan_keeps_level_names_that_fit_and_turns_or_thins_the_rest():
    names = [f"ch{i}" for i in range(10)]
    plan = plan_labels(names, 40.0, _fixed, 14.0, _elide, horizontal=True)
    assert not plan.rotated and plan.step == 1 and [t for _, t in plan.shown] == names
    long = [f"EEG Fp{i}-Ref" for i in range(64)]
    plan = plan_labels(long, 16.0, _fixed, 14.0, _elide, horizontal=True)
    assert plan.rotated and plan.step == 1 and len(plan.shown) == 64  # upright: all fit
    plan = plan_labels(long, 5.0, _fixed, 14.0, _elide, horizontal=True, max_extent=50)
    assert plan.step == 3  # 15 px per line over 5 px slots
    assert all(_fixed(t) <= 50 for _, t in plan.shown)  # elided to the room across
    # along a vertical axis, names never get closer than a line
    plan = plan_labels(long, 4.0, _fixed, 14.0, _elide, horizontal=False)
    assert plan.step * 4.0 >= 15.0


def test_point_labels_keep_the_important_and_never_collide():
    xy = np.array([[0, 0], [5, 0], [200, 0], [205, 3]], float)
    keep = greedy_point_labels(xy, [(40, 12)] * 4, priority=[1, 5, 2, 0])
    assert keep == [1, 2]  # 1 beats its neighbour 0; 2 beats 3


def _shown(widget, w=900, h=600):
    widget.resize(w, h)
    widget.show()
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    return widget


def test_matrix_names_never_overlap_at_any_size_and_hover_gives_the_full_name(qtbot):
    """The FC matrix's 64 channel names: upright, thinned or elided at every size (the
    axis once drew them level and overlapping)."""
    names = [f"EEG {k}-REF long name" for k in range(64)]
    m = np.corrcoef(np.random.default_rng(0).normal(size=(64, 200)))
    view = MatrixHeatmap(m, names, value_name="r", levels=(-1, 1))
    qtbot.addWidget(view)
    for w, h in ((1366, 768), (700, 450), (420, 320)):
        _shown(view, w, h)
        assert audit.overlapping_ticks(view) == [], (w, h)
        assert len(audit.tick_text_boxes(view.col_axis)) > 4
    axis = view.col_axis
    assert axis.label_at(10.5) == names[10]  # hover: the full name
    axis.set_labels(names)
    assert all(len(t) <= len(n) for (_, t), n in zip(axis.plan.shown, names, strict=False))


def test_audit_finds_overlapping_ticks_missing_units_and_oversized_dialogs(qtbot):
    pw = pg.PlotWidget()
    qtbot.addWidget(pw)
    pw.getAxis("bottom").setTicks([[(i * 0.1, f"a very long tick label {i}")
                                    for i in range(40)]])
    pw.setXRange(0, 4)
    _shown(pw, 600, 400)
    assert audit.overlapping_ticks(pw)  # the checker can fail
    missing = audit.axes_without_unit(pw)
    assert [d.where for d in missing] == ["left axis '(no label)'"]
    label_axis(pw, "left", "voltage", "V")
    assert audit.axes_without_unit(pw) == [] and axis_unit(pw.getAxis("left")) == "V"
    label_axis(pw, "left", "P(state)", "")
    assert axis_unit(pw.getAxis("left")) == ""
    dialog = QtWidgets.QDialog()
    qtbot.addWidget(dialog)
    dialog.resize(2000, 300)
    from PySide6 import QtCore
    assert audit.larger_than_screen(dialog, QtCore.QRect(0, 0, 1366, 768))


def test_unitless_axes_keep_their_numbers(qtbot):
    """pyqtgraph shows 0.15 as "150" on an axis without units (SI prefix, factor hidden
    in the label): label_axis turns that off."""
    pw = pg.PlotWidget()
    qtbot.addWidget(pw)
    pw.plot([0, 1, 2], [0.0, 0.1, 0.15])
    label_axis(pw, "left", "model similarity", "corr")
    pw.setYRange(0, 0.15, padding=0)
    _shown(pw, 500, 400)
    texts = [t for _, t in audit.tick_text_boxes(pw.getAxis("left"))]
    assert texts and all(float(t) <= 0.15 + 1e-9 for t in texts), texts


def test_category_axis_is_exempt_from_units_but_not_from_overlap(qtbot):
    glw = pg.GraphicsLayoutWidget()
    qtbot.addWidget(glw)
    axis = CategoryAxis("bottom", [f"region number {i}" for i in range(94)], offset=0.0)
    plot = glw.addPlot(axisItems={"bottom": axis})
    plot.plot(np.arange(94), np.ones(94))
    label_axis(plot, "left", "error", "z\u00b2")
    _shown(glw, 800, 400)
    assert audit.audit(glw) == []
    assert axis.plan.rotated and axis.plan.step >= 2


def test_colour_scales_default_and_ticks():
    from neurodeck.gui.widgets import scales

    rng = np.random.default_rng(0)
    counts = np.where(rng.random((50, 50)) < 0.05, rng.geometric(0.3, (50, 50)), 0) * 1.0
    counts[0, 1] = 140.0  # one strong connection among ones and twos
    assert scales.default_scale(counts) == "log"
    assert scales.default_scale(rng.random((10, 10))) == "linear"  # 0-1: log(1+x) ~ x
    assert scales.default_scale(rng.normal(size=(10, 10))) == "linear"  # signed
    assert "log" not in scales.scales_for(rng.normal(size=(5, 5)))
    lim = scales.levels(counts, "log", (0.0, 140.0))
    assert [t for _, t in scales.ticks("log", lim)] == ["0", "1", "3", "10", "30", "100"]
    small = scales.ticks("log", (0.0, float(np.log1p(0.5))))
    assert len(small) >= 4 and small[-1][1] == "0.5"
    rank = scales.transform(counts, "rank")
    assert rank[0, 1] == 1.0 and rank[counts == 0].max() == 0.0
    assert np.all((rank[counts > 0] > 0) & (rank[counts > 0] <= 1))
