"""Data in and out: BIDS roots as studies (mne-bids) with derivatives written next to them,
XDF streams (pyxdf) with markers as annotations, epochs/evoked/ICA FIF files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mne
import mne_bids
import numpy as np
import pytest
from neurodeck_mne.bids import derivative_path, write_derivative
from neurodeck_mne.datasets import EvokedSet

import neurodeck

from .conftest import T
from .xdf_writer import write_xdf


@pytest.fixture
def bids_root(tmp_path, eeg_dir):
    """Two subjects of the motor task written by mne-bids (sub-01 runs 3 and 4, sub-02 run
    4), a participants table with extra columns, and channels.tsv marking a bad channel."""
    root = tmp_path / "bids"
    for sub, run, f in (("01", 3, "R03"), ("01", 4, "R04"), ("02", 4, "R04")):
        raw = mne.io.read_raw_edf(eeg_dir / f"eegmmidb_S001{f}.edf", verbose="error")
        bp = mne_bids.BIDSPath(subject=sub, task="motor", run=run, datatype="eeg", root=root)
        mne_bids.write_raw_bids(raw, bp, overwrite=True, verbose="error")
    (root / "participants.tsv").write_text("participant_id\tage\tgroup\nsub-01\t30\tA\n"
                                           "sub-02\t41\tB\n")
    chans = root / "sub-02" / "eeg" / "sub-02_task-motor_run-4_channels.tsv"
    lines = chans.read_text().splitlines()
    header = lines[0].split("\t")
    row = lines[1].split("\t")
    row[header.index("status")] = "bad"
    chans.write_text("\n".join([lines[0], "\t".join(row), *lines[2:]]) + "\n")
    return root


def test_a_bids_root_opens_as_a_study(bids_root):
    study = neurodeck.open(bids_root)
    assert isinstance(study, neurodeck.Study) and len(study) == 3
    rows = study.table()
    assert [(r["subject"], r["run"]) for r in rows] == [("01", "3"), ("01", "4"), ("02", "4")]
    assert {r["task"] for r in rows} == {"motor"} and [r["age"] for r in rows] == ["30", "30",
                                                                                  "41"]
    assert study.columns[:3] == ["subject", "task", "run"] and "group" in study.columns
    assert len(study.subset(group="B")) == 1


def test_members_are_read_by_read_raw_bids(bids_root):
    study = neurodeck.open(bids_root)
    rec = study.member(2)
    bp = mne_bids.BIDSPath(subject="02", task="motor", run=4, datatype="eeg", root=bids_root)
    ref = mne_bids.read_raw_bids(bp, verbose="error")
    assert rec.bads == ref.info["bads"] and len(rec.bads) == 1  # from channels.tsv
    np.testing.assert_array_equal(rec.get_data(0, 500), ref.get_data(start=0, stop=500))
    assert list(rec.events.label) == list(ref.annotations.description)  # events.tsv
    assert rec.meta["bids"]["subject"] == "02"


def test_derivatives_are_written_next_to_the_data(bids_root):
    study = neurodeck.open(bids_root)
    rec = study.member(0)
    filt = T("filter", rec, l_freq=1.0, h_freq=40.0)
    path = write_derivative(filt, "filtered")
    want = (bids_root / "derivatives" / "neurodeck" / "sub-01" / "eeg" /
            "sub-01_task-motor_run-3_desc-filtered_eeg.fif")
    assert path == want == derivative_path(filt, "filtered")
    desc = json.loads((bids_root / "derivatives" / "neurodeck" /
                       "dataset_description.json").read_text())
    assert desc["DatasetType"] == "derivative" and desc["GeneratedBy"][0]["Name"] == "neurodeck"
    back = mne.io.read_raw_fif(path, verbose="error")
    np.testing.assert_allclose(back.get_data(), filt.get_data(), rtol=1e-6, atol=1e-12)
    ep = T("epochs", filt, tmin=-0.2, tmax=0.5)
    epo = write_derivative(ep, "filtered")
    assert epo.name == "sub-01_task-motor_run-3_desc-filtered_epo.fif"
    assert len(mne.read_epochs(epo, verbose="error")) == ep.n_epochs


def test_the_bids_derivatives_command_runs_a_pipeline(bids_root, tmp_path):
    pipe = tmp_path / "steps.toml"
    pipe.write_text('format = "neurodeck-pipeline"\nname = "clean"\n\n'
                    '[[steps]]\ntransform = "filter"\n[steps.params]\nl_freq = 1.0\n'
                    'h_freq = 30.0\n')
    proc = subprocess.run([sys.executable, "-m", "neurodeck", "bids-derivatives",
                           str(bids_root), str(pipe), "--desc", "lp30", "--subject", "02"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = Path(proc.stdout.strip().splitlines()[-1])
    assert out.name == "sub-02_task-motor_run-4_desc-lp30_eeg.fif" and out.is_file()
    ref = mne_bids.read_raw_bids(mne_bids.BIDSPath(subject="02", task="motor", run=4,
                                                   datatype="eeg", root=bids_root),
                                 verbose="error").load_data().filter(1.0, 30.0,
                                                                     verbose="error")
    np.testing.assert_allclose(mne.io.read_raw_fif(out, verbose="error").get_data(),
                               ref.get_data(), rtol=1e-6, atol=1e-11)  # FIF float32


def _xdf(tmp_path, n=2500, sf=250.0, t0=1000.0):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(n, 3)) * 10
    streams = [
        {"name": "EEG amp", "type": "EEG", "format": "float32", "srate": sf, "n_channels": 3,
         "channels": [{"label": "Fz", "type": "EEG", "unit": "microvolts"},
                      {"label": "Cz", "type": "EEG", "unit": "microvolts"},
                      {"label": "VEOG", "type": "EOG", "unit": "millivolts"}],
         "samples": x, "stamps": t0 + np.arange(n) / sf},
        {"name": "Markers", "type": "Markers", "format": "string", "srate": 0,
         "n_channels": 1, "samples": ["start", 'odd "label"; x', "stop", "late"],
         "stamps": [t0 + 1.0, t0 + 2.5, t0 + 9.0, t0 + 50.0]},
        {"name": "Accel", "type": "ACC", "format": "double64", "srate": 50.0,
         "n_channels": 2, "channels": [{"label": "x"}, {"label": "y"}],
         "samples": rng.normal(size=(500, 2)), "stamps": t0 + 0.5 + np.arange(500) / 50.0},
    ]
    return write_xdf(tmp_path / "session.xdf", streams), x


def test_xdf_streams_with_markers_as_annotations(tmp_path):
    path, x = _xdf(tmp_path)
    from neurodeck_mne.xdf import xdf_members

    assert [m["key"] for m in xdf_members(path)] == ["EEG amp", "Accel"]
    both = neurodeck.open(path)
    assert isinstance(both, list) and len(both) == 2
    eeg = neurodeck.open(path, stream="EEG amp")
    assert eeg.labels == ["Fz", "Cz", "VEOG"] and eeg.row_types == ["eeg", "eeg", "eog"]
    want = x.T.astype(np.float32).astype(float) * np.array([[1e-6], [1e-6], [1e-3]])
    np.testing.assert_allclose(eeg.get_data(), want, rtol=1e-12, atol=0)
    ev = eeg.events
    np.testing.assert_allclose(ev.onset, [1.0, 2.5, 9.0], atol=1e-9)  # 50 s is past the end
    assert list(ev.label) == ["start", 'odd "label"; x', "stop"]
    acc = neurodeck.open(path, stream=3)
    assert acc.sfreq == 50.0 and acc.row_types == ["misc", "misc"]
    np.testing.assert_allclose(acc.events.onset, [0.5, 2.0, 8.5], atol=1e-9)
    with pytest.raises(neurodeck.ReadError, match="no signal stream"):
        neurodeck.open(path, stream="nope")


def test_epochs_and_evoked_files_round_trip(rec, tmp_path):
    ep = T("epochs", rec, tmin=-0.2, tmax=0.5)
    from neurodeck_mne.io import write_epochs, write_evoked

    write_epochs(ep, tmp_path / "x-epo.fif")
    back = neurodeck.open(tmp_path / "x-epo.fif")
    assert back.n_epochs == ep.n_epochs and list(back.conditions) == list(ep.conditions)
    np.testing.assert_allclose(back.data, ep.data, rtol=1e-6)
    assert back.mne_epochs.drop_log == ep.mne_epochs.drop_log
    av = T("average", ep)
    write_evoked(av, tmp_path / "x-ave.fif")
    again = neurodeck.open(tmp_path / "x-ave.fif")
    assert isinstance(again, EvokedSet) and again.conditions == av.conditions
    np.testing.assert_allclose(again.evokeds[1].data, av.evokeds[1].data, rtol=1e-6)
