"""Graph measures against networkx (clustering, degrees, modularity) and planted truth."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import neurodeck
from neurodeck.data import Connectome


def _planted(seed: int = 0):
    rng = np.random.default_rng(seed)
    n, k = 30, 3
    truth = np.repeat(np.arange(k), n // k)
    same = truth[:, None] == truth[None]
    w = np.where(same, rng.random((n, n)) < 0.7, rng.random((n, n)) < 0.03)
    w = w * rng.integers(1, 10, (n, n))
    np.fill_diagonal(w, 0)
    return Connectome(w.astype(float), [f"n{i}" for i in range(n)]), truth


def _nx_graph(w: np.ndarray) -> nx.Graph:
    sym = w + w.T
    g = nx.Graph()
    g.add_nodes_from(range(len(w)))
    for i, j in zip(*np.nonzero(np.triu(sym, 1)), strict=True):
        g.add_edge(int(i), int(j), weight=float(sym[i, j]))
    return g


def test_measures_equal_networkx_and_planted_communities_are_found(neurodeck_plugins):
    cx, truth = _planted()
    res = neurodeck.run("graph", cx)
    w = cx.weights
    g = _nx_graph(w)
    np.testing.assert_allclose(res["clustering"], [nx.clustering(g, i) for i in range(30)],
                               atol=1e-12)
    np.testing.assert_array_equal(res["out_degree"], (w > 0).sum(1))
    np.testing.assert_array_equal(res["in_degree"], (w > 0).sum(0))
    np.testing.assert_allclose(res["out_strength"], w.sum(1))
    parts = [set(np.flatnonzero(res["communities"] == c).tolist())
             for c in range(int(res["n_communities"]))]
    q = nx.community.modularity(g, parts, weight="weight")
    assert float(res["modularity"]) == pytest.approx(q, abs=1e-12)
    # the planted blocks, up to the names of the communities
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(truth, res["communities"]) == pytest.approx(1.0)
    binary = neurodeck.run("graph", cx, weights="binary")
    np.testing.assert_array_equal(binary["out_strength"], (w > 0).sum(1))


def test_celegans_sample_runs_with_defaults(neurodeck_plugins):
    s = next(s for s in neurodeck_plugins.contributions("sample_data")
             if s.id == "celegans-connectome")
    cx = neurodeck.open(s.resolve_path())
    res = neurodeck.run("graph", cx)
    g = _nx_graph(cx.weights * (1 - np.eye(cx.n_nodes)))
    parts = [set(np.flatnonzero(res["communities"] == c).tolist())
             for c in range(int(res["n_communities"]))]
    assert float(res["modularity"]) == pytest.approx(
        nx.community.modularity(g, parts, weight="weight"), abs=1e-9)
    assert 0.3 < float(res["modularity"]) < 0.9 and 3 <= int(res["n_communities"]) < 60
    chem = neurodeck.run("graph", cx, layer="chemical")
    assert chem["out_degree"].sum() < res["out_degree"].sum()
    with pytest.raises(neurodeck.ParameterError, match="no layer 'gap'"):
        neurodeck.run("graph", cx, layer="gap")
