"""neurodeck.open: reader choice by extension and content, clear errors naming the file."""

import numpy as np
import pytest

import neurodeck
from neurodeck import ReadError


def test_open_sample_edf_lazily_matches_mne(neurodeck_plugins):
    import mne
    from neurodeck_mne.samples import eeg_motor_imagery

    path = eeg_motor_imagery()
    rec = neurodeck.open(path)
    assert rec.kind == "recording" and not rec.raw.preload
    ref = mne.io.read_raw_edf(path, preload=True, verbose="error")
    np.testing.assert_allclose(rec.get_data(160, 480, picks=[0, 5]),
                               ref.get_data(picks=[0, 5], start=160, stop=480), atol=0)
    assert len(rec.events) == 30 and set(rec.events.label) == {"T0", "T1", "T2"}


def test_open_fif_from_shared_data(shared_data, neurodeck_plugins):
    rec = neurodeck.open(shared_data / "eeg" / "phyaat_emotiv14_16s_raw.fif")
    assert rec.n_rows == 14 and rec.sfreq == 128.0 and rec.n_times == 2048


def test_csv_and_npy_traces(tmp_path, neurodeck_plugins):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(100, 3))
    t = np.arange(100) / 4.0
    csv = tmp_path / "traces.csv"
    np.savetxt(csv, np.column_stack([t, data]), delimiter=",", header="time,AVA,RIM,AIB",
               comments="")
    tr = neurodeck.open(csv)
    assert tr.labels == ["AVA", "RIM", "AIB"] and tr.sfreq == pytest.approx(4.0)
    np.testing.assert_allclose(tr.data, data.T)
    npy = tmp_path / "traces.npy"
    np.save(npy, data.T)
    with pytest.raises(neurodeck.LayoutChoiceNeeded, match="sfreq"):  # no silent 1 Hz
        neurodeck.open(npy)
    tr2 = neurodeck.open(npy, sfreq=4.0)
    np.testing.assert_array_equal(tr2.data, data.T)
    res = neurodeck.run("fc", str(csv))  # by path
    np.testing.assert_allclose(res["matrix"], np.corrcoef(data.T), atol=1e-10)


def test_content_sniffing_when_extension_is_wrong(tmp_path, neurodeck_plugins):
    npy = tmp_path / "mystery.bin"
    np.save(tmp_path / "x.npy", np.zeros((2, 5)))
    (tmp_path / "x.npy").rename(npy)
    assert neurodeck.open(npy, sfreq=1.0).n_rows == 2


@pytest.mark.parametrize("name, content, cause", [
    ("empty.edf", b"", "empty"),
    ("junk.edf", b"this is not an EDF file at all" * 20, "not a readable recording"),
    ("ragged.csv", b"a,b\n1,2\n3\n", "row 3 has 1 fields"),
    ("words.csv", b"a,b\n1,x\n", "non-numeric"),
    ("unknown.xyz", b"hello", "no reader for this file type"),
    ("pickle.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False, "
                   b"'shape': (2,), }" + b" " * 60 + b"\n" + b"\x80\x04K\x01.", "pickle"),
])
def test_bad_files_give_errors_naming_the_file(tmp_path, neurodeck_plugins, name, content, cause):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        neurodeck.open(path)
    assert name in str(err.value) and cause in str(err.value).lower() or cause in str(err.value)


def test_missing_file(neurodeck_plugins, tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        neurodeck.open(tmp_path / "nope.fif")
