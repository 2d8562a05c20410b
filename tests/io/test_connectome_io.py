"""Connectome readers against an independent pandas construction of the c302 tables."""

import numpy as np
import pandas as pd
import pytest

import neurodeck
from neurodeck import ReadError


def _reference(df, src, dst, w, typ):
    names = list(dict.fromkeys(list(zip(df[src], df[dst], strict=True)) and
                               [x for pair in zip(df[src], df[dst], strict=True) for x in pair]))
    idx = {n: i for i, n in enumerate(names)}
    layers = {}
    for kind, sub in df.groupby(typ):
        m = np.zeros((len(names), len(names)))
        np.add.at(m, (sub[src].map(idx).to_numpy(), sub[dst].map(idx).to_numpy()),
                  sub[w].to_numpy(float))
        layers[kind] = np.maximum(m, m.T) if kind == "electrical" else m
    return names, layers


@pytest.mark.parametrize("name, sep, cols", [
    ("herm_full_edgelist.csv", ",", ("Source", "Target", "Weight", "Type")),
    ("aconnectome_white_1986_whole.csv", "\t", ("pre", "post", "synapses", "type")),
])
def test_celegans_tables(shared_data, neurodeck_plugins, name, sep, cols):
    path = shared_data / "connectome" / name
    con = neurodeck.open(path)
    df = pd.read_csv(path, sep=sep, skipinitialspace=True)
    for c in (cols[0], cols[1], cols[3]):
        df[c] = df[c].str.strip()
    names, layers = _reference(df, *cols)
    assert con.labels == names and sorted(con.layers) == ["chemical", "electrical"]
    for k, m in layers.items():
        np.testing.assert_array_equal(con.layers[k], m)
    np.testing.assert_array_equal(con.weights, layers["chemical"] + layers["electrical"])
    assert np.array_equal(con.layers["electrical"], con.layers["electrical"].T)
    assert con.directed


def test_adjacency_csv_and_npy(tmp_path, neurodeck_plugins):
    w = np.array([[0, 2, 0], [1, 0, 3], [0, 0, 0]], float)
    path = tmp_path / "net.csv"
    path.write_text(",A,B,C\n" + "\n".join(
        f"{n}," + ",".join(str(x) for x in row) for n, row in zip("ABC", w, strict=True)))
    con = neurodeck.open(path)
    assert con.kind == "connectome" and con.labels == ["A", "B", "C"]
    np.testing.assert_array_equal(con.weights, w)
    npy = tmp_path / "adjacency.npy"
    np.save(npy, w)
    np.testing.assert_array_equal(neurodeck.open(npy).weights, w)
    np.save(tmp_path / "plain.npy", w)
    assert neurodeck.open(tmp_path / "plain.npy", sfreq=1.0).kind == "traces"  # not claimed


def test_bad_edge_list(tmp_path, neurodeck_plugins):
    path = tmp_path / "edges.csv"
    path.write_text("source,target,weight\nA,B,x\n")
    with pytest.raises(ReadError, match="edges.csv.*not a number"):
        neurodeck.open(path)
