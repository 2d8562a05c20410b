"""Peak decimation, spike pixel reduction and the latest-only fetcher (no Qt)."""

import threading
import time

import numpy as np
import pytest
from neurodeck_browser.decimate import (
    STRIDED_MAX_STEP,
    bin_extrema,
    bin_means,
    minmax_decimate,
    pixel_spikes,
)
from neurodeck_browser.fetcher import LatestFetcher
from neurodeck_browser.layout import spectral_coords, spectral_layout, spring_layout


# steps 15, 31, 7 (short last bin), 64 (both sides of STRIDED_MAX_STEP: strided
# passes), 65 and 5000 (reduceat)
@pytest.mark.parametrize("n, bins", [(10_000, 700), (10_001, 333), (999, 1000), (5000, 1),
                                     (10_000, 1519), (6400, 100), (6500, 100)])
def test_minmax_matches_numpy_per_bin(n, bins):
    rng = np.random.default_rng(n)
    data = rng.standard_normal((5, n)).cumsum(axis=1)
    index, values = minmax_decimate(data, bins)
    if n <= 2 * bins:
        np.testing.assert_array_equal(values, data)
        np.testing.assert_array_equal(index, np.arange(n))
        return
    starts = index[0::2].astype(int)
    stops = np.append(starts[1:], n)
    assert starts[0] == 0 and len(starts) <= bins
    for b, (a, z) in enumerate(zip(starts, stops, strict=True)):
        # exact equality: decimation selects samples, it never computes new values
        np.testing.assert_array_equal(values[:, 2 * b], data[:, a:z].min(axis=1))
        np.testing.assert_array_equal(values[:, 2 * b + 1], data[:, a:z].max(axis=1))
    # every sample belongs to exactly one bin, so the global extrema survive
    np.testing.assert_array_equal(values.max(axis=1), data.max(axis=1))
    np.testing.assert_array_equal(values.min(axis=1), data.min(axis=1))


@pytest.mark.parametrize("step", [3, STRIDED_MAX_STEP, STRIDED_MAX_STEP + 1])
def test_bin_extrema_propagates_nan_like_numpy(step):
    data = np.random.default_rng(step).standard_normal((3, 20 * step + 2))
    data[1, step + 1] = np.nan  # inside bin 1 of row 1
    lo, hi = bin_extrema(data, step)
    assert lo.shape == (3, 21)
    for b in range(21):
        block = data[:, b * step:(b + 1) * step]
        np.testing.assert_array_equal(lo[:, b], block.min(axis=1))
        np.testing.assert_array_equal(hi[:, b], block.max(axis=1))
    assert np.isnan(lo[1, 1]) and np.isnan(hi[1, 1]) and not np.isnan(lo[1, 2])


def test_minmax_rejects_bad_input():
    with pytest.raises(ValueError):
        minmax_decimate(np.zeros(10), 3)
    with pytest.raises(ValueError):
        minmax_decimate(np.zeros((1, 10)), 0)


def test_bin_means_ignores_nan_and_covers_tail():
    data = np.arange(10, dtype=float)[None].repeat(2, 0)
    data[1, 3] = np.nan
    starts, means = bin_means(data, 4)  # step 3: bins [0,3) [3,6) [6,9) [9,10)
    np.testing.assert_array_equal(starts, [0, 3, 6, 9])
    np.testing.assert_allclose(means[0], [1, 4, 7, 9])
    np.testing.assert_allclose(means[1], [1, 4.5, 7, 9])


def test_pixel_spikes_keeps_one_tick_per_occupied_pixel():
    rng = np.random.default_rng(1)
    spikes = np.sort(rng.uniform(0, 100, 50_000))
    ticks = pixel_spikes(spikes, 10.0, 20.0, 400)
    inside = spikes[(spikes >= 10) & (spikes < 20)]
    expected_cols = np.unique(np.floor((inside - 10.0) / (10.0 / 400)))
    np.testing.assert_allclose(ticks, 10.0 + expected_cols * 10.0 / 400)
    few = pixel_spikes(spikes[:30], 0, 100, 400)  # fewer spikes than pixels: unchanged
    np.testing.assert_array_equal(few, spikes[:30])


def test_fetcher_drops_stale_requests():
    gate = threading.Event()
    delivered = []

    def deliver(key, result, error):
        delivered.append((key, result, error))

    f = LatestFetcher(deliver)
    try:
        f.request("first", lambda: gate.wait(5) and "first")
        time.sleep(0.05)  # the worker is now busy with "first"
        for k in range(10):
            f.request(f"k{k}", lambda k=k: f"page{k}")
        gate.set()
        deadline = time.monotonic() + 5
        while not f.idle and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        # "first" finished after newer requests came: not delivered (but cached);
        # k0..k8 were replaced before they ran; only k9 is delivered.
        assert delivered == [("k9", "page9", None)]
        assert f.dropped == 9
        assert f.cached("first") == "first"
    finally:
        f.close()


def test_fetcher_reports_errors():
    out = []
    f = LatestFetcher(lambda *a: out.append(a))
    try:
        f.request("x", lambda: 1 / 0)
        deadline = time.monotonic() + 5
        while not out and time.monotonic() < deadline:
            time.sleep(0.01)
        assert out[0][0] == "x" and isinstance(out[0][2], ZeroDivisionError)
    finally:
        f.close()


def _two_cliques(n=6, bridge=0.05):
    w = np.zeros((2 * n, 2 * n))
    w[:n, :n] = 1
    w[n:, n:] = 1
    np.fill_diagonal(w, 0)
    w[n - 1, n] = bridge  # directed, weak bridge
    return w


@pytest.mark.parametrize("layout", [spectral_layout, spring_layout])
def test_layouts_separate_planted_communities(layout):
    w = _two_cliques()
    xy = layout(w)
    d = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    within = (d[:6, :6].sum() + d[6:, 6:].sum()) / (2 * 30)
    between = d[:6, 6:].mean()
    assert between > 2 * within  # planted truth: cliques sit apart


def test_spectral_coords_are_laplacian_eigenvectors():
    from scipy.linalg import eigh

    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1, (12, 12))
    w = a + a.T
    np.fill_diagonal(w, 0)
    xy = spectral_coords(w)
    d = w.sum(axis=1)
    lap = np.diag(d) - w
    # random-walk eigenvectors solve L v = lambda D v (generalised problem)
    vals, vecs = eigh(lap, np.diag(d))
    for k in range(2):
        v = vecs[:, k + 1] - vecs[:, k + 1].mean()
        c = xy[:, k]
        cos = abs(v @ c) / np.linalg.norm(v) / np.linalg.norm(c)
        assert cos > 0.999


def test_fetcher_never_loses_a_request_for_a_page_being_prefetched():
    """A page queued as a prefetch and then requested, while both workers are busy: the
    free workers must not both make it (the delivery was lost that way)."""
    for _ in range(20):
        _one_prefetched_request()


def _one_prefetched_request():
    got, gate = [], threading.Event()
    f = LatestFetcher(lambda key, value, error: got.append(key), workers=2)
    try:
        f.request("busy-a", lambda: gate.wait(2))
        f.prefetch("busy-b", lambda: gate.wait(2))
        deadline = time.monotonic() + 5
        while f._busy < 2 and time.monotonic() < deadline:  # both workers held
            time.sleep(0.001)
        page = lambda: (time.sleep(0.03), "page")[1]  # noqa: E731 - long enough to overlap
        f.prefetch("page", page)
        f.request("page", page)
        gate.set()
        while "page" not in got and time.monotonic() < deadline:
            time.sleep(0.002)
        assert got.count("page") == 1
    finally:
        f.close()


def test_prefetches_wait_while_a_job_runs_and_requested_pages_do_not():
    """While ``neurodeck.jobs.activity`` says a job computes, prefetched pages are not made
    (the job gets the cores); the page on screen is made at once; the prefetch runs when
    the job ends."""
    from neurodeck.jobs import activity

    made, got = [], []
    f = LatestFetcher(lambda key, value, error: got.append(key), workers=2,
                      defer_prefetch=activity.busy)
    try:
        with activity.running():
            assert activity.busy()
            f.prefetch("next", lambda: made.append("next") or "next")
            f.request("shown", lambda: made.append("shown") or "shown")
            deadline = time.monotonic() + 5
            while "shown" not in got and time.monotonic() < deadline:
                time.sleep(0.002)
            time.sleep(0.6)  # two deferral re-checks
            assert made == ["shown"]
        assert not activity.busy()
        deadline = time.monotonic() + 5
        while "next" not in made and time.monotonic() < deadline:
            time.sleep(0.002)
        assert made == ["shown", "next"] and f.cached("next") == "next"
    finally:
        f.close()
