"""Neuropil, dF/F, z-score, OASIS and events: hand-derived cases, the reference package,
planted truth, laziness, and the hand-off to NTF and the HMM-GLM."""

from __future__ import annotations

import warnings

import numpy as np
from neurodeck_imaging import baseline as bl
from neurodeck_imaging import deconv
from neurodeck_imaging.events import spike_counts

import neurodeck
from neurodeck.testing import check_transform


def f1(pred, true, tol=2):
    """F1 of event frames against planted spike frames (one match each, within tol)."""
    pred, used, tp = sorted(pred), set(), 0
    for t in true:
        near = [i for i, p in enumerate(pred) if abs(p - t) <= tol and i not in used]
        if near:
            used.add(min(near, key=lambda i: abs(pred[i] - t)))
            tp += 1
    prec, rec = tp / max(len(pred), 1), tp / max(len(true), 1)
    return 2 * prec * rec / max(prec + rec, 1e-12)


def planted(n=12, t=3000, fs=30.0, tau=0.5, rate=1.0, noise=0.2, seed=3):
    rng = np.random.default_rng(seed)
    g = np.exp(-1 / (tau * fs))
    spikes = (rng.random((n, t)) < rate / fs).astype(float)
    c = np.zeros_like(spikes)
    for i in range(t):
        c[:, i] = (g * c[:, i - 1] if i else 0) + spikes[:, i]
    return 2.0 + c + rng.normal(scale=noise, size=c.shape), spikes, fs


# -- dF/F ------------------------------------------------------------------------------------
def test_dff_equals_the_hand_derived_case(neurodeck_plugins):
    f = np.array([[2.0, 4.0, 1.0, 3.0, 5.0]])
    tr = neurodeck.Traces(f, ["a"], 1.0)
    # window 3 frames (h = 1), shrinking at the ends; percentile 0 is the window minimum:
    # F0 = [min(2,4), min(2,4,1), min(4,1,3), min(1,3,5), min(3,5)] = [2, 1, 1, 1, 3]
    got = neurodeck.transform("dff", tr, percentile=0, window_s=3, step_s=0).get_data()
    np.testing.assert_allclose(got, [[0.0, 3.0, 0.0, 2.0, 2 / 3]], rtol=1e-7)  # float32 out
    # the median: F0 = [3, 2, 3, 3, 4] -> dF/F = [-1/3, 1, -2/3, 0, 1/4]
    got = neurodeck.transform("dff", tr, percentile=50, window_s=3, step_s=0).get_data()
    np.testing.assert_allclose(got, [[-1 / 3, 1.0, -2 / 3, 0.0, 0.25]], rtol=1e-7)


def test_dff_baseline_grid_is_exact_at_grid_points_and_linear_between():
    rng = np.random.default_rng(0)
    x = rng.gamma(3.0, size=(4, 400)) + 1
    exact = bl.running_percentile(x, 0, 400, 31, 10, 1)
    fast = bl.running_percentile(x, 0, 400, 31, 10, 7)
    pts = bl.grid(0, 400, 400, 7)
    np.testing.assert_allclose(fast[:, pts], exact[:, pts], rtol=1e-12)
    mid = (pts[3] + pts[4]) // 2
    w = (mid - pts[3]) / (pts[4] - pts[3])
    np.testing.assert_allclose(fast[:, mid], (1 - w) * exact[:, pts[3]] + w * exact[:, pts[4]])
    # interior frames equal scipy's percentile_filter where both use the same order
    # statistic (window 31, 10th percentile: rank 3 exactly)
    from scipy.ndimage import percentile_filter

    np.testing.assert_allclose(exact[:, 15:-15], percentile_filter(x, 10, size=(1, 31))[:, 15:-15])


def test_lazy_transforms_keep_the_contract_and_read_only_windows(s2p, neurodeck_plugins):
    plane = neurodeck.open(s2p / "plane0")
    for tid, params in [("dff", {"window_s": 10.0, "step_s": 0.5}), ("neuropil", {}),
                        ("zscore", {})]:
        out = check_transform(tid, plane, **params)
        assert out.n_rows == 14 and out.meta["roi_index"] == plane.cells.tolist()
        assert type(out.arrays[0]).__name__ == "RowWindowedArray"  # lazy, not materialised


def test_neuropil_and_zscore_values(s2p, neurodeck_plugins):
    plane = neurodeck.open(s2p / "plane0")
    f, fneu = np.load(s2p / "plane0" / "F.npy"), np.load(s2p / "plane0" / "Fneu.npy")
    cells = plane.cells
    got = neurodeck.transform("neuropil", plane, r=0.7)
    np.testing.assert_allclose(got.get_data(), (f - 0.7 * fneu)[cells], rtol=1e-6)
    allrois = neurodeck.transform("neuropil", plane, rois="all", r=0.5).get_data(100, 200)
    np.testing.assert_allclose(allrois, (f - 0.5 * fneu)[:, 100:200], rtol=1e-6)
    z = neurodeck.transform("zscore", plane).get_data(0, None, picks=[3, 1])
    ref = (f[cells] - f[cells].mean(1, keepdims=True)) / f[cells].std(1, keepdims=True)
    np.testing.assert_allclose(z, ref[[3, 1]], rtol=1e-5, atol=1e-6)


# -- OASIS ------------------------------------------------------------------------------------
def test_oasis_transform_equals_the_reference_package(neurodeck_plugins):
    from oasis.functions import deconvolve

    y, _, fs = planted(n=4, t=1500)
    tr = neurodeck.Traces(y, None, fs)
    for model, kw in [("ar1", {}), ("ar1", {"tau_d": 0.5}), ("ar2", {})]:
        got = neurodeck.transform("deconvolve", tr, model=model, **kw).get_data()
        for i in range(len(y)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                args = {"tau_d": 0.5, "framerate": fs} if kw else (
                    {"tau_d": None, "tau_r": None} if model == "ar2" else {})
                ref = deconvolve(y[i], penalty=1, **args)[1]
            r = np.corrcoef(got[i], ref)[0, 1]
            assert r > 0.99, (model, kw, i, r)


def test_oasis_agrees_with_suite2ps_own_deconvolution(s2p, neurodeck_plugins):
    """suite2p's spks.npy is its own OASIS (AR(1), tau 1 s) of F - 0.7 Fneu: an independent
    implementation of the same method."""
    plane = neurodeck.open(s2p / "plane0")
    corrected = neurodeck.transform("neuropil", plane)
    ours = neurodeck.transform("deconvolve", corrected, tau_d=1.0).get_data()
    theirs = plane.signal("spks").get_data()[plane.cells]
    r = [np.corrcoef(a, b)[0, 1] for a, b in zip(ours, theirs, strict=True)]
    assert min(r) > 0.97 and np.mean(r) > 0.985, np.round(r, 3)


def test_oasis_recovers_planted_spikes(s2p, truth, neurodeck_plugins):
    y, spikes, fs = planted()
    res = deconv.oasis(y, fs)
    scores = [f1(np.repeat(*spike_counts(res.spikes[i])), np.flatnonzero(spikes[i]))
              for i in range(len(y))]
    assert np.mean(scores) > 0.93 and min(scores) > 0.9, np.round(scores, 2)
    # on suite2p's traces of the planted movie, matched to the planted cells
    plane = neurodeck.open(s2p / "plane0")
    deco = neurodeck.transform("deconvolve", neurodeck.transform("neuropil", plane))
    events = neurodeck.transform("detect-events", deco)
    centres, where = plane.rois.centers(), truth["plane0_centres"]
    scores = []
    for row, k in enumerate(plane.cells):
        j = int(np.argmin(np.linalg.norm(where - centres[k], axis=1)))
        pred = np.rint(events.unit(row) * plane.sfreq).astype(int)
        scores.append(f1(pred, np.flatnonzero(truth["plane0_spikes"][j] > 0)))
    assert np.mean(scores) > 0.97 and min(scores) > 0.9, np.round(scores, 2)


def test_events_feed_the_hmmglm_and_traces_feed_ntf(s2p, neurodeck_plugins):
    plane = neurodeck.open(s2p / "plane0")
    deco = neurodeck.transform("deconvolve", neurodeck.transform("neuropil", plane))
    events = neurodeck.transform("detect-events", deco)
    assert events.kind == "spikes" and events.n_units == 14 and events.meta["method"] == \
        "deconvolved"
    res = neurodeck.run("hmmglm", events, n_states=2, bin_width=0.2, history_lags=2,
                        n_restarts=1, max_iter=5)
    assert res["counts"].sum() == events.spike_times.size
    dff = neurodeck.transform("dff", plane, window_s=20.0)
    ntf = neurodeck.run("ntf", dff, rank=[1, 2], n_restarts=1, max_iter=20)
    assert ntf["neuron_labels"].tolist() == dff.labels


def test_zscore_events_on_dff(neurodeck_plugins):
    y, spikes, fs = planted(n=3, noise=0.05, rate=0.3)
    dff = neurodeck.transform("dff", neurodeck.Traces(y, None, fs), window_s=20)
    ev = neurodeck.transform("detect-events", dff, method="zscore", threshold=4.0,
                             min_interval_s=0.3)
    for i in range(3):
        pred = np.rint(ev.unit(i) * fs).astype(int)
        assert f1(pred, np.flatnonzero(spikes[i]), tol=3) > 0.6
