"""Structured history: in-place edits are recorded in order, with lineage; replay."""

import numpy as np
import pytest

from neurodeck.data.result import Result
from neurodeck.session import Entry, Session
from neurodeck.workspace import alive, lineage, needed_records, replay
from neurodeck.workspace.format import WorkspaceError


def test_edits_are_recorded_before_the_run_that_used_them(edited_session):
    ops = [(r["op"], r.get("entry")) for r in edited_session.history]
    assert ops == [("open", 1), ("run", 2), ("set_bads", 1), ("set_annotations", 1),
                   ("run", 3), ("open", 4), ("run", 5)]
    bads = edited_session.history[2]
    assert bads["bads"] == edited_session.entries[1].dataset.labels[:3]
    run = edited_session.history[4]
    assert run["inputs"] == [1] and run["params"]["method"] == "partial"
    opened = edited_session.history[0]
    assert opened["name"] == "eegmmidb_S001R04.edf" and opened["kind"] == "recording"


def test_unchanged_datasets_record_nothing(edited_session):
    n = len(edited_session.history)
    assert edited_session.sync_edits() == []
    assert len(edited_session.history) == n


def test_the_second_result_really_excludes_the_bad_channels(edited_session):
    before, after = edited_session.entries[2].dataset, edited_session.entries[3].dataset
    assert before["matrix"].shape == (64, 64) and after["matrix"].shape == (61, 61)


def test_lineage_and_alive():
    h = [{"op": "open", "entry": 1}, {"op": "open", "entry": 2},
         {"op": "run", "entry": 3, "inputs": [1, 2]}, {"op": "run", "entry": 4, "inputs": [3]},
         {"op": "open", "entry": 5}, {"op": "close", "entry": 5}]
    assert alive(h) == [1, 2, 3, 4]
    assert lineage(h, [4]) == {1, 2, 3, 4}
    assert [r["entry"] for r in needed_records(h, [3])] == [1, 2, 3]


def test_adopt_keeps_ids_and_continues_after_them():
    s = Session()
    s.adopt(Entry(7, Result({"x": np.zeros(2)})))
    assert s.add(Result({"y": np.ones(1)})).id == 8
    with pytest.raises(ValueError):
        s.adopt(Entry(7, Result({"x": np.zeros(2)})))


def test_replay_reproduces_results_and_edits(edited_session):
    new, ids = replay(edited_session.history)
    assert ids == {1: 1, 2: 2, 3: 3, 4: 4, 5: 5}
    for old_id in (2, 3, 5):
        old, rep = edited_session.entries[old_id].dataset, new.entries[ids[old_id]].dataset
        assert list(rep["labels"]) == list(old["labels"])
        # Same code, same data, same machine: identical to the last bit.
        np.testing.assert_array_equal(rep["matrix"], old["matrix"])
    rec_old, rec_new = edited_session.entries[1].dataset, new.entries[1].dataset
    assert rec_new.bads == rec_old.bads
    np.testing.assert_array_equal(rec_new.events.onset, rec_old.events.onset)
    assert rec_new.events.label == rec_old.events.label
    # The replayed session has the same history of operations.
    assert [r["op"] for r in new.history] == [r["op"] for r in edited_session.history]


def test_replay_reports_a_history_that_uses_an_unknown_entry():
    with pytest.raises(WorkspaceError, match="before it is made"):
        replay([{"op": "run", "entry": 2, "analysis": "fc", "inputs": [1], "params": {}}],
               targets=[2, 1])
