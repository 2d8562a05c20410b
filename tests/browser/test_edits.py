"""The browser's edits as the session sees them: named, undoable, heard by listeners."""

import mne
import numpy as np
import pytest
from neurodeck_browser import edits
from neurodeck_browser.edits import AnnotationEditor, BadChannels

from neurodeck.data import Events, Recording, Traces
from neurodeck.session import Session


def _recording():
    info = mne.create_info(["C0", "C1", "C2"], 100.0, "eeg")
    raw = mne.io.RawArray(np.zeros((3, 6000)), info, verbose=False)
    raw.set_annotations(mne.Annotations([2.0, 30.0], [1.0, 0.0], ["blink", "stim"]))
    return Recording(raw, name="r")


def _session(ds):
    s = Session()
    s.add(ds, origin={"op": "open", "path": "r.fif"})
    return s


def test_each_annotation_edit_is_one_named_undoable_command():
    rec = _recording()
    s = _session(rec)
    said = []
    ed = AnnotationEditor(rec, said.append)
    start = rec.events.to_json()
    steps = [("Add annotation", lambda: ed.add(10.0, 2.0, "BAD_x")),
             ("Move annotation", lambda: ed.change(1, 12.0, 2.0)),
             ("Resize annotation", lambda: ed.change(1, 12.0, 3.5)),
             ("Rename annotation", lambda: ed.rename(1, "BAD_y")),
             ("Delete annotation", lambda: ed.delete(0))]
    states = [start]
    for label, do in steps:
        do()
        assert s.undo_label == label
        states.append(rec.events.to_json())
    assert rec.events.label == ["BAD_y", "stim"]
    np.testing.assert_allclose(rec.raw.annotations.duration, [3.5, 0.0])
    assert any("Moved annotation 'BAD_x' from 10.000 s to 12.000 s" in m for m in said)
    for k in range(len(steps), 0, -1):  # undo walks back through every state
        assert s.undo() == steps[k - 1][0]
        assert rec.events.to_json() == states[k - 1]
    for k in range(1, len(steps) + 1):  # and redo forward again
        assert s.redo() == steps[k - 1][0]
        assert rec.events.to_json() == states[k]


def test_bad_channels_are_named_undoable_and_heard():
    rec = _recording()
    s = _session(rec)
    heard = []

    class Listener:
        def edited(self, ds, op, label):
            heard.append((op, label))

    listener = Listener()
    rec.subscribe_edits(listener.edited)
    bads = BadChannels(rec, rec.labels)
    assert bads.saved and bads.toggle("C1") is True
    assert rec.raw.info["bads"] == ["C1"] and s.undo_label == "Mark bad channel"
    bads.toggle("C1")
    assert s.undo_label == "Unmark bad channel" and rec.bads == []
    s.undo()
    assert rec.bads == ["C1"]
    opened = s.undo()
    assert rec.bads == [] and opened == "Mark bad channel" and s.undo_label != opened
    assert ("set_bads", "Mark bad channel") in heard
    assert heard[-1] == ("set_bads", None)  # undo is heard too (no label: not an edit)
    del listener  # held weakly: a closed view does not live on through its dataset
    bads.toggle("C2")
    assert len(heard) == 4


def test_traces_bads_stay_in_the_view_and_annotations_are_saved():
    tr = Traces(np.zeros((2, 50)), ["a", "b"], sfreq=10.0, events=Events([1.0], [0.0], ["x"]))
    s = _session(tr)
    bads = BadChannels(tr, tr.labels)
    assert not bads.saved
    before = (s.undo_label, len(s.history))
    bads.toggle("a")
    assert bads.names == {"a"} and (s.undo_label, len(s.history)) == before  # view only
    AnnotationEditor(tr).add(2.0, 1.0, "y")
    assert tr.events.label == ["x", "y"] and s.undo_label == "Add annotation"


def test_value_helpers_keep_onset_order():
    ev = Events([1.0, 5.0], [0.0, 1.0], ["a", "b"])
    new, i = edits.add(ev, 3.0, -1.0, "c")
    assert (new.label, i, new.duration[1]) == (["a", "c", "b"], 1, 0.0)
    moved, j = edits.change(new, 0, 9.0, 0.0)
    assert moved.label == ["c", "b", "a"] and j == 2
    assert edits.delete(moved, 1).label == ["c", "a"]
    with pytest.raises(PermissionError):
        AnnotationEditor(object()).add(1.0, 1.0, "x")
