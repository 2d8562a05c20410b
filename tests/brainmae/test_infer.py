"""Segmenting, masking and the baselines of the inference pipeline."""

from __future__ import annotations

import numpy as np
import pytest
from neurodeck_brainmae.infer import (
    mask_passes,
    n_masked,
    nearest_in_time,
    normalise,
    run_scan,
    segment_starts,
)
from neurodeck_brainmae.model_np import NumpyBrainMAE


@pytest.mark.parametrize("t", [15, 29, 30, 1200, 1203])
def test_segments_cover_every_frame(t):
    starts = segment_starts(t, 15)
    covered = np.zeros(t, dtype=int)
    for s in starts:
        covered[s:s + 15] += 1
    assert covered.min() >= 1 and starts[-1] + 15 == t
    assert np.all(np.diff(starts[:-1]) == 15)


@pytest.mark.parametrize(("n", "ratio"), [(94, 0.5), (94, 0.3), (10, 0.95), (10, 0.01)])
def test_mask_passes_hide_every_region_with_exact_counts(n, ratio):
    m = n_masked(n, ratio)
    vis = mask_passes(7, n, ratio, np.random.default_rng(0))
    assert vis.shape[0] == -(-n // m)
    assert np.all((~vis).sum(-1) == m)  # exactly m hidden in each pass and segment
    assert np.all((~vis).any(0))  # every region hidden at least once per segment
    assert 1 <= m <= n - 2


def test_nearest_in_time_by_hand():
    # One region, 3 segments of 2 frames; hidden in the middle segment.
    z = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]])
    vis = np.ones((1, 3, 3), dtype=bool)
    vis[0, 1, 0] = False
    starts = np.array([0, 2, 4])
    pred = nearest_in_time(z, vis, starts, 2)
    # frame 2 is nearest frame 1 (value 2); frame 3 is nearest frame 4 (value 5)
    np.testing.assert_allclose(pred[0, 2:4], [2.0, 5.0])
    # a tie (equal distance) goes to the earlier frame
    vis2 = np.ones((1, 3, 3), dtype=bool)
    vis2[0, 1:, 0] = False
    z2 = z.copy()
    np.testing.assert_allclose(nearest_in_time(z2, vis2, starts, 2)[0, 2:], [2, 2, 2, 2])


def test_normalise_is_per_region_zscore():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 50)) * [[1], [10], [100], [0.1]] + 9000
    z, mean, std = normalise(x)
    np.testing.assert_allclose(z.mean(1), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(1), 1, atol=1e-5)
    np.testing.assert_allclose(mean, x.mean(1))


def test_run_scan_reports_consistent_errors_and_units(tiny, make_weights):
    model = NumpyBrainMAE(tiny, make_weights(tiny))
    rng = np.random.default_rng(0)
    data = 500 + 20 * rng.standard_normal((12, 53))
    res = run_scan(model, data, 0.5, np.random.default_rng(1))
    assert res.reconstruction.shape == data.shape
    # errors are MSEs in z units of the masked reconstruction
    np.testing.assert_allclose(res.error, ((res.reconstruction_z - res.z) ** 2).mean(1))
    z_back = (res.reconstruction - data.mean(1, keepdims=True)) / data.std(1, keepdims=True)
    np.testing.assert_allclose(z_back, res.reconstruction_z, atol=1e-9)
    np.testing.assert_allclose(res.error_mean, 1.0, atol=1e-5)  # scan mean in z units is 0
    assert res.segment_embeddings.shape == (len(segment_starts(53, 5)), 16)
    np.testing.assert_allclose(res.embedding, res.segment_embeddings.mean(0), atol=1e-6)


def test_same_seed_same_everything_and_embeddings_do_not_depend_on_the_mask(tiny,
                                                                            make_weights):
    model = NumpyBrainMAE(tiny, make_weights(tiny))
    data = np.random.default_rng(0).standard_normal((12, 40))
    a = run_scan(model, data, 0.5, np.random.default_rng(7))
    b = run_scan(model, data, 0.5, np.random.default_rng(7))
    c = run_scan(model, data, 0.3, np.random.default_rng(8))
    np.testing.assert_array_equal(a.reconstruction, b.reconstruction)
    np.testing.assert_array_equal(a.embedding, b.embedding)
    np.testing.assert_array_equal(a.embedding, c.embedding)
    assert not np.array_equal(a.reconstruction, c.reconstruction)
