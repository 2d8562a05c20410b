"""The HMM-GLM view builds every tab from a real (cross-validated) result and exports."""

import numpy as np
from neurodeck_hmmglm import simulate

import neurodeck


def test_view_builds_and_exports(qtbot, tmp_path, neurodeck_plugins):
    from neurodeck_hmmglm.view import HmmGlmView

    # A tiny real fit (4 neurons, 3 x 150 bins, a few EM iterations): the view is what
    # is tested here, not the fit.
    truth = simulate.paper_truth(2, 4, seed=0)
    counts, _ = simulate.sample(truth, 3, 150, seed=1)
    spikes = [np.repeat(np.arange(450), np.concatenate(counts)[:, j]) * 0.01 + 0.005
              for j in range(4)]
    sp = neurodeck.SpikeTrains(spikes, duration=4.5, segments=[(0, 1.5), (1.5, 3), (3, 4.5)])
    res = neurodeck.run("hmmglm", sp, n_states=[1, 2], link="sigmoid", n_restarts=1,
                        max_iter=5)
    view = HmmGlmView(res)
    qtbot.addWidget(view)
    view.resize(900, 700)
    k = int(res["n_states"])
    assert view.tabs.count() == k + 4  # states, K couplings, consensus, transitions, curves
    for i in range(view.tabs.count()):
        view.tabs.setCurrentIndex(i)
        out = view.export(tmp_path / f"tab{i}.png")
        assert out.stat().st_size > 1000
    view.tabs.setCurrentIndex(1)
    rows, cols, values = view.values_table()
    np.testing.assert_allclose(values, res["weights"][0])


def test_view_band_shows_notes_not_given_as_run_warnings(qtbot, neurodeck_plugins):
    # The run gives the fit's notes as warnings (the window shows those above every
    # view, see tests/screens/test_honest_progress.py); the view's own band is for notes
    # that are not among them (results saved before the notes became warnings).
    from neurodeck_hmmglm.view import HmmGlmView

    from neurodeck.data import Result

    truth = simulate.paper_truth(2, 4, seed=0)
    counts, _ = simulate.sample(truth, 2, 200, seed=1)
    spikes = [np.repeat(np.arange(400), np.concatenate(counts)[:, j]) * 0.01 + 0.005
              for j in range(4)]
    sp = neurodeck.SpikeTrains(spikes, duration=4.0, segments=[(0, 2), (2, 4)])
    res = neurodeck.run("hmmglm", sp, n_states=2, link="sigmoid", n_restarts=1, max_iter=1)
    assert not bool(res["converged"])
    notes = [str(n) for n in res["fit_notes"]]
    assert any("did not converge" in n for n in notes)
    assert set(notes) <= set(res.meta.get("warnings", []))
    view = HmmGlmView(res)
    qtbot.addWidget(view)
    assert view.note_label is None  # shown once, by the window
    meta = {k: v for k, v in res.meta.items() if k != "warnings"}
    old = Result(dict(res), res.provenance, meta=meta)
    view = HmmGlmView(old)
    qtbot.addWidget(view)
    assert view.note_label is not None and "did not converge" in view.note_label.text()
    # A converged fit has no notes and no band.
    ok = neurodeck.run("hmmglm", sp, n_states=1, link="sigmoid", n_restarts=1)
    assert bool(ok["converged"]) and len(ok["fit_notes"]) == 0
    assert HmmGlmView(ok).note_label is None
