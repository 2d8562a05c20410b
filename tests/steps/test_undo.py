"""Undo and redo of every session operation, in the Qt-free session."""

import copy

import numpy as np
import pytest

import neurodeck
from neurodeck import api, engine
from neurodeck.data import Events
from neurodeck.paths import resource_path
from neurodeck.session import Session

EEG = resource_path("samples", "eegmmidb_S001R04.edf")


def _snapshot(s: Session):
    """What undo must restore: entries (id, name, parent), edits and the history."""
    ents = {i: (e.name, e.parent, e.dataset.kind, copy.deepcopy(e.dataset.edit_state()))
            for i, e in s.entries.items()}
    hist = [{k: v for k, v in r.items() if k != "time"} for r in s.history]
    return ents, hist


def _round_trip(s: Session, do) -> None:
    """``do`` is one operation: undo brings back the state before it, redo the state after."""
    before = _snapshot(s)
    do()
    after = _snapshot(s)
    assert after != before
    assert s.undo() is not None
    assert _snapshot(s) == before
    assert s.redo() is not None
    assert _snapshot(s) == after


def _open(s, path=EEG):
    ds = api.open(path)
    return s.add(ds, origin={"op": "open", "path": str(path), "reader": None, "options": {}})


def _step(s, kind, step_id, ids, **params):
    spec = api.plugin_manager().step(kind, step_id)
    prepared = engine.prepare(spec, params)
    out = engine.execute(prepared, [s.entries[i].dataset for i in ids])
    op = "run" if kind == "analysis" else "transform"
    return s.add(out, parent=ids[0], origin={"op": op, kind: step_id, "inputs": ids,
                                             "params": dict(prepared.values)})


@pytest.fixture
def session(steps):
    return Session()


def test_open_close_rename_round_trip(session):
    s = session
    _round_trip(s, lambda: _open(s))
    entry = next(iter(s.entries.values()))
    _round_trip(s, lambda: s.rename(entry.id, "baseline EEG"))
    assert s.entries[entry.id].name == "baseline EEG"
    _step(s, "analysis", "row-means", [entry.id])
    _round_trip(s, lambda: s.remove(entry.id))  # closes the result under it too
    assert s.entries == {}
    s.undo()
    assert len(s.entries) == 2 and s.entries[entry.id].dataset is entry.dataset


def test_transform_run_study_member_round_trip(session):
    s = session
    a, b = _open(s), _open(s)
    _round_trip(s, lambda: _step(s, "transform", "scale", [a.id], factor=2.0))
    scaled = max(s.entries)
    _round_trip(s, lambda: _step(s, "analysis", "row-means", [scaled]))
    _round_trip(s, lambda: s.add(neurodeck.study([a.dataset, b.dataset], name="pair"),
                                 origin={"op": "study", "inputs": [a.id, b.id],
                                         "name": "pair"}))
    study = max(s.entries)

    def member():
        ds = s.entries[study].dataset.member(1)
        s.add(ds, parent=study, origin={"op": "member", "study": study, "member": "1"})

    _round_trip(s, member)
    assert [r["op"] for r in s.history] == ["open", "open", "transform", "run", "study",
                                            "member"]


def test_bad_channels_and_every_annotation_edit_round_trip(session):
    s = session
    rec = _open(s).dataset
    _round_trip(s, lambda: setattr(rec, "bads", ["Fc5.", "Cz.."]))
    assert s.undo_label == "Edit bad channels"
    ev = rec.events

    def add():
        with rec.editing("Add annotation"):
            rec.set_events(Events(np.r_[ev.onset, 50.0], np.r_[ev.duration, 1.0],
                                  [*ev.label, "blink"]))

    _round_trip(s, add)
    assert s.undo_label == "Add annotation"
    cur = rec.events

    def move():
        onset = cur.onset.copy()
        onset[-1] = 52.5
        with rec.editing("Move annotation"):
            rec.set_events(Events(onset, cur.duration, cur.label))

    _round_trip(s, move)
    cur = rec.events
    for label, change in (
            ("Resize annotation", lambda e: Events(e.onset, np.r_[e.duration[:-1], 3.0],
                                                   e.label)),
            ("Rename annotation", lambda e: Events(e.onset, e.duration,
                                                   [*e.label[:-1], "artefact"])),
            ("Delete annotation", lambda e: Events(e.onset[:-1], e.duration[:-1],
                                                   e.label[:-1]))):
        def edit(label=label, change=change):
            with rec.editing(label):
                rec.set_events(change(rec.events))

        _round_trip(s, edit)
        assert s.undo_label == label
    # Undoing everything brings the recording back to what it was opened with.
    while s.can_undo:
        s.undo()
    assert s.entries == {} and s.history == []


def test_a_new_operation_clears_redo_and_edits_outside_views_are_caught(session):
    s = session
    entry = _open(s)
    entry.dataset.bads = ["Fc5."]
    s.undo()
    assert s.can_redo
    entry.dataset.raw.info["bads"] = ["Cz.."]  # a script, behind the dataset's back
    assert [r["op"] for r in s.sync_edits()] == ["set_bads"]
    assert not s.can_redo and s.undo_label == "Edit bad channels"


def test_unsaved_work_is_tracked(session):
    s = session
    entry = _open(s)
    assert not s.modified  # opening a file again costs nothing: not work to lose
    res = _step(s, "analysis", "row-means", [entry.id])
    assert s.modified and s.entry_modified(entry.id) and s.unsaved_entries() == {res.id}
    s.mark_saved()
    assert not s.modified and not s.entry_modified(entry.id)
    entry.dataset.bads = ["Fc5."]
    assert s.modified and s.entry_modified(entry.id)
    s.undo()
    assert not s.modified  # back to what was saved
    s.undo()  # the result, which the saved workspace holds
    assert s.modified


def test_a_result_is_recorded_where_its_job_was_submitted(session):
    s = session
    entry = _open(s)
    mark = s.mark()
    entry.dataset.bads = ["Fc5."]  # made while the job ran
    _ = s.add(neurodeck.Result({"x": np.zeros(1)}, {"analysis": "x"}), parent=entry.id,
              origin={"op": "run", "analysis": "x", "inputs": [entry.id], "params": {}},
              after=mark)
    assert [r["op"] for r in s.history] == ["open", "run", "set_bads"]
