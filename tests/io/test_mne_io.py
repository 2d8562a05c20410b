"""MNE readers and writers against mne.io directly, on the shared recordings."""

import mne
import numpy as np
import pytest

import neurodeck
from neurodeck import ReadError


@pytest.mark.parametrize("rel, reader", [
    ("eeg/eegmmidb_S001R03.edf", mne.io.read_raw_edf),
    ("eeg/mne_testdata_biosemi_test.bdf", mne.io.read_raw_bdf),
    ("eeg/mne_testdata_brainvision/test.vhdr", mne.io.read_raw_brainvision),
    ("eeg/phyaat_emotiv14_16s_raw.fif", mne.io.read_raw_fif),
])
def test_raw_formats_match_mne(shared_data, neurodeck_plugins, rel, reader):
    path = shared_data / rel
    rec = neurodeck.open(path)
    assert rec.kind == "recording" and not rec.raw.preload  # lazy
    ref = reader(path, preload=True, verbose="error")
    assert rec.labels == ref.ch_names and rec.sfreq == ref.info["sfreq"]
    assert rec.row_types == ref.get_channel_types()
    stop = min(ref.n_times, 500)
    np.testing.assert_array_equal(rec.get_data(0, stop), ref.get_data(start=0, stop=stop))
    np.testing.assert_allclose(rec.events.onset,
                               ref.annotations.onset - ref.first_time, atol=1e-9)
    assert rec.events.label == list(ref.annotations.description)


def test_bads_annotations_and_fif_round_trip(shared_data, neurodeck_plugins, tmp_path):
    rec = neurodeck.open(shared_data / "eeg" / "phyaat_emotiv14_16s_raw.fif")
    rec.bads = ["F7", "O1"]
    rec.set_events(neurodeck.Events([1.0, 5.5], [0.5, 0.0], ["blink", "tone"]))
    pm = neurodeck_plugins
    writer = next(w for w in pm.contributions("writers") if w.id == "mne-fif")
    from neurodeck.plugin_api.lazy import resolve

    out = tmp_path / "copy.fif"
    resolve(writer.write)(rec, out)
    assert [p.name for p in tmp_path.iterdir()] == ["copy.fif"]  # no temporary left
    back = neurodeck.open(out)
    ref = mne.io.read_raw_fif(out, verbose="error")
    assert back.bads == ["F7", "O1"] == ref.info["bads"]
    np.testing.assert_allclose(back.events.onset, [1.0, 5.5], atol=1 / 128)
    assert back.events.label == ["blink", "tone"]
    np.testing.assert_array_equal(back.get_data(), rec.get_data())


@pytest.mark.parametrize("ext, tol", [(".edf", 0.05e-6), (".vhdr", 0.15e-6)])
def test_export_edf_and_brainvision(shared_data, neurodeck_plugins, tmp_path, ext, tol):
    from neurodeck.plugin_api.lazy import resolve

    rec = neurodeck.open(shared_data / "eeg" / "phyaat_emotiv14_16s_raw.fif")
    rec.set_events(neurodeck.Events([2.0], [1.0], ["stim"]))
    writer = next(w for w in neurodeck_plugins.contributions("writers")
                  if ext in w.extensions and "recording" in w.accepts)
    out = tmp_path / f"exported{ext}"
    resolve(writer.write)(rec, out)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    back = neurodeck.open(out)
    # EDF is 16-bit per channel range, BrainVision 0.1 uV resolution: tolerances in volts.
    np.testing.assert_allclose(back.get_data(), rec.get_data(), atol=tol)
    # BrainVision stores a marker type: MNE reads it back as "Comment/stim".
    assert [lab.split("/")[-1] for lab in back.events.label] == ["stim"]


def test_epochs_fif(shared_data, neurodeck_plugins, tmp_path):
    raw = mne.io.read_raw_edf(shared_data / "eeg" / "eegmmidb_S001R03.edf", preload=True,
                              verbose="error")
    events, ids = mne.events_from_annotations(raw, verbose="error")
    ep = mne.Epochs(raw, events, ids, tmin=-0.2, tmax=0.5, baseline=None, verbose="error")
    path = tmp_path / "s1-epo.fif"
    ep.save(path, verbose="error")
    got = neurodeck.open(path)
    ref = mne.read_epochs(path, verbose="error")
    assert got.kind == "epochs" and got.n_epochs == len(ref)
    np.testing.assert_array_equal(got.data, ref.get_data())
    inv = {v: k for k, v in ref.event_id.items()}
    assert list(got.conditions) == [inv[c] for c in ref.events[:, 2]]


def test_truncated_edf_opens_its_complete_records(shared_data, neurodeck_plugins, tmp_path):
    # MNE keeps the complete data records of a truncated EDF (1 s each here); the last
    # page must then read, and the kept samples equal the intact file's.
    src = shared_data / "eeg" / "eegmmidb_S001R03.edf"
    data = src.read_bytes()
    bad = tmp_path / "cut.edf"
    bad.write_bytes(data[: len(data) // 2])
    rec = neurodeck.open(bad)
    full = mne.io.read_raw_edf(src, verbose="error")
    assert 0 < rec.n_times < full.n_times and rec.n_times % 160 == 0
    np.testing.assert_array_equal(rec.get_data(rec.n_times - 10, rec.n_times),
                                  full.get_data(start=rec.n_times - 10, stop=rec.n_times))


def test_unreadable_recording_names_the_file(neurodeck_plugins, tmp_path):
    bad = tmp_path / "junk.vhdr"
    bad.write_text("Brain Vision Data Exchange Header File Version 1.0\nDataFile=nope.eeg\n")
    with pytest.raises(ReadError, match="junk.vhdr"):
        neurodeck.open(bad)
