"""Save / open workspaces: round trip, moved files, no code execution, atomic layout."""

import json
import pickle
import shutil

import numpy as np
import pytest

from neurodeck.session import Session
from neurodeck.workspace import (
    WorkspaceError,
    load_workspace,
    read_document,
    results_dir,
    save_workspace,
)


def _same_session(a: Session, b: Session) -> None:
    assert sorted(a.entries) == sorted(b.entries)
    for i, ea in a.entries.items():
        eb = b.entries[i]
        assert (eb.name, eb.parent, eb.dataset.kind) == (ea.name, ea.parent, ea.dataset.kind)
        if ea.dataset.kind == "recording":
            assert eb.dataset.bads == ea.dataset.bads
            np.testing.assert_array_equal(eb.dataset.events.onset, ea.dataset.events.onset)
            assert eb.dataset.events.label == ea.dataset.events.label
        elif ea.dataset.is_a("result"):
            assert sorted(eb.dataset) == sorted(ea.dataset)
            for k in ea.dataset:
                np.testing.assert_array_equal(eb.dataset[k], ea.dataset[k])
            assert eb.dataset.provenance == ea.dataset.provenance


def test_round_trip(edited_session, tmp_path):
    layout = {"views": [{"entry": 3, "view": "fc-matrix"}], "current": 0}
    path = save_workspace(edited_session, tmp_path / "work.ndws", layout=layout)
    doc = read_document(path)
    assert doc["version"] == 1 and doc["layout"] == layout
    eeg = next(e for e in doc["entries"] if e["id"] == 1)["source"]
    assert eeg["sha256"] == "3d161f88e1c00632585287d2ce584c2bc0f08862438eb255ea8723e00fac693d"
    assert sorted(f.name for f in results_dir(path).iterdir() if f.name != "manifest.json") \
        == sorted(e["result"] for e in doc["entries"] if "result" in e)
    session, restored = load_workspace(path)
    assert restored.problems == [] and restored.layout == layout
    _same_session(edited_session, session)
    assert session.history == edited_session.history
    # New work continues after the restored ids and records normally.
    session.entries[1].dataset.bads = []
    session.sync_edits()
    assert session.history[-1] == {**session.history[-1], "op": "set_bads", "bads": []}


def test_saving_again_reuses_unchanged_result_files_and_drops_closed_ones(edited_session,
                                                                           tmp_path):
    path = save_workspace(edited_session, tmp_path / "w.ndws")
    before = {f.name: f.stat().st_mtime_ns for f in results_dir(path).glob("*.h5")}
    edited_session.remove(4)  # the ROI series and its FC result
    save_workspace(edited_session, path)
    after = {f.name: f.stat().st_mtime_ns for f in results_dir(path).glob("*.h5")}
    assert len(after) == len(before) - 1
    assert all(before[k] == v for k, v in after.items())  # not rewritten
    assert not list(tmp_path.glob(".*.tmp"))


def test_moved_files_are_found_beside_the_moved_workspace(edited_session, tmp_path, data_dir):
    path = save_workspace(edited_session, data_dir / "w.ndws")
    moved = tmp_path / "elsewhere"
    shutil.move(data_dir, moved)
    session, restored = load_workspace(moved / "w.ndws")
    assert restored.problems == []
    assert str(session.entries[1].dataset.source).startswith(str(moved))
    _same_session(edited_session, session)
    assert path.exists() is False


def test_a_missing_file_is_asked_for_and_checked_by_hash(edited_session, tmp_path, data_dir):
    path = save_workspace(edited_session, tmp_path / "w.ndws")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    shutil.move(data_dir / "eegmmidb_S001R04.edf", hidden / "renamed.edf")
    # A different file under the asked-for name is refused (sha256), then the right one.
    wrong = tmp_path / "wrong.edf"
    wrong.write_bytes((hidden / "renamed.edf").read_bytes()[:-1] + b"x")
    answers = iter([wrong, hidden / "renamed.edf"])
    asked = []

    def ask(ref, reason):
        asked.append((ref.filename, reason))
        return next(answers)

    session, restored = load_workspace(path, ask=ask)
    assert restored.problems == []
    assert asked[0] == ("eegmmidb_S001R04.edf", "it is no longer at its saved path")
    assert "sha256 differs" in asked[1][1]
    assert session.entries[1].dataset.source == hidden / "renamed.edf"
    _same_session(edited_session, session)


def test_an_unfound_file_is_reported_and_its_results_still_open(edited_session, tmp_path,
                                                                data_dir):
    path = save_workspace(edited_session, tmp_path / "w.ndws")
    (data_dir / "eegmmidb_S001R04.edf").write_bytes(b"changed")
    session, restored = load_workspace(path, ask=lambda ref, why: None)
    assert len(restored.problems) == 1 and "content changed" in restored.problems[0]
    assert 1 not in session.entries
    assert session.entries[3].parent is None  # its input is gone; the stored result is not
    assert session.entries[3].dataset["matrix"].shape == (61, 61)


def test_opening_never_unpickles(edited_session, tmp_path, monkeypatch):
    path = save_workspace(edited_session, tmp_path / "w.ndws")

    def forbidden(*a, **k):
        raise AssertionError("a workspace must not unpickle anything")

    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    load_workspace(path)


@pytest.mark.parametrize("bad_name", ["../../etc/passwd", "/abs.h5", "sub/x.h5", "..\\x.h5"])
def test_result_paths_cannot_leave_the_results_folder(edited_session, tmp_path, bad_name):
    path = save_workspace(edited_session, tmp_path / "w.ndws")
    doc = json.loads(path.read_text())
    next(e for e in doc["entries"] if "result" in e)["result"] = bad_name
    path.write_text(json.dumps(doc))
    with pytest.raises(WorkspaceError, match="not a plain file name"):
        read_document(path)


@pytest.mark.parametrize("text, why", [("{", "invalid JSON"), ("[]", "format"),
                                       ('{"format": "neurodeck-workspace", "version": 99}',
                                        "version 99")])
def test_not_a_workspace(tmp_path, text, why):
    p = tmp_path / "x.ndws"
    p.write_text(text)
    with pytest.raises(WorkspaceError, match=why):
        read_document(p)
