"""tRSA transforms (rsatoolbox parity + hand-derived deviations) and the 92-image data."""

import h5py
import numpy as np
import pytest
from neurodeck_rsa import topology
from neurodeck_rsa.rdm import to_vectors
from rsatoolbox.inference import eval_fixed
from rsatoolbox.model import ModelFixed
from rsatoolbox.rdm import RDMs
from rsatoolbox.rdm.transform import geodesic_transform, geotopological_transform

import neurodeck
from neurodeck import Result

TOL = 1e-10


def test_gt_pooled_raw_matches_rsatoolbox():
    rng = np.random.default_rng(0)
    v = 1.0 + 5 * rng.random((3, 28))  # upper quantile > 1: see the next test
    ours = topology.gt_transform(v, 0.2, 0.7, scale="raw", pooled=True)
    ref = geotopological_transform(RDMs(v), 0.2, 0.7).get_vectors()
    np.testing.assert_allclose(ours, ref, atol=TOL, rtol=0)


def test_gt_ramp_is_not_clipped_by_the_raw_upper_value_hand_derived():
    # rsatoolbox rescales the middle band in place and then sets values above the raw
    # upper quantile to 1, so when that quantile is below 1 part of the ramp jumps to 1.
    v = np.array([[0.0, 0.1, 0.2, 0.3, 0.4]])
    ours = topology.gt_transform(v, 0.0, 0.75, scale="raw")  # q0 = 0, q0.75 = 0.3
    np.testing.assert_allclose(ours[0], [0, 1 / 3, 2 / 3, 1, 1])
    ref = geotopological_transform(RDMs(v), 0.0, 0.75).get_vectors()[0]
    np.testing.assert_allclose(ref, [0, 1, 1, 1, 1])  # 1/3 and 2/3 are above 0.3


def test_gt_per_rdm_quantiles_hand_derived():
    # two RDMs on different scales: per-RDM quantiles make their GT identical
    a = np.array([[1.0, 2, 3, 4, 5, 6]])
    v = np.vstack([a, 10 * a])
    per = topology.gt_transform(v, 0.2, 0.8, scale="raw")
    # quantiles of 1..6 (linear): q0.2 = 2, q0.8 = 5 -> (x - 2) / 3 clipped
    np.testing.assert_allclose(per[0], [0, 0, 1 / 3, 2 / 3, 1, 1])
    np.testing.assert_allclose(per[1], per[0])
    pooled = topology.gt_transform(v, 0.2, 0.8, scale="raw", pooled=True)
    assert not np.allclose(pooled[0], pooled[1])  # rsatoolbox's pooling mixes scales


def test_gt_rank_vs_raw_hand_derived():
    v = np.array([[0.0, 1, 2, 3, 100]])  # one huge dissimilarity
    raw = topology.gt_transform(v, 0.0, 1.0, scale="raw")
    ranked = topology.gt_transform(v, 0.0, 1.0, scale="rank")
    np.testing.assert_allclose(raw[0], [0, 0.01, 0.02, 0.03, 1])  # linear in values
    np.testing.assert_allclose(ranked[0], [0, 0.25, 0.5, 0.75, 1])  # linear in ranks


def test_geodesic_keeps_zero_weight_edges_hand_derived():
    # 4 conditions on a line: d(0,1) = 0 (below l), d(1,2) = .5, d(2,3) = .5, others long (1)
    m = np.ones((4, 4))
    np.fill_diagonal(m, 0)
    m[0, 1] = m[1, 0] = 0.0
    m[1, 2] = m[2, 1] = m[2, 3] = m[3, 2] = 0.5
    v = to_vectors(m)
    ours = topology.geodesic(v, method="zero_edges")[0]
    # pairs (01, 02, 03, 12, 13, 23): 0 stays 0; 0->2 via 1 = .5; 0->3 = 1; 1->3 = 1
    np.testing.assert_allclose(ours, [0, 0.5, 1.0, 0.5, 1.0, 0.5], atol=1e-12)
    ref = geodesic_transform(RDMs(v)).get_vectors()[0]
    assert ref[0] > 0  # networkx drops the weight-0 edge: the identical pair drifts apart
    # pairs not involving the zero edge agree with rsatoolbox
    np.testing.assert_allclose(ours[[3, 4, 5]], ref[[3, 4, 5]], atol=TOL)


def test_geodesic_disconnected_value_hand_derived():
    m = np.ones((4, 4))
    np.fill_diagonal(m, 0)
    m[0, 1] = m[1, 0] = 0.2
    m[2, 3] = m[3, 2] = 0.3  # two components {0,1} and {2,3}
    out = topology.geodesic(to_vectors(m), method="zero_edges")[0]
    np.testing.assert_allclose(out, [0.2, 1, 1, 1, 1, 0.3])  # max(1, largest finite)
    nan = topology.geodesic(to_vectors(m), disconnected="nan", method="zero_edges")[0]
    assert np.isnan(nan[1:5]).all() and np.all(np.isfinite(nan[[0, 5]]))


def test_identification_planted_groups(neurodeck_plugins):
    rng = np.random.default_rng(1)
    n = 10
    protos = rng.random((2, n * (n - 1) // 2))
    rdms, groups, subjects = [], [], []
    for s in range(5):
        for g in range(2):
            rdms.append(protos[g] + 0.2 * rng.random(protos.shape[1]))
            groups.append(f"roi{g}")
            subjects.append(f"s{s}")
    res_in = Result({"rdms": np.array(rdms), "rdm_groups": np.array(groups),
                     "rdm_subjects": np.array(subjects)}, {"analysis": "rsa"})
    res = neurodeck.run("trsa", res_in, grid=3, n_bootstrap=100)
    assert res["rgtm"].shape == res["rgdm"].shape == (10, n, n)
    acc = res["accuracy"]
    assert acc.shape == (3, 3) and np.isnan(acc[2, 0])  # l > u is not evaluated
    assert acc[0, 2] == 1.0  # GT(0, 1) keeps the geometry: clean prototypes are found
    ok = np.isfinite(acc)
    assert np.all(res["accuracy_ci"][0][ok] <= acc[ok] + 1e-12)
    assert np.all(res["accuracy_ci"][1][ok] >= acc[ok] - 1e-12)


@pytest.fixture
def hit(shared_data):
    with h5py.File(shared_data / "rsa" / "rsa_92images.h5") as f:
        return (f["brain_hIT_rdms"][()].astype(float), f["model_rdms"][()].astype(float),
                [x.decode() for x in f["model_names"][()]])


@pytest.mark.parametrize("method", ["corr", "spearman", "tau-a"])
def test_92_images_model_ranking_and_noise_ceiling(hit, tmp_path, neurodeck_plugins, method):
    brain, models, names = hit
    path = tmp_path / "models.h5"
    with h5py.File(path, "w") as f:
        f["model_rdms"] = models
        f["model_names"] = np.array(names, dtype=object)
    data = Result({"rdms": brain}, {"analysis": "rsa"}, name="hIT")
    ours = neurodeck.run("rsa", data, models=str(path), compare=method, bootstrap="fixed")
    fixed = [ModelFixed(n, RDMs(to_vectors(m)[None]))
             for n, m in zip(names, models, strict=True)]
    ref = eval_fixed(fixed, RDMs(to_vectors(brain)), method=method)
    ref_means = ref.get_means()
    np.testing.assert_allclose(ours["model_mean"], ref_means, atol=TOL, rtol=0)
    np.testing.assert_allclose(ours["noise_ceiling"], np.ravel(ref.noise_ceiling), atol=TOL)
    assert list(np.argsort(-ours["model_mean"])) == list(np.argsort(-ref_means))
    assert ours["model_mean"].max() < ours["noise_ceiling"][1]
