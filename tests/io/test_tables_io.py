"""Traces and spikes readers/writers against h5py, numpy, scipy.io and pynwb directly."""

from datetime import UTC, datetime

import h5py
import numpy as np
import pytest
import scipy.io

import neurodeck
from neurodeck import ReadError
from neurodeck.plugin_api.lazy import resolve

CEL = "calcium/celegans_wholebrain_dag2023.h5"


def _writer(pm, wid):
    return resolve(next(w for w in pm.contributions("writers") if w.id == wid).write)


def test_celegans_opens_as_one_multi_animal_traces(shared_data, neurodeck_plugins):
    tr = neurodeck.open(shared_data / CEL)
    with h5py.File(shared_data / CEL) as f:
        groups = list(f)
        assert tr.animals == groups and tr.n_animals == 9
        # Identified neurons carry their NeuroPAL name; unidentified ones stay per animal.
        g = f["2022-07-26-31"]
        names = [b.decode() for b in g["neuron_label"][:]]
        k = tr.animals.index("2022-07-26-31")
        assert tr.animal_labels[k] == [n or f"2022-07-26-31#{i}" for i, n in enumerate(names)]
        np.testing.assert_array_equal(tr.arrays[k], g["traces_F_over_F20"][:])
        rate = g.attrs["sampling_rate_hz"]
        assert tr.sfreq == pytest.approx(rate, rel=1e-6)
        # Alignment by name: AVAL's row in every labelled animal is that animal's AVAL trace.
        cube, labels = tr.aligned()
        j = labels.index("AVAL")
        for a, animal in enumerate(tr.animals):
            lab = [b.decode() for b in f[animal]["neuron_label"][:]] if \
                "neuron_label" in f[animal] else []
            if "AVAL" in lab:
                ref = f[animal]["traces_F_over_F20"][lab.index("AVAL")]
                np.testing.assert_array_equal(cube[a, j, : ref.size], ref)
            else:
                assert np.isnan(cube[a, j]).all()
    # The 1.357 Hz animal is put on the common 1.667 Hz grid by linear interpolation.
    assert set(tr.meta["resampled"]) == {"2022-01-16-01"}


def test_celegans_explicit_key_and_no_resampling(shared_data, neurodeck_plugins):
    path = shared_data / CEL
    with pytest.raises(ReadError, match="different sampling rates"):
        neurodeck.open(path, resample=False)
    tr = neurodeck.open(path, data_key="traces_raw", animals="2022-07-26-31,2022-07-27-31")
    with h5py.File(path) as f:
        np.testing.assert_array_equal(tr.arrays[1], f["2022-07-27-31/traces_raw"][:])
    assert "resampled" not in tr.meta


def test_dataset_per_animal_group(shared_data, neurodeck_plugins):
    path = shared_data / "fmri" / "rest_roi_timeseries_aal2.h5"
    with pytest.raises(ReadError, match="candidates are") as err:
        neurodeck.open(path)
    assert "hcp/101309" in str(err.value)
    tr = neurodeck.open(path, data_key="gw", sfreq=0.5)
    with h5py.File(path) as f:
        assert tr.animals == list(f["gw"])
        assert tr.labels == [s.decode() for s in f["region_names"][:]]
        np.testing.assert_array_equal(tr.arrays[0], f["gw/NAP_001"][:])


def test_csr_spikes_npz(shared_data, neurodeck_plugins):
    path = shared_data / "spikes" / "rat_hippocampus_tetrode_units.npz"
    sp = neurodeck.open(path)
    z = np.load(path)
    assert sp.kind == "spikes" and sp.unit_names == [str(u) for u in z["unit_id"]]
    for k in range(len(z["unit_ptr"]) - 1):
        ref = np.sort(z["spike_times_s"][z["unit_ptr"][k]:z["unit_ptr"][k + 1]])
        np.testing.assert_array_equal(sp.unit(k), ref)
    assert sp.duration == float(z["recording_length_s"])


def test_multi_recording_spikes_and_ambiguous_npz(shared_data, neurodeck_plugins):
    aplysia = neurodeck.open(shared_data / "spikes" / "aplysia_pedal_ganglion_spikes.npz",
                             recording="Jun0214da02")
    z = np.load(shared_data / "spikes" / "aplysia_pedal_ganglion_spikes.npz")
    r = list(z["recording_names"]).index("Jun0214da02")
    sel = np.flatnonzero(z["unit_recording"] == r)
    assert aplysia.n_units == sel.size
    assert aplysia.spike_times.size == sum(z["unit_ptr"][k + 1] - z["unit_ptr"][k] for k in sel)
    path = shared_data / "spikes" / "grasshopper_auditory_receptor.npz"
    with pytest.raises(ReadError, match="spike_times_s_1"):
        neurodeck.open(path)
    sp = neurodeck.open(path, spikes_key="spike_times_s_1,spike_times_s_2")
    np.testing.assert_array_equal(sp.unit(1), np.sort(np.load(path)["spike_times_s_2"]))


def test_describe_layout_lists_candidates(shared_data):
    from neurodeck_tables import describe_layout

    lay = describe_layout(shared_data / "spikes" / "grasshopper_auditory_receptor.npz")
    roles = {a.key: a.role for a in lay.arrays.values()}
    assert roles["spike_times_s_1"] == "spike_times" and roles["stimulus_fs_hz"] == "scalar"
    assert lay.arrays["stimulus_1"].shape == (200000,)


def test_matlab_v5_and_v73(tmp_path, neurodeck_plugins):
    rng = np.random.default_rng(1)
    data = rng.normal(size=(4, 300))
    names = ["AVA", "AVB", "RIM", "SMD"]
    v5 = tmp_path / "traces.mat"
    scipy.io.savemat(v5, {"dff": data, "names": np.array(names, dtype=object), "fs": 2.5})
    tr = neurodeck.open(v5)
    np.testing.assert_allclose(tr.data, data)
    assert tr.labels == names and tr.sfreq == 2.5
    # v7.3: HDF5 behind a 512-byte MATLAB header, arrays stored transposed (column-major).
    v73 = tmp_path / "traces73.mat"
    with h5py.File(v73, "w", userblock_size=512) as f:
        ds = f.create_dataset("activity", data=data.T.copy())  # MATLAB 4x300 -> h5 300x4
        ds.attrs["MATLAB_class"] = np.bytes_("double")
        f.create_dataset("fs", data=np.array([[10.0]])).attrs["MATLAB_class"] = b"double"
    with open(v73, "r+b") as fh:
        fh.write(b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(116))
    # The header above is "MATLAB 7.3": mark the 5.0 text MATLAB writes in v7.3 files.
    with open(v73, "r+b") as fh:
        fh.write(b"MATLAB 5.0 MAT-file, Platform: GLNXA64, Created by neurodeck test")
    tr73 = neurodeck.open(v73)
    np.testing.assert_allclose(tr73.data, data)
    assert tr73.sfreq == 10.0


def test_orientation_and_square_arrays(tmp_path, neurodeck_plugins):
    data = np.arange(36.0).reshape(6, 6)
    path = tmp_path / "sq.npz"
    np.savez(path, x=data)
    with pytest.raises(ReadError, match="orientation"):
        neurodeck.open(path)
    tr = neurodeck.open(path, orientation="time_x_neurons", sfreq=3)
    np.testing.assert_array_equal(tr.data, data.T)


def _tiny_nwb(path):
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.ophys import DfOverF, ImageSegmentation, OpticalChannel, RoiResponseSeries

    nwb = NWBFile(session_description="t", identifier="t",
                  session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
    dev = nwb.create_device(name="scope")
    plane = nwb.create_imaging_plane(
        name="plane", optical_channel=OpticalChannel(name="g", description="g",
                                                     emission_lambda=510.0),
        description="p", device=dev, excitation_lambda=920.0, indicator="GCaMP6s",
        location="head", imaging_rate=4.0)
    mod = nwb.create_processing_module(name="ophys", description="o")
    seg = ImageSegmentation()
    mod.add(seg)
    ps = seg.create_plane_segmentation(name="ps", description="p", imaging_plane=plane)
    ps.add_column("neuron_label", "label")
    for i, lab in enumerate(["AVAL", "AVAR", "RIML"]):
        ps.add_roi(pixel_mask=[(i, i, 1.0)], neuron_label=lab)
    data = np.random.default_rng(2).normal(size=(50, 3))
    rrs = RoiResponseSeries(name="dff", data=data, unit="a.u.", rate=4.0,
                            rois=ps.create_roi_table_region(region=[0, 1, 2], description="a"))
    mod.add(DfOverF(roi_response_series=rrs))
    nwb.add_unit(spike_times=[0.5, 1.25, 3.0])
    nwb.add_unit(spike_times=[2.0])
    nwb.add_trial_column("condition", "c")
    nwb.add_trial(start_time=1.0, stop_time=2.0, condition="odor")
    nwb.add_trial(start_time=5.0, stop_time=6.5, condition="buffer")
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return data


def test_nwb_reader(tmp_path, neurodeck_plugins):
    path = tmp_path / "tiny.nwb"
    data = _tiny_nwb(path)
    traces, units = neurodeck.open(path)
    np.testing.assert_array_equal(traces.data, data.T)
    assert traces.labels == ["AVAL", "AVAR", "RIML"] and traces.sfreq == 4.0
    assert list(traces.events) == [(1.0, 1.0, "odor"), (5.0, 1.5, "buffer")]
    np.testing.assert_array_equal(units.unit(0), [0.5, 1.25, 3.0])
    assert units.n_units == 2


def test_writers_round_trip(tmp_path, neurodeck_plugins):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(3, 40)), rng.normal(size=(2, 40))
    ev = neurodeck.Events([1.0], [2.0], ["food"])
    multi = neurodeck.Traces([a, b], [["AVA", "RIM", "x"], ["AVA", "y"]], 2.0,
                             animals=["w1", "w2"], events=ev)
    pm = neurodeck_plugins
    _writer(pm, "traces-hdf5")(multi, tmp_path / "m.h5")
    back = neurodeck.open(tmp_path / "m.h5")
    assert back.animals == ["w1", "w2"] and back.animal_labels == multi.animal_labels
    np.testing.assert_array_equal(back.arrays[1], b)
    assert list(back.events) == [(1.0, 2.0, "food")] and back.sfreq == 2.0
    one = multi.animal(0)
    _writer(pm, "nwb")(one, tmp_path / "one.nwb")
    nwb = neurodeck.open(tmp_path / "one.nwb")
    np.testing.assert_allclose(nwb.data, a)
    assert nwb.labels == ["AVA", "RIM", "x"] and list(nwb.events) == [(1.0, 2.0, "food")]
    with pytest.raises(ValueError, match="2 animals"):
        _writer(pm, "nwb")(multi, tmp_path / "multi.nwb")
    assert not (tmp_path / "multi.nwb").exists()
    sp = neurodeck.SpikeTrains([np.array([0.1, 0.4]), np.array([0.2])], ["u1", "u2"], 1.0)
    for wid, ext in (("traces-hdf5", ".h5"), ("nwb", ".nwb")):
        _writer(pm, wid)(sp, tmp_path / f"sp{ext}")
        got = neurodeck.open(tmp_path / f"sp{ext}")
        got = got[-1] if isinstance(got, list) else got
        assert got.unit_names == ["u1", "u2"]
        np.testing.assert_array_equal(got.spike_times, sp.spike_times)
    _writer(pm, "traces-csv")(one, tmp_path / "one.csv")
    np.testing.assert_allclose(neurodeck.open(tmp_path / "one.csv").data, a, rtol=1e-8)


def test_result_writers(tmp_path, neurodeck_plugins):
    import csv

    res = neurodeck.Result({"m": np.eye(2), "regions": np.array(["a", "b"])},
                           {"analysis": "x"})
    _writer(neurodeck_plugins, "result-csv")(res, tmp_path / "r.csv")
    rows = list(csv.reader((tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()))
    assert rows[0] == ["array", "index", "value"] and ["m", "1;1", "1.0"] in rows
    assert ["regions", "1", "b"] in rows
    _writer(neurodeck_plugins, "result-hdf5")(res, tmp_path / "r.h5")
    np.testing.assert_array_equal(neurodeck.open(tmp_path / "r.h5")["m"], np.eye(2))


def test_csv_spike_table(tmp_path, neurodeck_plugins):
    path = tmp_path / "spikes.csv"
    path.write_text("unit,spike_time\nA,0.5\nB,0.25\nA,0.1\n")
    sp = neurodeck.open(path)
    assert sp.unit_names == ["A", "B"]
    np.testing.assert_array_equal(sp.unit(0), [0.1, 0.5])
