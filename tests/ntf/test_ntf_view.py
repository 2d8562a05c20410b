"""The NTF views build from a real result, react to a neuron click and export PNGs."""

import numpy as np
from neurodeck_ntf.synthetic import planted_traces

import neurodeck
from neurodeck.data import Events


def test_views_build_highlight_and_export(qtbot, tmp_path):
    from neurodeck_ntf.view import NtfView, RankView

    traces, truth = planted_traces(n_neurons=18, n_animals=3, n_times=300, seed=3)
    lo, hi = truth.intervals[0]
    traces._events = Events.from_lists([lo / traces.sfreq], [(hi - lo) / traces.sfreq],
                                       ["stimulus"])
    res = neurodeck.run("ntf", traces, rank=[1, 2, 3, 4], n_restarts=2)
    view = NtfView(res)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    view.set_component(1)
    view.highlight(4)
    assert view.neuron_box.currentText() == res["neuron_labels"][4]
    assert view.graph.scatter.data["size"][4] > view.graph.scatter.data["size"][0]
    # Force-directed layout (not a circle): the component's core community (the one
    # with the strongest affinities) sits tighter than its distance to the rest.
    pos = view.pos.copy()
    radius = np.linalg.norm(pos - pos.mean(0), axis=1)
    assert radius.std() > 0.05 * radius.mean()
    comm = res["communities"][1]
    strength = res["affinity"][1].sum(1)
    core = comm == max(set(comm[comm >= 0]), key=lambda c: strength[comm == c].mean())
    dist = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
    inside = dist[np.ix_(core, core)][~np.eye(core.sum(), dtype=bool)]
    assert inside.mean() < 0.7 * dist[np.ix_(core, ~core)].mean()
    view.set_component(0)
    view.set_component(1)
    assert np.array_equal(view.pos, pos)
    rows, cols, values = view.values_table()
    comm = res["communities"][1]
    assert np.all(np.diff(np.where(comm[view.order] < 0, 99, comm[view.order])) >= 0)
    assert values.shape == (18, 18)
    png = view.export(tmp_path / "components.png")
    assert png.stat().st_size > 10_000
    rank_view = RankView(res)
    qtbot.addWidget(rank_view)
    rank_view.resize(600, 500)
    assert rank_view.export(tmp_path / "ranks.png").stat().st_size > 5_000
    assert rank_view.values_table()[2].shape == (4, 4)
