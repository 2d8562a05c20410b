"""The Qt-free data model: typed constructors, alignment, binning, validation."""

import numpy as np
import pytest

import neurodeck
from neurodeck import Connectome, Events, Patterns, RoiTimeSeries, SpikeTrains, Traces


def test_traces_single_animal_window_and_picks():
    data = np.arange(20, dtype=float).reshape(4, 5)
    tr = Traces(data, ["a", "b", "c", "d"], sfreq=10.0)
    assert tr.kind == "traces" and tr.is_a("timeseries")
    assert tr.n_rows == 4 and tr.n_times == 5 and tr.duration == pytest.approx(0.5)
    np.testing.assert_array_equal(tr.get_data(1, 3, picks=[2, 0]), data[[2, 0], 1:3])
    np.testing.assert_array_equal(tr.data, data)


def test_traces_several_animals_aligned_by_label_with_missing_as_nan():
    a1 = np.ones((2, 3))
    a2 = np.full((2, 4), 2.0)
    tr = Traces([a1, a2], [["AVAL", "RIM"], ["RIM", "SMDV"]], sfreq=1.0, animals=["w1", "w2"])
    arr, labels = tr.aligned()
    assert labels == ["AVAL", "RIM", "SMDV"]
    assert arr.shape == (2, 3, 4)
    assert np.all(arr[0, 0, :3] == 1) and np.all(np.isnan(arr[0, 0, 3:]))  # padded in time
    assert np.all(np.isnan(arr[0, 2]))  # SMDV missing in w1
    assert np.all(arr[1, 1] == 2) and np.all(np.isnan(arr[1, 0]))  # RIM row of w2; no AVAL
    with pytest.raises(ValueError, match="2 animals"):
        _ = tr.data
    assert tr.animal("w2").labels == ["RIM", "SMDV"]


def test_bad_shapes_and_rates_are_errors():
    with pytest.raises(ValueError, match="2-D"):
        Traces(np.zeros(5), sfreq=1.0)
    with pytest.raises(ValueError, match="labels"):
        Traces(np.zeros((2, 5)), ["only-one"], 1.0)
    with pytest.raises(ValueError, match="needs its sampling rate: pass sfreq"):
        Traces(np.zeros((2, 5)))  # never a silent 1 Hz
    with pytest.raises(ValueError, match="repetition time: pass tr"):
        RoiTimeSeries(np.zeros((3, 10)))
    with pytest.raises(ValueError, match="positive"):
        Traces(np.zeros((2, 5)), sfreq=0)
    with pytest.raises(ValueError, match="TR"):
        RoiTimeSeries(np.zeros((3, 10)), tr=-1)


def test_roi_timeseries_tr_and_regions():
    roi = RoiTimeSeries(np.random.default_rng(0).normal(size=(3, 50)), ["A", "B", "C"], tr=2.0,
                        atlas="AAL2")
    assert roi.sfreq == 0.5 and roi.regions == ["A", "B", "C"]
    assert roi.summary()["atlas"] == "AAL2" and roi.duration == 100.0


def test_spike_trains_both_layouts_and_binning_by_hand():
    per_unit = SpikeTrains([[0.05, 0.15, 0.16], [0.95]], ["u1", "u2"], duration=1.0)
    flat = SpikeTrains([0.15, 0.05, 0.95, 0.16], ["u1", "u1", "u2", "u1"], duration=1.0)
    for st in (per_unit, flat):
        assert st.labels == ["u1", "u2"]
        counts = st.binned(0.1)
        assert counts.shape == (2, 10)
        # u1: one spike in [0, .1), two in [.1, .2); u2: one in [.9, 1.0)
        assert counts[0].tolist() == [1, 2, 0, 0, 0, 0, 0, 0, 0, 0]
        assert counts[1].tolist() == [0] * 9 + [1]
    with pytest.raises(ValueError, match="shorter"):
        SpikeTrains([[2.0]], duration=1.0)


def test_patterns_and_connectome_validation():
    p = Patterns(np.zeros((6, 4)), ["a", "b", "c"] * 2, runs=[0, 0, 0, 1, 1, 1])
    assert p.unique_conditions() == ["a", "b", "c"] and p.summary()["runs"] == 2
    with pytest.raises(ValueError, match="one value per observation"):
        Patterns(np.zeros((6, 4)), ["a"] * 5)
    w = np.array([[0, 2.0], [0, 0]])
    c = Connectome(w, ["AVA", "AVB"])
    assert c.directed and c.n_edges == 1
    with pytest.raises(ValueError, match="square"):
        Connectome(np.zeros((2, 3)))


def test_events_window():
    ev = Events.from_lists([1.0, 5.0, 9.0], [1.0, 0.0, 2.0], ["T1", "T0", "T2"])
    assert len(ev.in_window(4.0, 8.0)) == 1
    assert ev.unique_labels() == ["T0", "T1", "T2"]


def test_top_level_exports_the_public_api():
    for name in ("open", "run", "analyses", "plugins", "Traces", "Patterns", "SpikeTrains",
                 "RoiTimeSeries", "Connectome", "Recording", "Result"):
        assert hasattr(neurodeck, name)
