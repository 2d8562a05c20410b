"""Studies: folders and multi-member files as one dataset of lazily opened members."""

import json

import h5py
import numpy as np
import pytest

import neurodeck
from neurodeck import cli
from neurodeck.data.study import Study
from neurodeck.errors import InputError

from .conftest import write_traces


def _count_reads(monkeypatch):
    """Count data reads by the built-in CSV reader."""
    import neurodeck_tables.io as tio

    calls = []
    original = tio.read_table

    def spy(path, *a, **kw):
        calls.append(str(path))
        return original(path, *a, **kw)

    monkeypatch.setattr(tio, "read_table", spy)
    return calls


def test_a_folder_opens_as_a_study_without_reading_any_member(steps, trace_folder,
                                                               monkeypatch):
    root, data = trace_folder
    reads = _count_reads(monkeypatch)
    study = neurodeck.open(root)
    assert isinstance(study, Study) and len(study) == 4 and reads == []
    rows = study.table()
    assert [r["subject"] for r in rows] == ["01", "02", "03", "04"]
    assert {r["session"] for r in rows} == {"1"} and {r["task"] for r in rows} == {"rest"}
    assert [r["group"] for r in rows] == ["control", "patient", "control", "patient"]
    assert rows[3]["age"] == "55"  # participants.tsv joined by subject
    assert all(r["kind"] == "" or r["kind"] for r in rows)  # events.tsv sidecars skipped
    # One member opens on its own, only when asked, and knows its row.
    ds = study.member("sub-03/ses-1/sub-03_ses-1_task-rest_traces.csv")
    assert len(reads) == 1
    np.testing.assert_allclose(ds.get_data(), data["03"], rtol=1e-12)
    assert ds.meta["study"]["group"] == "control"
    patients = study.subset(group="patient")
    assert [m.meta["subject"] for m in patients.members] == ["02", "04"]
    with pytest.raises(KeyError, match="no member"):
        study.member("sub-99")


def test_an_analysis_taking_several_inputs_takes_a_study(steps, trace_folder, monkeypatch):
    root, data = trace_folder
    reads = _count_reads(monkeypatch)
    study = neurodeck.open_study(root)
    res = neurodeck.run("grand-mean", study)
    assert len(reads) == 4  # each member opened as the analysis reached it
    np.testing.assert_allclose(res["means"], [data[s].mean() for s in sorted(data)],
                               rtol=1e-12)
    assert res["names"][0].startswith("sub-01/")
    assert res.provenance["inputs"][0]["members"] == 4
    # A one-input analysis says what to do instead of taking a study.
    with pytest.raises(InputError, match="run it on each member with Batch"):
        neurodeck.run("row-means", study)


def test_member_kinds_are_checked_when_reached(steps, tmp_path):
    good = neurodeck.Traces(np.ones((2, 5)), sfreq=1.0, name="good")
    bad = neurodeck.Connectome(np.eye(2), name="graph")
    study = neurodeck.study([good, bad], name="mixed")
    with pytest.raises(InputError, match="member graph of mixed is connectome"):
        neurodeck.run("grand-mean", study)


def test_a_transform_maps_over_a_study_lazily(steps, trace_folder, monkeypatch):
    root, data = trace_folder
    reads = _count_reads(monkeypatch)
    study = neurodeck.open_study(root)
    scaled = neurodeck.transform("scale", study, factor=10.0)
    assert isinstance(scaled, Study) and len(scaled) == 4 and reads == []
    assert scaled.derivation["transform"] == "scale"
    second = scaled.member(1)
    np.testing.assert_allclose(second.get_data(), data["02"] * 10.0, rtol=1e-12)
    assert second.derivation["transform"] == "scale" and len(reads) == 1


@pytest.fixture
def animals_file(tmp_path):
    """One HDF5 group per animal (the multi-animal layout the tables reader knows)."""
    path = tmp_path / "animals.h5"
    rng = np.random.default_rng(1)
    data = {}
    with h5py.File(path, "w") as f:
        for name, n in (("w1", 3), ("w2", 4), ("w3", 2)):
            g = f.create_group(name)
            x = rng.normal(size=(n, 50))
            g["traces"] = x
            g["traces"].attrs["sfreq"] = 2.0
            g["labels"] = np.array([f"{name}n{i}" for i in range(n)], dtype="S")
            data[name] = x
    return path, data


def test_multi_member_file_members_open_alone(steps, animals_file, capsys):
    path, data = animals_file
    study = neurodeck.open_study(path)
    assert study.keys() == ["w1", "w2", "w3"]
    w2 = neurodeck.open(path, member="w2")
    assert w2.n_animals == 1 and w2.n_rows == 4
    np.testing.assert_allclose(w2.get_data(), data["w2"], rtol=1e-6)
    # `info` lists the members instead of one merged summary.
    assert cli.main(["info", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["members"] == 3 and [r["member"] for r in doc["member_table"]] == [
        "w1", "w2", "w3"]
    # `run` takes a member and reader options.
    out = path.with_name("w3.h5")
    assert cli.main(["run", "row-means", "--input", str(path), "--member", "w3",
                     "--output", str(out), "-q"]) == 0
    res = neurodeck.Result.load(out)
    np.testing.assert_allclose(res["mean"], data["w3"].mean(axis=1), rtol=1e-6)


def test_traces_combine_aligns_animals(steps):
    a = neurodeck.Traces(np.ones((2, 10)), ["AVAL", "RIML"], 2.0, name="w1")
    b = neurodeck.Traces(np.zeros((2, 12)), ["RIML", "SMDV"], 2.0, name="w2")
    both = neurodeck.Traces.combine([a, b])
    assert both.animals == ["w1", "w2"]
    aligned, labels = both.aligned()
    assert labels == ["AVAL", "RIML", "SMDV"] and aligned.shape == (2, 3, 12)
    assert np.isnan(aligned[0, 2]).all() and np.isnan(aligned[0, 0, 10:]).all()
    with pytest.raises(ValueError, match="different sampling rates"):
        neurodeck.Traces.combine([a, neurodeck.Traces(np.ones((1, 5)), None, 3.0)])


def test_companion_and_sidecar_files_are_not_members(steps, tmp_path):
    for name in ("rec.vhdr", "rec.eeg", "rec.vmrk", "notes.json", ".hidden.csv"):
        (tmp_path / name).write_text("x")
    write_traces(tmp_path / "cells.csv", np.ones((1, 10)))
    study = neurodeck.open_study(tmp_path)
    assert sorted(study.keys()) == ["cells.csv", "rec.vhdr"]


def test_a_folder_format_inside_a_study_folder_is_one_member(steps, tmp_path):
    """A sub-folder a reader claims (by its sniffer, like a suite2p plane) is one member,
    not a folder to list file by file."""
    from neurodeck.plugin_api import Reader, hookimpl

    def sniff(path):
        return path.is_dir() and (path / "marker.txt").is_file()

    class FolderReader:
        @hookimpl
        def neurodeck_readers(self):
            return [Reader(id="marked-folder", title="t", extensions=(), read="x:y",
                           sniff=sniff, produces=("traces",))]

    steps.register(FolderReader(), "folder-reader")
    root = tmp_path / "sessions"
    for s in ("s1", "s2"):
        (root / s / "plane").mkdir(parents=True)
        (root / s / "plane" / "marker.txt").write_text("x")
        write_traces(root / s / "plane" / "inner.csv", np.ones((1, 10)))
    study = neurodeck.open_study(root)
    assert study.keys() == ["s1/plane", "s2/plane"]
    assert {m.reader for m in study.members} == {"marked-folder"}
