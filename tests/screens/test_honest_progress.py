"""Long runs are announced before they start (estimates from sizes only), and a fit that
did not converge says so with the result (stored, logged, shown above its view)."""

from __future__ import annotations

import numpy as np
import pytest

import neurodeck
from neurodeck.plugin_api.lazy import resolve


def _estimate(pm, analysis_id, inputs, **params):
    spec = next(a for a in pm.contributions("analyses") if a.id == analysis_id)
    got = resolve(spec.estimate)(inputs, spec.schema.resolve(params))
    return got if isinstance(got, tuple) else (float(got), "")


class _Untouchable(np.ndarray):
    """An array whose values must not be read (estimates use sizes only)."""

    def __array__(self, *args, **kwargs):
        raise AssertionError("the estimate read the data")


def test_ntf_estimate_announces_the_issue_case_and_reads_no_data(neurodeck_plugins):
    from neurodeck_ntf.synthetic import planted_traces

    big, _ = planted_traces(n_neurons=657, n_animals=1, n_times=2000, seed=0)
    seconds, hint = _estimate(neurodeck_plugins, "ntf", [big])
    # NTF on 657 neurons sat at 5 % after 165 s: the whole run is many minutes
    assert seconds > 600 and "rank" in hint
    small, _ = planted_traces(n_neurons=20, n_animals=2, n_times=200, seed=0)
    assert _estimate(neurodeck_plugins, "ntf", [small])[0] < 60
    one = _estimate(neurodeck_plugins, "ntf", [big], rank=[3], n_restarts=1)[0]
    assert one < seconds / 10  # the hint's advice is real (one rank, one restart)
    big.arrays = [a.view(_Untouchable) for a in big.arrays]
    _estimate(neurodeck_plugins, "ntf", [big])


def test_hmmglm_estimate_announces_the_bundled_sample(neurodeck_plugins):
    s = next(s for s in neurodeck_plugins.contributions("sample_data")
             if s.id == "rat-hippocampus-units")
    spikes = neurodeck.open(s.resolve_path())
    seconds, hint = _estimate(neurodeck_plugins, "hmmglm", [spikes])
    # at 6 % after 2 minutes: a run of tens of minutes
    assert seconds > 600 and "bin_width" in hint
    wide = _estimate(neurodeck_plugins, "hmmglm", [spikes], bin_width=0.1, n_restarts=1,
                     max_iter=20)[0]
    assert wide < 60
    cv = _estimate(neurodeck_plugins, "hmmglm", [spikes], n_states=[2, 3, 4])[0]
    assert cv > 3 * seconds  # three K, each also fitted on every fold


def test_estimates_are_the_same_order_as_a_real_run(neurodeck_plugins, monkeypatch):
    """Calibration of the cost model (CPU time, one thread): within a factor of 3.

    Every fit runs to max_iter (checked), so this tests the cost per iteration and the
    overhead, not how fast planted traces converge; a warm-up run first, so the figure
    does not depend on which tests ran before (imports, JIT compilation).
    """
    import time

    from neurodeck_ntf import cp
    from neurodeck_ntf.synthetic import planted_traces
    from threadpoolctl import threadpool_limits

    warm, _ = planted_traces(n_neurons=20, n_animals=2, n_times=100, seed=0)
    neurodeck.run("ntf", warm, rank=2, n_restarts=1, community_method="leiden")
    traces, _ = planted_traces(n_neurons=80, n_animals=3, n_times=500, seed=1)
    params = dict(rank=[6, 8], n_restarts=2, community_method="leiden", tol=0.0,
                  max_iter=30)
    predicted = _estimate(neurodeck_plugins, "ntf", [traces], **params)[0]
    iterations, hals = [], cp.hals

    def counted(*args, **kwargs):
        fit = hals(*args, **kwargs)
        iterations.append(fit.n_iter)
        return fit

    monkeypatch.setattr(cp, "hals", counted)
    with threadpool_limits(1):
        t0 = time.process_time()
        neurodeck.run("ntf", traces, **params)
        used = time.process_time() - t0
    assert iterations == [30] * 4  # 2 ranks x 2 restarts, each ran every iteration
    assert predicted / 3 < used < predicted * 3, (predicted, used)


def test_ntf_estimate_counts_only_the_neurons_kept_by_min_animals(neurodeck_plugins):
    """Neurons seen in fewer than min_animals animals are dropped before the fit, so the
    estimate drops them too; a tensor with missing entries is announced as slower."""
    from neurodeck.data.timeseries import Traces

    rng = np.random.default_rng(0)
    common = [f"c{i}" for i in range(40)]
    arrays, labels = [], []
    for a in range(3):
        own = [f"a{a}n{i}" for i in range(200)]  # seen in this animal only
        labels.append(common + own)
        arrays.append(rng.standard_normal((240, 300)))
    traces = Traces(arrays, labels, 1.0)
    every = _estimate(neurodeck_plugins, "ntf", [traces], min_animals=1)[0]
    shared = _estimate(neurodeck_plugins, "ntf", [traces], min_animals=3)[0]
    # 640 neurons with missing entries against 40 complete ones: over 100x the work
    assert every > 100 * shared
    complete = Traces([a[:40] for a in arrays], [common] * 3, 1.0)
    assert _estimate(neurodeck_plugins, "ntf", [complete], min_animals=1)[0] == \
        pytest.approx(shared)


def test_ntf_fit_that_did_not_converge_is_flagged(neurodeck_plugins):
    from neurodeck_ntf.synthetic import planted_traces

    traces, _ = planted_traces(n_neurons=15, n_animals=2, n_times=150, seed=2)
    stopped = neurodeck.run("ntf", traces, rank=2, n_restarts=1, max_iter=2, tol=0.0,
                            community_method="leiden")
    warnings = stopped.meta.get("warnings", [])
    assert any("stopped at max_iter=2" in w for w in warnings), warnings
    settled = neurodeck.run("ntf", traces, rank=2, n_restarts=1, max_iter=2000, tol=1e-3,
                            community_method="leiden")
    assert not any("max_iter" in w for w in settled.meta.get("warnings", []))


@pytest.mark.gui
def test_dialog_says_a_run_will_be_long(qtbot, neurodeck_plugins):
    from neurodeck_ntf.synthetic import planted_traces

    from neurodeck.gui.param_dialog import ParamDialog
    from neurodeck.session import Session

    big, _ = planted_traces(n_neurons=400, n_animals=1, n_times=1500, seed=0)
    session = Session()
    entry = session.add(big)
    spec = next(a for a in neurodeck_plugins.contributions("analyses") if a.id == "ntf")
    dialog = ParamDialog(spec, [entry], preselected=entry)
    qtbot.addWidget(dialog)
    dialog.update_estimate()
    text = dialog.estimate.text()
    assert "Estimated time" in text and "rank" in text  # long: the hint is given
    assert "bold" in dialog.estimate.styleSheet()


def test_hmmglm_fit_that_did_not_converge_is_a_warning_shown_once(qtbot, neurodeck_plugins):
    from neurodeck_hmmglm import simulate
    from neurodeck_hmmglm.view import HmmGlmView

    truth = simulate.paper_truth(2, 4, seed=0)
    counts, _ = simulate.sample(truth, 1, 300, seed=1)
    c = np.concatenate(counts)
    sp = neurodeck.SpikeTrains([np.repeat(np.arange(300), c[:, j]) * 0.01 + 0.005
                                for j in range(4)], duration=3.0)
    res = neurodeck.run("hmmglm", sp, n_states=2, n_restarts=1, max_iter=2)
    warnings = res.meta.get("warnings", [])
    assert any("did not converge" in w for w in warnings), warnings
    view = HmmGlmView(res)
    qtbot.addWidget(view)
    assert view.note_label is None  # the window's banner shows it; not twice
