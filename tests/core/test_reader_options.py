"""Reader options reach a reader only as names and types it declares (issue 17, item 1)."""

import json

import pytest

import neurodeck
from neurodeck.errors import ReadError
from neurodeck.paths import resource_path
from neurodeck.plugin_api.reader_options import fits
from neurodeck.session import Session
from neurodeck.workspace import load_workspace, save_workspace

EEG = resource_path("samples", "eegmmidb_S001R04.edf")


def test_an_option_of_the_wrong_type_never_reaches_the_library(tmp_path):
    victim = tmp_path / "precious.dat"
    victim.write_bytes(b"keep me")
    with pytest.raises(ReadError, match="option 'preload' of the mne-raw reader must be bool"):
        neurodeck.open(EEG, preload=str(victim))  # MNE would memory-map (overwrite) it
    assert victim.read_bytes() == b"keep me"
    with pytest.raises(ReadError, match="has no option 'verbose' .*it takes: preload"):
        neurodeck.open(EEG, verbose=True)


def test_a_workspace_cannot_smuggle_options_to_a_reader(tmp_path):
    data = tmp_path / "rec.edf"
    data.write_bytes(EEG.read_bytes())
    s = Session()
    s.add(neurodeck.open(data), origin={"op": "open", "path": str(data), "reader": None,
                                        "options": {}})
    path = save_workspace(s, tmp_path / "w.ndws")
    doc = json.loads(path.read_text())
    victim = tmp_path / "victim.bin"
    victim.write_bytes(b"\0" * 10)
    doc["entries"][0]["source"]["options"] = {"preload": str(victim)}
    path.write_text(json.dumps(doc))
    session, restored = load_workspace(path)
    assert session.entries == {} and "must be bool" in restored.problems[0]
    assert victim.read_bytes() == b"\0" * 10


@pytest.mark.parametrize("hint, ok, bad", [
    (bool, [True], ["yes", 1]),
    (float | None, [None, 1, 2.5], ["2", True]),
    (str | None, ["x", None], [3, ["x"]]),
    (tuple[int, int], [[2, 3], (2, 3)], [[2], [2.5, 3], "23"]),
])
def test_types_are_checked_as_declared(hint, ok, bad):
    assert all(fits(hint, v) for v in ok) and not any(fits(hint, v) for v in bad)
