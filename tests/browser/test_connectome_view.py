"""The connectome view: heatmap + graph, search highlighting, layers, state."""

import json

import numpy as np
import pytest
from neurodeck_browser.connectome import ConnectomeView

from neurodeck.data import Connectome

pytestmark = pytest.mark.gui


def _cx():
    rng = np.random.default_rng(0)
    n = 12
    chem = (rng.uniform(size=(n, n)) < 0.3) * rng.integers(1, 9, (n, n))
    np.fill_diagonal(chem, 0)
    gap = np.zeros((n, n))
    gap[0, 1] = gap[1, 0] = 2
    labels = ["AVAL", "AVAR", "AVBL", "AVBR", "RIML", "RIMR", "AIBL", "AIBR", "ASHL",
              "ASHR", "RID", "DVA"]
    return Connectome(chem + gap, labels, layers={"chemical": chem, "electrical": gap})


def _open(qtbot, cx):
    view = ConnectomeView(cx)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    return view


def test_search_highlights_node_and_partners(qtbot):
    cx = _cx()
    view = _open(qtbot, cx)
    assert view.search("aval") == [0]  # exact match, case-insensitive
    w = cx.weights
    expected = sorted(set(np.flatnonzero(w[0]).tolist()) | set(np.flatnonzero(w[:, 0]).tolist()))
    assert view.partners([0]) == expected
    brushes = view.nodes.data["brush"]
    assert brushes[0].color().name() == "#d62728"
    assert all(brushes[k].color().name() == "#ff9f40" for k in expected if k != 0)
    # heatmap: one horizontal and one vertical line through AVAL's row/column
    lines = view._hi_lines
    assert sorted(line.value() for line in lines) == [0.5, 0.5]
    view.heatmap.set_clustered(True)
    pos = int(np.flatnonzero(view.heatmap.row_order == 0)[0]) + 0.5
    assert [line.value() for line in view._hi_lines] == [pos, pos]
    out_n, in_n = np.count_nonzero(w[0]), np.count_nonzero(w[:, 0])
    assert view.readout.text() == f"AVAL: {out_n} targets, {in_n} sources"
    assert view.search("AV") == [0, 1, 2, 3]  # substring when nothing matches exactly
    assert view.search("nope") == [] and "no node" in view.readout.text()


def test_layers_layouts_and_state(qtbot, tmp_path):
    cx = _cx()
    view = _open(qtbot, cx)
    view.set_layer("electrical")
    np.testing.assert_array_equal(view.heatmap.matrix, cx.layers["electrical"])
    view.set_layout("spectral")
    view.search("RID")
    state = json.loads(json.dumps(view.state()))
    assert state == {"layer": "electrical", "layout": "spectral", "highlighted": ["RID"],
                     "clustered": False}
    other = _open(qtbot, cx)
    other.restore_state(state)
    assert other.state() == state
    with pytest.raises(ValueError):
        view.set_layer("nope")
    rows, cols, values = view.values_table()
    np.testing.assert_array_equal(values, cx.layers["electrical"])
    assert view.export(tmp_path / "c.png").stat().st_size > 1000
    assert view.export(tmp_path / "c.svg").stat().st_size > 1000


def test_celegans_connectome_from_shared_data(qtbot, shared_data):
    import pandas as pd

    df = pd.read_csv(shared_data / "connectome" / "herm_full_edgelist.csv",
                     skipinitialspace=True)
    for col in ("Source", "Target", "Type"):
        df[col] = df[col].str.strip()
    names = sorted(set(df.Source) | set(df.Target))
    where = {n: i for i, n in enumerate(names)}
    w = np.zeros((len(names), len(names)))
    np.add.at(w, (df.Source.map(where).to_numpy(), df.Target.map(where).to_numpy()), df.Weight)
    view = _open(qtbot, Connectome(w, names))
    assert view.search("AVAL") == [names.index("AVAL")]
    assert np.isfinite(view.positions).all() and view.positions.shape == (448, 2)
