"""The BrainMAE view builds every tab from a real result and exports PNGs."""

from __future__ import annotations

import numpy as np
from neurodeck_brainmae import checkpoint

import neurodeck
from neurodeck.data import RoiTimeSeries


def test_view_builds_every_tab_and_exports_png(neurodeck_view, tmp_path, make_config,
                                               make_weights):
    config = make_config(n_regions=12, tr=2.0)
    path = checkpoint.save(tmp_path / "v", config, make_weights(config))
    rng = np.random.default_rng(0)
    subjects = [RoiTimeSeries(rng.standard_normal((12, n)), config.regions, tr=2.0,
                              name=f"sub{n}") for n in (60, 45)]
    result = neurodeck.run("brainmae", *subjects, checkpoint=str(path))
    view = neurodeck_view("brainmae-result", result)
    assert view.tabs.count() == 4
    for i in range(view.tabs.count()):
        view.tabs.setCurrentIndex(i)
        out = view.export(tmp_path / f"tab{i}.png")
        assert out.stat().st_size > 1000
    # the reconstruction page shows the chosen subject's slice of the concatenated arrays
    view.tabs.setCurrentIndex(0)
    view.pages[0].select(1, 3)
    rows, cols, values = view.values_table()
    np.testing.assert_allclose(values[:, 0], subjects[1].data[3])
    np.testing.assert_allclose(values[:, 1], result["reconstruction"][3, 60:])
    view.tabs.setCurrentIndex(1)
    rows, cols, values = view.values_table()
    np.testing.assert_allclose(values[:, 0], result["reconstruction_error"])
    assert cols[-1] == "gaussian_conditional_mean"
    np.testing.assert_allclose(values[:, -1], result["baseline_error_gaussian"])
    view.tabs.setCurrentIndex(2)
    np.testing.assert_allclose(view.values_table()[2], result["attention"])
