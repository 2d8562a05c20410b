"""Each EEG/MEG transform equals calling MNE directly with the same parameters.

Arrays to 1e-12 V (the whole recording, which the lazy transforms compute with MNE's own
call on the loaded data, is bit-equal in practice); windows read on their own equal the same
samples of the whole output to 1e-12 V; event and epoch counts and drop logs exactly. The
input is never modified.
"""

from __future__ import annotations

import mne
import numpy as np
import pytest
from neurodeck_mne.lazy import is_lazy, materialize

import neurodeck
from neurodeck.errors import Cancelled, ParameterError
from neurodeck.jobs.progress import Progress

from .conftest import T, assert_windows_match, mne_motor

ATOL = 1e-12  # volts: 1e-6 uV


def _unchanged(rec, before_data, before_state, before_info):
    np.testing.assert_array_equal(rec.get_data(), before_data)
    assert rec.edit_state() == before_state
    assert rec.raw.info["highpass"] == before_info["highpass"]
    assert rec.raw.info["custom_ref_applied"] == before_info["custom_ref_applied"]
    assert not rec.raw.preload, "the input was loaded in place"


@pytest.mark.parametrize("params, mne_kw", [
    ({"l_freq": 1.0, "h_freq": 40.0}, {"l_freq": 1.0, "h_freq": 40.0}),
    ({"l_freq": 0.5}, {"l_freq": 0.5, "h_freq": None}),
    ({"h_freq": 30.0, "h_trans_bandwidth": "5"}, {"l_freq": None, "h_freq": 30.0,
                                                  "h_trans_bandwidth": 5.0}),
    ({"l_freq": 1.0, "h_freq": 30.0, "method": "iir"},
     {"l_freq": 1.0, "h_freq": 30.0, "method": "iir",
      "iir_params": {"order": 4, "ftype": "butter"}}),
    ({"l_freq": 2.0, "h_freq": 20.0, "phase": "minimum"},
     {"l_freq": 2.0, "h_freq": 20.0, "phase": "minimum"}),
])
def test_filter_equals_mne_and_is_lazy(rec, motor_edf, params, mne_kw):
    before = (rec.get_data(), rec.edit_state(), dict(rec.raw.info))
    out = T("filter", rec, **params)
    assert is_lazy(out.raw) and not out.raw.preload  # lazy: nothing computed yet
    ref = mne_motor(motor_edf).filter(**mne_kw, verbose="error")
    whole = out.get_data()
    np.testing.assert_allclose(whole, ref.get_data(), rtol=0, atol=ATOL)
    np.testing.assert_array_equal(materialize(out.raw).get_data(), ref.get_data())
    assert_windows_match(out, whole, atol=ATOL)
    assert out.raw.info["highpass"] == ref.info["highpass"]
    assert out.raw.info["lowpass"] == ref.info["lowpass"]
    _unchanged(rec, *before)


def test_filter_respects_edge_annotations_like_mne(tmp_path, motor_edf):
    """Concatenated recordings are filtered piece by piece between EDGE annotations (MNE's
    skip_by_annotation); windows across the boundary equal MNE's whole-recording filter."""
    a = mne.io.read_raw_edf(motor_edf, preload=True, verbose="error").crop(0, 40)
    b = mne.io.read_raw_edf(motor_edf, preload=True, verbose="error").crop(60, 100)
    both = mne.concatenate_raws([a, b], verbose="error")
    path = tmp_path / "joined_raw.fif"
    both.save(path, verbose="error")
    rec = neurodeck.open(path)
    assert any(d.startswith("EDGE") or d.startswith("BAD boundary")
               for d in rec.raw.annotations.description)
    out = T("filter", rec, l_freq=1.0, h_freq=30.0)
    ref = mne.io.read_raw_fif(path, preload=True, verbose="error").filter(1.0, 30.0,
                                                                          verbose="error")
    whole = out.get_data()
    np.testing.assert_allclose(whole, ref.get_data(), rtol=0, atol=ATOL)
    edge = a.n_times
    np.testing.assert_allclose(out.get_data(edge - 300, edge + 300),
                               ref.get_data(start=edge - 300, stop=edge + 300),
                               rtol=0, atol=ATOL)


def test_notch_with_harmonics_equals_mne(rec, motor_edf):
    out = T("notch", rec, freqs="20", harmonics=2)  # 20, 40, 60 Hz (Nyquist 80)
    ref = mne_motor(motor_edf).notch_filter([20.0, 40.0, 60.0], verbose="error")
    whole = out.get_data()
    np.testing.assert_allclose(whole, ref.get_data(), rtol=0, atol=ATOL)
    assert_windows_match(out, whole, atol=ATOL)
    with pytest.raises(ParameterError, match="Nyquist"):
        T("notch", rec, freqs="50", harmonics=1)  # 100 Hz > 80 Hz


def test_filter_notch_reference_chain_is_fused_and_exact(rec, motor_edf, montaged):
    chain = T("rereference", T("notch", T("filter", montaged, l_freq=1.0, h_freq=70.0),
                               freqs="60"), ref_channels="average")
    ref = mne_motor(motor_edf, montage=True)
    ref.filter(1.0, 70.0, verbose="error").notch_filter([60.0], verbose="error")
    ref.set_eeg_reference("average", verbose="error")
    np.testing.assert_array_equal(materialize(chain.raw).get_data(), ref.get_data())
    whole = chain.get_data()
    assert_windows_match(chain, whole, atol=ATOL)
    assert chain.raw.info["custom_ref_applied"] == ref.info["custom_ref_applied"]
    # Windows of a few channels: the reference is applied before the (fused) filters, as
    # one convolution per channel shown; the same numbers to 1e-12 V.
    steps = [chain.raw._step, chain.raw._step.source._step]
    assert steps[0].affine is not None and steps[1].kernel is not None
    assert len(steps[1].lti()[2]) == 2  # notch and filter fused into one kernel
    for a, b in ((8000, 9600), (0, 400), (19_700, 20_000)):  # inside, and at both ends
        np.testing.assert_allclose(chain.get_data(a, b, [3, 10, 40]), whole[[3, 10, 40], a:b],
                                   rtol=0, atol=ATOL)


def test_materialize_reports_progress_and_stops_when_cancelled(rec):
    out = T("filter", T("filter", rec, l_freq=1.0), h_freq=30.0)
    seen = []
    progress = Progress(lambda f, m: seen.append((f, m)))
    materialize(out.raw, progress)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert any("channels" in m for _, m in seen)
    stop = Progress()
    stop.add_listener(lambda f, m: stop.cancel() if f > 0.3 else None)
    with pytest.raises(Cancelled):
        materialize(out.raw, stop)
    assert not out.raw.preload


@pytest.mark.parametrize("params, call", [
    ({"ref_channels": "average"}, ("set_eeg_reference", {"ref_channels": "average"})),
    ({"ref_channels": "T9, T10"}, ("set_eeg_reference", {"ref_channels": ["T9", "T10"]})),
])
def test_rereference_equals_mne(montaged, motor_edf, params, call):
    out = T("rereference", montaged, **params)
    ref = mne_motor(motor_edf, montage=True)
    getattr(ref, call[0])(**call[1], verbose="error")
    whole = out.get_data()
    np.testing.assert_allclose(whole, ref.get_data(), rtol=0, atol=ATOL)
    assert_windows_match(out, whole, atol=ATOL)


def test_bipolar_reference_equals_mne(montaged, motor_edf):
    out = T("rereference", montaged, anode="Fp1, F3", cathode="F3, C3")
    ref = mne.set_bipolar_reference(mne_motor(motor_edf, montage=True), ["Fp1", "F3"],
                                    ["F3", "C3"], verbose="error")
    assert out.labels == ref.ch_names
    whole = out.get_data()
    np.testing.assert_allclose(whole, ref.get_data(), rtol=0, atol=ATOL)
    assert_windows_match(out, whole, atol=ATOL)


def test_interpolate_bads_equals_mne(montaged, motor_edf):
    montaged.bads = ["C3", "Cz", "P4"]
    out = T("interpolate-bads", montaged)
    ref = mne_motor(motor_edf, montage=True)
    ref.info["bads"] = ["C3", "Cz", "P4"]
    ref.interpolate_bads(verbose="error")
    whole = out.get_data()
    np.testing.assert_allclose(whole, ref.get_data(), rtol=0, atol=ATOL)
    assert_windows_match(out, whole, atol=ATOL)
    assert out.bads == [] and montaged.bads == ["C3", "Cz", "P4"]


def test_resample_crop_pick_and_types_equal_mne(rec, motor_edf):
    res = T("resample", rec, sfreq=100.0)
    ref = mne_motor(motor_edf).resample(100.0, verbose="error")
    np.testing.assert_allclose(res.get_data(), ref.get_data(), rtol=0, atol=ATOL)
    assert res.sfreq == 100.0 and len(res.raw.annotations) == len(ref.annotations)

    crop = T("crop", rec, tmin=10.0, tmax=20.0)
    ref = mne_motor(motor_edf).crop(10.0, 20.0)
    np.testing.assert_array_equal(crop.get_data(), ref.get_data())
    assert not crop.raw.preload and len(crop.raw.annotations) == len(ref.annotations)

    two = [rec.labels[0], rec.labels[9]]  # "Fc5.", "C3.." (EDF names padded with dots)
    picked = T("pick", rec, picks=", ".join(two), exclude=None)
    assert picked.labels == two
    np.testing.assert_array_equal(picked.get_data(), mne_motor(motor_edf).pick(two).get_data())
    dropped = T("pick", rec, picks="all", exclude=", ".join(two))
    assert len(dropped.labels) == 62 and two[1] not in dropped.labels

    typed = T("set-channel-types", rec, mapping="Fp1.=eog, Fp2.=eog")
    assert "Fp1." in rec.labels
    assert typed.row_types.count("eog") == 2 and rec.row_types.count("eog") == 0
    np.testing.assert_array_equal(typed.get_data(), rec.get_data())


def test_crop_of_a_lazy_filter_and_filter_of_a_crop(rec, motor_edf):
    out = T("crop", T("filter", rec, l_freq=1.0, h_freq=30.0), tmin=20.0, tmax=50.0)
    ref = mne_motor(motor_edf).filter(1.0, 30.0, verbose="error").crop(20.0, 50.0)
    np.testing.assert_allclose(out.get_data(), ref.get_data(), rtol=0, atol=ATOL)
    out = T("filter", T("crop", rec, tmin=20.0, tmax=50.0), l_freq=1.0, h_freq=30.0)
    ref = mne_motor(motor_edf).crop(20.0, 50.0).filter(1.0, 30.0, verbose="error")
    np.testing.assert_allclose(out.get_data(), ref.get_data(), rtol=0, atol=ATOL)


def test_set_montage_standard_and_file(rec, motor_edf, tmp_path):
    out = T("set-montage", rec, montage="standard_1005", standardize=True)
    ref = mne_motor(motor_edf, montage=True)
    assert out.labels == ref.ch_names
    for a, b in zip(out.raw.info["chs"], ref.info["chs"], strict=True):
        np.testing.assert_allclose(a["loc"][:3], b["loc"][:3], atol=1e-12)
    assert all(np.isnan(ch["loc"][:3]).all() for ch in rec.raw.info["chs"])  # input untouched
    # A positions file (x y z in metres, one channel a line: MNE's .xyz reader).
    chosen = ref.ch_names[:5]
    lines = [f"{i + 1}\t{ref.info['chs'][i]['loc'][0]:.6f}\t{ref.info['chs'][i]['loc'][1]:.6f}"
             f"\t{ref.info['chs'][i]['loc'][2]:.6f}\t{name}" for i, name in enumerate(chosen)]
    path = tmp_path / "five.xyz"
    path.write_text("\n".join(lines) + "\n")
    picked = T("pick", out, picks=", ".join(chosen))
    pos = T("set-montage", picked, montage="file", fname=str(path))
    ref5 = ref.copy().pick(chosen).set_montage(mne.channels.read_custom_montage(path))
    for a, b in zip(pos.raw.info["chs"], ref5.info["chs"], strict=True):
        np.testing.assert_allclose(a["loc"][:3], b["loc"][:3], atol=1e-12)


# -- events --------------------------------------------------------------------------------
def test_events_from_the_bdf_status_channel(eeg_dir):
    path = eeg_dir / "mne_testdata_biosemi_test.bdf"
    rec = neurodeck.open(path)
    out = T("events", rec, source="stim", stim_channel="Status", rename="128=target")
    raw = mne.io.read_raw_bdf(path, verbose="error")
    ref = mne.find_events(raw, stim_channel="Status", verbose="error")
    events, ids = mne.events_from_annotations(out.raw, verbose="error")
    assert ids == {"target": 1} and len(events) == len(ref) == 1
    np.testing.assert_array_equal(events[:, 0], ref[:, 0])
    assert "target" in list(out.events.label) and len(rec.events) == len(raw.annotations)
    ep = T("epochs", out, tmin=-0.1, tmax=0.2, baseline="none", event_id="target=128")
    mep = mne.Epochs(raw, ref, {"target": 128}, tmin=-0.1, tmax=0.2, baseline=None,
                     preload=True, verbose="error")
    assert ep.mne_epochs.drop_log == mep.drop_log
    np.testing.assert_array_equal(ep.mne_epochs.events, mep.events)
    np.testing.assert_allclose(ep.data, mep.get_data(), rtol=0, atol=ATOL)


def test_stim_events_with_first_samp_and_meas_date(tmp_path):
    """Events from a trigger channel keep their samples exactly through the annotations,
    also when the recording starts at a sample other than 0 (cropped FIF) with a date."""
    rng = np.random.default_rng(3)
    info = mne.create_info(["a", "b", "STI 014"], 250.0, ["eeg", "eeg", "stim"])
    x = np.zeros((3, 25_000))
    x[:2] = rng.normal(size=(2, 25_000)) * 1e-5
    onsets = np.sort(rng.choice(np.arange(2_000, 24_000), 40, replace=False))
    x[2, onsets] = rng.integers(1, 4, size=40)
    raw = mne.io.RawArray(x, info, verbose="error")
    raw.set_meas_date(1.6e9)
    raw.crop(3.0)  # first_samp = 750
    path = tmp_path / "trig_raw.fif"
    raw.save(path, verbose="error")
    rec = neurodeck.open(path)
    assert rec.raw.first_samp == 750
    out = T("events", rec, source="stim", rename="1=left, 2=right, 3=left")  # 3 merged
    ref = mne.find_events(mne.io.read_raw_fif(path, verbose="error"), verbose="error")
    events, ids = mne.events_from_annotations(out.raw, verbose="error")
    np.testing.assert_array_equal(events[:, 0], ref[:, 0])
    names = {v: k for k, v in ids.items()}
    got = [names[c] for c in events[:, 2]]
    want = ["right" if c == 2 else "left" for c in ref[:, 2]]
    assert got == want and set(ids) == {"left", "right"}
    with pytest.raises(ParameterError, match="no event code 7"):
        T("events", rec, source="stim", rename="7=x")


def test_fixed_events_and_annotation_renames(rec, motor_edf):
    fixed = T("events", rec, source="fixed", duration=5.0, fixed_name="win")
    ref = mne.make_fixed_length_events(mne_motor(motor_edf), duration=5.0)
    ev, ids = mne.events_from_annotations(fixed.raw, event_id={"win": 1}, verbose="error")
    np.testing.assert_array_equal(ev[:, 0], ref[:, 0])
    merged = T("events", rec, source="annotations", rename="T1=move, T2=move")
    labels = list(merged.events.label)
    assert labels.count("move") == 15 and "T1" not in labels and labels.count("T0") == 15
    assert list(rec.events.label).count("T1") == 8  # the input keeps its names
    with pytest.raises(ParameterError, match="no annotation named T9"):
        T("events", rec, source="annotations", rename="T9=x")


# -- epochs and averages ----------------------------------------------------------------------
@pytest.mark.parametrize("params, mne_kw", [
    ({"event_id": "T1, T2", "tmin": -0.2, "tmax": 0.5, "reject": "eeg=200e-6"},
     {"tmin": -0.2, "tmax": 0.5, "reject": {"eeg": 200e-6}}),
    ({"tmin": -0.5, "tmax": 1.0, "baseline": "-0.5, -0.1", "detrend": "1", "decim": 2},
     {"tmin": -0.5, "tmax": 1.0, "baseline": (-0.5, -0.1), "detrend": 1, "decim": 2}),
    ({"tmin": 0.0, "tmax": 0.3, "baseline": "none", "flat": "eeg=1e-5"},
     {"tmin": 0.0, "tmax": 0.3, "baseline": None, "flat": {"eeg": 1e-5}}),
])
def test_epochs_equal_mne_with_drop_logs(rec, motor_edf, params, mne_kw):
    out = T("epochs", T("filter", rec, l_freq=1.0, h_freq=40.0), **params)
    raw = mne_motor(motor_edf).filter(1.0, 40.0, verbose="error")
    events, ids = mne.events_from_annotations(raw, verbose="error")
    if params.get("event_id"):
        ids = {k: ids[k] for k in ("T1", "T2")}
    ref = mne.Epochs(raw, events, ids, preload=True, verbose="error", **mne_kw)
    assert len(out.mne_epochs) == len(ref) and out.n_epochs == len(ref)
    assert out.mne_epochs.drop_log == ref.drop_log
    np.testing.assert_array_equal(out.mne_epochs.events, ref.events)
    np.testing.assert_allclose(out.data, ref.get_data(), rtol=0, atol=ATOL)
    assert list(out.conditions) == [{v: k for k, v in ids.items()}[c] for c in ref.events[:, 2]]


def test_epochs_reject_by_bad_annotations_and_metadata(rec, motor_edf):
    onset = float(rec.events.onset[3])
    with rec.editing("Mark bad span"):
        ev = rec.events
        rec.set_events(type(ev)(np.r_[ev.onset, onset - 0.1], np.r_[ev.duration, 0.5],
                                [*ev.label, "BAD_blink"]))
    out = T("epochs", rec, tmin=-0.2, tmax=0.5, metadata=True)
    raw = mne_motor(motor_edf)
    raw.set_annotations(raw.annotations + mne.Annotations([onset - 0.1], [0.5], ["BAD_blink"],
                                                          orig_time=raw.annotations.orig_time))
    events, ids = mne.events_from_annotations(raw, verbose="error")
    meta, _, _ = mne.epochs.make_metadata(events, ids, tmin=-0.2, tmax=0.5,
                                          sfreq=raw.info["sfreq"])
    ref = mne.Epochs(raw, events, ids, tmin=-0.2, tmax=0.5, preload=True, metadata=meta,
                     verbose="error")
    assert out.mne_epochs.drop_log == ref.drop_log
    assert any("BAD_blink" in log for log in ref.drop_log)
    assert list(out.mne_epochs.metadata.columns) == list(ref.metadata.columns)
    assert out.mne_epochs.metadata["event_name"].tolist() == ref.metadata["event_name"].tolist()


def test_epochs_of_a_lazy_chain_read_epoch_by_epoch_or_whole(rec, motor_edf):
    """Few short epochs are read one by one (windowed); many are cut from the chain
    computed whole: both equal MNE."""
    lazy = T("filter", rec, l_freq=1.0, h_freq=30.0)
    raw = mne_motor(motor_edf).filter(1.0, 30.0, verbose="error")
    events, ids = mne.events_from_annotations(raw, verbose="error")
    few = T("epochs", lazy, event_id="T1", tmin=0.0, tmax=0.1, baseline="none")
    many = T("epochs", lazy, tmin=-1.0, tmax=3.0, baseline="none")
    assert not lazy.raw.preload
    for out, keep, span in ((few, ["T1"], (0.0, 0.1)), (many, list(ids), (-1.0, 3.0))):
        ref = mne.Epochs(raw, events, {k: ids[k] for k in keep}, tmin=span[0], tmax=span[1],
                         baseline=None, preload=True, verbose="error")
        assert out.mne_epochs.drop_log == ref.drop_log
        np.testing.assert_allclose(out.data, ref.get_data(), rtol=0, atol=ATOL)


def test_average_per_condition_equals_mne(rec, motor_edf):
    ep = T("epochs", rec, tmin=-0.2, tmax=0.5)
    av = T("average", ep)
    ref = ep.mne_epochs.average(by_event_type=True)
    assert av.conditions == [e.comment for e in ref] == ["T0", "T1", "T2"]
    for a, b in zip(av.evokeds, ref, strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=0, atol=ATOL)
        assert a.nave == b.nave
    med = T("average", ep, method="median", by_event_type=False)
    np.testing.assert_allclose(med.evokeds[0].data, ep.mne_epochs.average(
        method="median").data, rtol=0, atol=ATOL)


def test_transform_errors_are_the_users_terms(rec):
    with pytest.raises(ParameterError, match="l_freq"):
        T("filter", rec)
    with pytest.raises(ParameterError, match="tmax"):
        T("epochs", rec, tmin=0.5, tmax=0.1)
    with pytest.raises(ParameterError, match="reject"):
        T("epochs", rec, reject="eeg=abc")
    with pytest.raises(ParameterError, match="baseline"):
        T("epochs", rec, baseline="0.2, 0.1")
