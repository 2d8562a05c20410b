"""Each defect of issue 15's views, as a test that failed before its fix."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest
from PySide6 import QtCore, QtGui, QtWidgets

import neurodeck
from neurodeck.data import FmriRun
from neurodeck.gui.widgets import audit
from neurodeck.gui.widgets.axes import axis_unit

pytestmark = pytest.mark.gui


def _settle(rounds: int = 5) -> None:
    for _ in range(rounds):
        QtWidgets.QApplication.processEvents()


def _show(qtbot, widget, w=1100, h=650):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    _settle()
    return widget


def _sample(pm, sample_id):
    s = next(s for s in pm.contributions("sample_data") if s.id == sample_id)
    return neurodeck.open(s.resolve_path())


# -- HMM-GLM: seconds and a legend of state colours ---------------------------------------
def test_hmmglm_raster_has_a_state_legend_and_time_in_seconds(qtbot, neurodeck_plugins):
    from neurodeck_hmmglm import simulate
    from neurodeck_hmmglm.view import STATE_COLOURS, StateRaster

    truth = simulate.paper_truth(3, 5, seed=0)
    counts, _ = simulate.sample(truth, 1, 400, seed=1)
    c = np.concatenate(counts)
    sp = neurodeck.SpikeTrains([np.repeat(np.arange(400), c[:, j]) * 0.02 + 0.01
                                for j in range(5)], duration=8.0)
    res = neurodeck.run("hmmglm", sp, n_states=3, bin_width=0.02, n_restarts=1, max_iter=3)
    view = _show(qtbot, StateRaster(res))
    entries = [(label.text, sample.item.opts["brush"].color().getRgb()[:3])
               for sample, label in view.legend.items]
    assert [t for t, _ in entries] == ["state 0", "state 1", "state 2"]
    assert [rgb for _, rgb in entries] == [STATE_COLOURS[k] for k in range(3)]
    bottom = [a for a in audit.visible_axes(view) if a.orientation == "bottom"]
    assert [axis_unit(a) for a in bottom] == ["s"]
    assert view.bin_width == pytest.approx(0.02)
    (x0, x1), _ = bottom[0].linkedView().viewRange()
    assert 7.0 < x1 <= 8.5  # 400 bins of 20 ms: seconds, not bins
    assert audit.audit(view) == []


# -- fMRI: orientation, slice names, volume number, read-out -----------------------------
@pytest.fixture
def fmri_run(tmp_path):
    rng = np.random.default_rng(0)
    data = (rng.standard_normal((9, 11, 7, 6)) + 100).astype(np.float32)
    # LPS-like axes: the display is RAS whatever the file's order
    affine = np.array([[-2.0, 0, 0, 30], [0, -2.5, 0, 40], [0, 0, 3.0, -10], [0, 0, 0, 1]])
    img = nib.Nifti1Image(data, affine)
    img.header.set_zooms((2.0, 2.5, 3.0, 1.5))
    path = tmp_path / "run.nii.gz"
    nib.save(img, path)
    return FmriRun(nib.load(path))


def test_fmri_slices_say_orientation_position_and_volume(qtbot, fmri_run):
    from neurodeck_browser.fmri import FmriView

    view = _show(qtbot, FmriView(fmri_run), 1000, 700)
    qtbot.waitUntil(lambda: view.volume is not None, timeout=10000)
    expected = {"sagittal": {"P", "A", "S", "I"}, "coronal": {"L", "R", "S", "I"},
                "axial": {"L", "R", "A", "P"}}
    for plane, letters in expected.items():
        assert set(view.orientation_marks[plane]) == letters
        assert all(m.isVisible() for m in view.orientation_marks[plane].values())
    # left of the coronal and axial slices is the subject's left (RAS display)
    marks = view.orientation_marks["axial"]
    assert marks["L"].pos().x() < marks["R"].pos().x()
    assert marks["P"].pos().y() < marks["A"].pos().y()
    title = view.plots["axial"].titleLabel.text
    assert "axial" in title and "z = " in title and "of 7" in title and "mm" in title
    assert view.t_label.text().startswith("1 of 6")
    view.set_time(3)
    assert view.t_label.text().startswith("4 of 6")


def test_fmri_readout_is_there_from_the_start_and_never_moves_the_plots(qtbot, fmri_run):
    from neurodeck_browser.fmri import FmriView

    view = _show(qtbot, FmriView(fmri_run), 900, 650)
    qtbot.waitUntil(lambda: view.volume is not None, timeout=10000)
    _settle()
    assert view.readout.text().startswith("cursor: voxel (")  # before any click or hover
    before = (view.glw.geometry(), view.tc_plot.geometry(), view.width())
    view.readout.setText("voxel (1, 2, 3)  world (10.0, 20.0, 30.0) mm  value 1  region "
                         "7: " + "a very long atlas region name " * 8)
    _settle()
    assert (view.glw.geometry(), view.tc_plot.geometry(), view.width()) == before
    assert axis_unit(view.tc_plot.getAxis("left")) == "a.u."


# -- connectome: a scale that shows the data, and named nodes ----------------------------
def test_connectome_heatmap_defaults_to_a_scale_that_is_not_all_dark(qtbot, neurodeck_plugins):
    from neurodeck_browser.connectome import ConnectomeView

    cx = _sample(neurodeck_plugins, "celegans-connectome")
    view = _show(qtbot, ConnectomeView(cx), 1300, 700)
    heat = view.heatmap
    assert heat.scale == "log" and heat.scale_box.currentData() == "log"

    def dark_fraction() -> float:
        img = heat.image.image
        lo, hi = heat.shown_levels()
        present = np.asarray(heat.displayed()) > 0
        return float(np.mean((img[present] - lo) / (hi - lo) < 0.1))

    log_dark = dark_fraction()
    heat.set_scale("linear")
    linear_dark = dark_fraction()
    heat.set_scale("rank")
    rank_dark = dark_fraction()
    # linear up to 140 synapses: nearly every connection in the darkest tenth
    assert linear_dark > 0.8 and log_dark < 0.5 and rank_dark < 0.15
    # the hover read-out still gives the count itself
    assert heat.scale == "rank"
    np.testing.assert_array_equal(heat.values_table()[2], heat.displayed())
    ticks = heat.colorbar.axis._tickLevels
    heat.set_scale("log")
    assert [t for _, t in heat.colorbar.axis._tickLevels[0]][:3] == ["0", "1", "3"]
    assert ticks is None  # rank and linear keep the axis' own numbers


def test_connectome_nodes_are_named_without_collisions(qtbot, neurodeck_plugins):
    from neurodeck_browser.connectome import ConnectomeView

    cx = _sample(neurodeck_plugins, "celegans-connectome")
    view = _show(qtbot, ConnectomeView(cx), 1300, 700)
    labels = view.node_labels
    assert 10 <= len(labels.shown) < cx.n_nodes  # 448 nodes: as many names as fit
    boxes = [item.sceneBoundingRect() for item in labels.items]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            inter = boxes[i].intersected(boxes[j])
            assert inter.width() < 1 or inter.height() < 1
    degree = (np.asarray(view.weights) + np.asarray(view.weights).T > 0).sum(1)
    assert max(degree[labels.shown]) == degree.max()  # the hub is named
    shown_before = len(labels.shown)
    vb = view.graph.vb
    # zoom in on the hub (the view's centre may hold no node, as the layout goes):
    # more room, and the names of the nodes in view get theirs
    hub = int(np.argmax(degree))
    vb.scaleBy((0.2, 0.2), center=QtCore.QPointF(*labels.xy[hub]))
    _settle()
    assert hub in labels.shown
    assert labels.shown and all(labels.items[k].toolTip() == labels.names[i]
                                for k, i in enumerate(labels.shown))
    assert shown_before > 0


# -- RSA: a time slider and the model time course ----------------------------------------
def test_time_resolved_rdms_have_a_slider_and_a_model_time_course(qtbot, neurodeck_plugins):
    from neurodeck_rsa.view import RDMView

    rng = np.random.default_rng(0)
    ep = neurodeck.Epochs(rng.normal(size=(30, 8, 60)), [f"c{i % 5}" for i in range(30)],
                          sfreq=100.0)
    models = neurodeck.Result({"rdms": rng.random((2, 10))}, {"analysis": "x"})
    res = neurodeck.run("rsa", ep, models, window=4, step=2)
    n = len(res["times"])
    view = _show(qtbot, RDMView(res))
    assert view.slider is not None and view.slider.maximum() == n - 1
    assert not view.which.isVisible()  # no drop-down of n RDMs
    curves = view.time_plot.getPlotItem().listDataItems()
    assert len(curves) == 2  # one per model
    np.testing.assert_allclose(curves[0].getData()[1], res["model_timecourse"][0])
    view.slider.setValue(n - 1)
    np.testing.assert_array_equal(view.heat.matrix, res["rdms"][n - 1])
    assert view.cursor.value() == pytest.approx(res["times"][n - 1])
    assert f"{n} of {n}" in view.time_label.text()
    view.set_time(float(res["times"][2]) + 1e-4)  # dragging the marker snaps to a window
    assert view.slider.value() == 2
    # one colour range across time: steps can be compared by eye
    assert view.heat.levels == (float(res["rdms"].min()), float(res["rdms"].max()))
    assert audit.audit(view) == []


# -- BrainMAE: 94 region names -------------------------------------------------------------
def test_brainmae_region_names_do_not_overlap(qtbot, neurodeck_plugins):
    from neurodeck_brainmae.view import BrainMAEView

    res = neurodeck.run("brainmae", _sample(neurodeck_plugins, "brainmae-demo"))
    view = _show(qtbot, BrainMAEView(res), 1060, 480)
    for i in range(view.tabs.count()):
        view.tabs.setCurrentIndex(i)
        _settle()
        assert audit.audit(view) == [], view.tabs.tabText(i)
    view.tabs.setCurrentIndex(1)
    _settle()
    axis = view.pages[1].plot.getAxis("bottom")
    assert axis.label_at(3.0) == str(res["regions"][3])  # hover: the full AAL2 name


def test_font_metrics_available():
    # the layout measures real text: a font must be there offscreen
    assert QtGui.QFontMetricsF(QtGui.QFont()).horizontalAdvance("abc") > 0
    assert QtCore.QRectF(0, 0, 1, 1).isValid()


def test_mds_condition_names_never_collide(qtbot, neurodeck_plugins):
    from neurodeck_rsa.view import MDSView

    rng = np.random.default_rng(3)
    names = [f"condition {k:02d} ({'face' if k % 2 else 'place'})" for k in range(40)]
    sym = rng.random((2, 40, 40))
    res = neurodeck.run("rsa", neurodeck.Result(
        {"rdms": (sym + sym.transpose(0, 2, 1)) / 2 * (1 - np.eye(40)),
         "conditions": np.array(names)}, {"analysis": "rsa"}))
    view = _show(qtbot, MDSView(res), 900, 600)
    boxes = [item.sceneBoundingRect() for item in view.names.items]
    assert len(boxes) >= 5
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            inter = boxes[i].intersected(boxes[j])
            assert inter.width() < 1 or inter.height() < 1
    assert audit.audit(view) == []
