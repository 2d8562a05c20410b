"""tRSA reference settings against the authors' algorithm (Lin & Kriegeskorte 2024; code
github doerlbh/TopologicalRSA), re-derived here from the public libraries it calls
(scipy's rankdata/quantile, networkx's graph and Floyd-Warshall, scikit-learn's
NearestCentroid and accuracy_score), and rsatoolbox's geodesic transform.

Tolerance 1e-12 throughout (transforms are the same floating-point operations; accuracies
are fractions of integer counts).
"""

import h5py
import networkx as nx
import numpy as np
import pytest
from neurodeck_rsa import identification as ident
from neurodeck_rsa import topology
from neurodeck_rsa.rdm import to_vectors
from rsatoolbox.rdm import RDMs
from rsatoolbox.rdm.transform import geodesic_transform
from scipy.spatial.distance import squareform
from scipy.stats import rankdata
from sklearn.metrics import accuracy_score
from sklearn.neighbors import NearestCentroid

import neurodeck
from neurodeck import Result

TOL = 1e-12
# (l, u) pairs incl. the authors' grid offsets (u + 1e-5 on the diagonal) and the extremes
LUS = [(0.0, 1.0), (0.1, 0.5), (0.2, 0.8), (0.05, 0.3), (0.5, 0.50001), (0.3, 1.0),
       (0.9, 0.95001), (0.0, 0.05001)]


# -- the authors' algorithm, written from its description ---------------------------------
def ref_gt(v, lo_q, hi_q):
    """Ranks of one RDM min-max scaled, the l/u quantiles, a 0 / ramp / 1 split."""
    r = rankdata(v)
    x = (r - r.min()) / (r.max() - r.min())
    lo, hi = np.quantile(x, lo_q), np.quantile(x, hi_q)
    out = np.empty_like(x)
    mid = (x >= lo) & (x <= hi)
    out[x < lo] = 0.0
    with np.errstate(invalid="ignore"):  # 0/0 where the quantiles coincide (ties)
        out[mid] = (x[mid] - lo) / (hi - lo)
    out[x > hi] = 1.0
    return out


def ref_geodesic(gt, rank=True):
    """networkx graph of the min-max scaled matrix (zeros are no edge), weight-1 edges
    removed, Floyd-Warshall; ranked (authors) or not (rsatoolbox)."""
    x = (gt - gt.min()) / (gt.max() - gt.min())
    graph = nx.from_numpy_array(squareform(x))
    graph.remove_edges_from([(a, b) for a, b, w in graph.edges(data="weight") if w == 1])
    d = squareform(np.asarray(nx.floyd_warshall_numpy(graph)), checks=False)
    return rankdata(d) if rank else d


def ref_loo(x, groups, subjects):
    """Leave-one-subject-out NearestCentroid, accuracy over all test RDMs."""
    labels, preds = [], []
    for s in np.unique(subjects):
        test = subjects == s
        clf = NearestCentroid().fit(x[~test], groups[~test])
        labels += list(groups[test])
        preds += list(clf.predict(x[test]))
    return accuracy_score(labels, preds)


def ref_boot(x, groups, subjects, rows, stims):
    """One bootstrap sample: RDMs `rows` and stimuli `stims` (with replacement); pairs of
    a stimulus with its own copy dropped; the evaluation re-run."""
    ia, ib = np.triu_indices(stims.size, 1)
    keep = stims[ia] != stims[ib]
    sample = np.array([squareform(x[r])[stims[ia], stims[ib]][keep] for r in rows])
    return ref_loo(sample, groups[rows], subjects[rows])


def counts_of(rows, n):
    return np.bincount(rows, minlength=n).astype(float)


# -- data ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def random_set():
    """6 subjects x 3 regions of 20-condition RDMs: prototypes + noise, and a copy rounded
    to quarters (heavy ties, also at the minimum and maximum)."""
    rng = np.random.default_rng(7)
    protos = rng.random((3, 190))
    v = np.array([protos[g] + 2.5 * rng.random(190) for _ in range(6) for g in range(3)])
    groups = np.tile(np.arange(3), 6)
    subjects = np.repeat(np.arange(6), 3)
    return v, np.round(v * 4) / 4, groups, subjects


@pytest.fixture(scope="module")
def real_set(shared_data):
    """92-image data: 8 hIT fMRI RDMs (4 subjects x 2 sessions) and 6 behavioural RDMs
    (6 subjects) as two groups (sklearn takes ~40 ms per fold here: 10 folds)."""
    with h5py.File(shared_data / "rsa" / "rsa_92images.h5") as f:
        hit = to_vectors(f["brain_hIT_rdms"][()].astype(float))
        beh = to_vectors(f["behaviour_rdms"][()][:6].astype(float))
    v = np.vstack([hit, beh])
    groups = np.array([0] * 8 + [1] * 6)
    subjects = np.array([0, 0, 1, 1, 2, 2, 3, 3, *range(4, 10)])
    return v, groups, subjects


# -- transforms ----------------------------------------------------------------------------
def assert_gt_equal(ours, ref):
    """Equal to TOL; the one difference allowed: where an RDM's l- and u-quantiles
    coincide, the authors' ramp is 0/0 (NaN) at that value and ours is 0 (the step)."""
    bad = np.isnan(ref)
    np.testing.assert_allclose(ours[~bad], ref[~bad], atol=TOL, rtol=0)
    assert np.all(ours[bad] == 0.0)
    return bad.any()


@pytest.mark.parametrize("lu", LUS)
def test_gt_rank_equals_authors_random_and_tied(random_set, lu):
    v, tied, _, _ = random_set
    for data in (v, tied):
        ours = topology.gt_transform(data, *lu, scale="rank")
        ref = np.array([ref_gt(r, *lu) for r in data])
        if assert_gt_equal(ours, ref):
            # only where ties make the two quantiles one value
            x = topology.scaled_ranks(data)
            rows = np.isnan(ref).any(axis=1)
            np.testing.assert_array_equal(np.quantile(x[rows], lu[0], axis=1),
                                          np.quantile(x[rows], lu[1], axis=1))


def test_gt_rank_equals_authors_92_images(real_set):
    v = real_set[0]
    for lu in LUS:
        ours = topology.gt_transform(v, *lu, scale="rank")
        assert not assert_gt_equal(ours, np.array([ref_gt(r, *lu) for r in v]))


def test_scaled_ranks_map_tied_extremes_to_0_and_1_hand_derived():
    # ranks of [5, 5, 6, 9, 9] are [1.5, 1.5, 3, 4.5, 4.5]: min-max scaled 0, 0, 0.5, 1, 1
    np.testing.assert_allclose(topology.scaled_ranks([[5, 5, 6, 9, 9]])[0],
                               [0, 0, 0.5, 1, 1])


@pytest.mark.parametrize("lu", LUS)
def test_geodesic_reference_equals_networkx_floyd_warshall_ranked(random_set, lu):
    v, tied, _, _ = random_set
    for data in (v, tied):
        gt = topology.gt_transform(data, *lu, scale="rank")
        ours = topology.geodesic(gt, method="reference")
        ref = np.array([ref_geodesic(g) for g in gt])
        np.testing.assert_allclose(ours, ref, atol=TOL, rtol=0)


def test_geodesic_reference_equals_networkx_92_images(real_set):
    v = real_set[0][[0, 1, 8, 9]]
    for lu in [(0.1, 0.5), (0.0, 0.05001), (0.4, 0.6)]:
        gt = topology.gt_transform(v, *lu, scale="rank")
        ours = topology.geodesic(gt, method="reference")
        np.testing.assert_allclose(ours, [ref_geodesic(g) for g in gt], atol=TOL, rtol=0)


def test_geodesic_reference_drops_zero_edges_hand_derived():
    # pairs (01, 02, 03, 12, 13, 23); d01 = 0 (below l) has no edge in networkx, so the
    # identical pair 0-1 is reached through 2 (0.5 + 0.5); 0-3 and 1-3 only via 2
    m = np.ones((4, 4))
    np.fill_diagonal(m, 0)
    m[0, 1] = m[1, 0] = 0.0
    m[0, 2] = m[2, 0] = m[1, 2] = m[2, 1] = m[2, 3] = m[3, 2] = 0.5
    raw = topology.geodesic(to_vectors(m), method="rsatoolbox")[0]
    np.testing.assert_allclose(raw, [1.0, 0.5, 1.0, 0.5, 1.0, 0.5])
    ours = topology.geodesic(to_vectors(m), method="zero_edges")[0]
    np.testing.assert_allclose(ours, [0.0, 0.5, 1.0, 0.5, 1.0, 0.5])
    ranked = topology.geodesic(to_vectors(m), method="reference")[0]
    np.testing.assert_allclose(ranked, rankdata(raw))


def test_geodesic_rsatoolbox_equals_rsatoolbox_with_disconnected_pairs(random_set):
    v = random_set[0]
    gt = topology.gt_transform(v[:4], 0.05, 0.1, scale="rank")  # few edges: disconnected
    ours = topology.geodesic(gt, method="rsatoolbox")
    ref = geodesic_transform(RDMs(gt.copy())).get_vectors()  # it writes into its input
    assert np.isinf(ours).any() and np.isfinite(ours).any()  # rsatoolbox keeps inf
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(ours[fin], ref[fin], atol=TOL, rtol=0)
    np.testing.assert_allclose(ours, [ref_geodesic(g, rank=False) for g in gt],
                               atol=TOL, rtol=0)


# -- identification -----------------------------------------------------------------------
def _pred_acc(x, groups, subjects, counts=None, w=None):
    pred = ident.predict(x, groups, subjects, groups.max() + 1, classifier="euclidean",
                         counts=counts, w=w, min_groups=2 if counts is not None else 1)
    return ident.accuracy(pred, groups, subjects, counts, pooled=True)


@pytest.mark.parametrize("geo", [False, True])
def test_euclidean_identification_equals_nearest_centroid(random_set, real_set, geo):
    v, tied, groups, subjects = random_set
    cases = [(v, groups, subjects, LUS), (tied, groups, subjects, LUS),
             (*real_set, [(0.0, 0.05001), (0.3, 1.0), (0.9, 0.95001)])]
    n_diff = n_cmp = 0
    for x, g, s, lus in cases:
        for lu in lus:
            t = topology.gt_transform(x, *lu, scale="rank")
            if geo:
                t = topology.geodesic(t, method="reference")
            try:
                ref = ref_loo(t, g, s)
            except ValueError:  # every feature constant: NearestCentroid refuses (ties)
                assert np.ptp(t, axis=0).max() == 0
                continue
            ours = _pred_acc(t, g, s)
            assert abs(ours - ref) <= TOL, (lu, ours, ref)
            n_diff += ours != 1.0
            n_cmp += 1
    assert n_cmp >= 15 and n_diff > 3  # the cases are not all trivially perfect


def test_reference_bootstrap_equals_resampled_nearest_centroid(random_set, real_set):
    rng = np.random.default_rng(3)
    v, tied, groups, subjects = random_set
    for x, g, s, n_cond, n_samples in [(v, groups, subjects, 20, 25),
                                       (tied, groups, subjects, 20, 10),
                                       (*real_set, 92, 4)]:
        t = topology.gt_transform(x, 0.1, 0.6, scale="rank")
        accs = []
        for _ in range(n_samples):
            rows = rng.integers(0, x.shape[0], x.shape[0])
            stims = rng.integers(0, n_cond, n_cond)
            if np.unique(g[rows]).size < 2:
                continue
            try:
                ref = ref_boot(t, g, s, rows, stims)
            except ValueError:  # a fold with one class: NearestCentroid refuses it
                continue
            from neurodeck_rsa.inference import pair_weights

            ours = _pred_acc(t, g, s, counts_of(rows, x.shape[0]),
                             pair_weights(stims, n_cond))
            assert abs(ours - ref) <= TOL
            accs.append(ours)
        assert len(accs) >= n_samples // 2 and np.ptp(accs) > 0


def test_correlation_bootstrap_equals_expanded_vectors(random_set):
    # the pair-weighted Gram route equals correlation nearest centroid on expanded copies
    v, _, groups, subjects = random_set
    rng = np.random.default_rng(5)
    for _ in range(10):
        pick = rng.integers(0, 6, 6)
        rows = np.concatenate([np.nonzero(subjects == p)[0] for p in pick])
        stims = rng.integers(0, 20, 20)
        ia, ib = np.triu_indices(20, 1)
        keep = stims[ia] != stims[ib]
        x = np.array([squareform(v[r])[stims[ia], stims[ib]][keep] for r in rows])
        g, s = groups[rows], subjects[rows]
        expected = []
        for subj in np.unique(s):
            test = s == subj
            cents = np.array([x[~test & (g == k)].mean(axis=0) for k in range(3)])
            r = np.corrcoef(np.vstack([x[test], cents]))[:test.sum(), test.sum():]
            expected.append(np.mean(np.argmax(r, axis=1) == g[test]))
        from neurodeck_rsa.inference import pair_weights

        counts = counts_of(rows, v.shape[0])
        pred = ident.predict(v, groups, subjects, 3, counts=counts,
                             w=pair_weights(stims, 20), min_groups=2)
        # per-subject accuracy: copies of a subject are one subject, counted with weight
        hits = np.bincount(subjects, weights=(pred == groups) * counts, minlength=6)
        n = np.bincount(subjects, weights=counts, minlength=6)
        ours = [hits[u] / n[u] for u in np.unique(s)]
        np.testing.assert_allclose(ours, expected, atol=TOL)


def test_trsa_reference_settings_through_run(random_set, neurodeck_plugins):
    v, _, groups, subjects = random_set
    res_in = Result({"rdms": v, "rdm_groups": groups.astype(str),
                     "rdm_subjects": subjects.astype(str)}, {"analysis": "rsa"})
    res = neurodeck.run("trsa", res_in, grid=5, scale="rank", geodesic="reference",
                        identify="euclidean", evaluate="rgdm", bootstrap="reference",
                        n_bootstrap=20)
    steps = np.linspace(0, 1, 5)
    for a, lo in enumerate(steps):
        for b, hi in enumerate(steps):
            if lo >= hi:
                continue
            gd = np.array([ref_geodesic(ref_gt(r, lo, hi)) for r in v])
            assert abs(res["accuracy"][a, b] - ref_loo(gd, groups, subjects)) <= TOL
    np.testing.assert_allclose(res["rgdm"][0][np.triu_indices(20, 1)],
                               ref_geodesic(ref_gt(v[0], 0.1, 0.5)), atol=TOL)
