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


def _padded_traces():
    """Three animals: two of 200 frames share neurons a0..a7; the third is 320 frames
    long and shares only a0..a3, so frames 200-319 have data from one animal only; a
    fourth, 400 frames long, has neurons of its own that min_animals=2 drops, so
    frames 320-399 are padding in every animal kept."""
    rng = np.random.default_rng(0)
    walk = lambda n, t: rng.standard_normal((n, t)).cumsum(1)  # noqa: E731
    labels = [f"a{i}" for i in range(8)]
    arrays = [walk(8, 200), walk(8, 200), walk(4, 320), walk(5, 400)]
    labs = [labels, labels, labels[:4], [f"z{i}" for i in range(5)]]
    names = ["2022-07-26-31 SWF702 reFed", "2022-07-26-38 SWF702 reFed",
             "2022-07-27-31 SWF702 reFed", "2022-05-02-01 SWF415 patchEncounter"]
    return neurodeck.Traces(arrays, labs, 1.0, animals=names, name="padded")


def test_time_course_does_not_draw_padding(qtbot):
    """Frames no animal recorded are NaN in the result and not drawn; frames only some
    animals recorded are shaded. Before the fix the curve ran on to frame 400 with the
    fit's random start values."""
    from neurodeck_ntf.view import NtfView

    res = neurodeck.run("ntf", _padded_traces(), rank=[1, 2], n_restarts=1, min_animals=2,
                        max_iter=50)
    tf = res["time_factors"]
    assert res["observed"].shape == (4, 400)
    # The 5-frame derivative window also blanks the 2 frames before an animal's padding.
    assert np.isnan(tf[:, 318:]).all() and np.isfinite(tf[:, :318]).all()
    view = NtfView(res)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    x, y = view.time_curve.getData()
    assert np.isfinite(y).sum() == 318 and x[np.isfinite(y)].max() == 317
    shaded = [item for item in view.time_plot.items()
              if hasattr(item, "getRegion") and "of 3 animals" in (item.toolTip() or "")]
    assert len(shaded) == 1 and shaded[0].getRegion()[0] >= 197  # frames 198-317


def test_animal_names_do_not_overlap(qtbot):
    """Long animal names are elided or thinned to the spacing of the bars (before the
    fix the full names were drawn on top of each other)."""
    from neurodeck_ntf.view import NtfView, category_ticks
    from PySide6 import QtGui

    res = neurodeck.run("ntf", _padded_traces(), rank=[1, 2], n_restarts=1, min_animals=2,
                        max_iter=20)
    view = NtfView(res)
    qtbot.addWidget(view)
    for width in (1100, 700):
        view.resize(width, 700)
        view.show()
        qtbot.wait(50)
        axis = view.animal_plot.getAxis("bottom")
        metrics = QtGui.QFontMetrics(axis.style.get("tickFont") or view.animal_plot.font())
        vb = view.animal_plot.getViewBox()
        (x0, x1), px = vb.viewRange()[0], vb.sceneBoundingRect().width()
        slot = px / (x1 - x0)
        ticks = view.animal_ticks
        assert ticks and all(t[1] for t in ticks)
        assert len({t for _, t in ticks}) == len(ticks)  # never two bars named alike
        for (i, a), (j, b) in zip(ticks, ticks[1:], strict=False):
            # Half of each label on either side of its bar must fit between the bars.
            room = (j - i) * slot
            assert (metrics.horizontalAdvance(a) + metrics.horizontalAdvance(b)) / 2 < room
    # The rule by hand (7 px a character, 8 px padding): "alph…" needs 35 + 8 px, so
    # 10-px slots label every 5th category; 100-px slots fit every name whole.
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    width, cut = (lambda t: 7.0 * len(t)), (lambda t, px: t[: int(px // 7)])
    assert [i for i, _ in category_ticks(names, 10.0, width, cut)] == [0, 5]
    assert category_ticks(names, 100.0, width, cut) == list(enumerate(names))
    # Names that elide to the same text are numbered instead.
    same = ["2022-07-26-31 reFed", "2022-07-26-38 reFed"]
    assert category_ticks(same, 60.0, width, cut) == [(0, "1"), (1, "2")]
