"""Workspaces and exported scripts with transforms, studies and study members."""

import subprocess
import sys

import numpy as np

import neurodeck
from neurodeck.session import Session
from neurodeck.workspace import export_script, load_workspace, replay, save_workspace

from .test_undo import _step


def _session(trace_folder):
    root, data = trace_folder
    s = Session()
    study = s.add(neurodeck.open(root), origin={"op": "open", "path": str(root),
                                                "reader": None, "options": {}})
    key = study.dataset.keys()[2]
    member = s.add(study.dataset.member(key), parent=study.id,
                   origin={"op": "member", "study": study.id, "member": key})
    scaled = _step(s, "transform", "scale", [member.id], factor=2.0)
    scaled.dataset.set_events(neurodeck.Events([0.5], [0.1], ["spike"]))  # an edit on it
    res = _step(s, "analysis", "row-means", [scaled.id])
    grand = _step(s, "analysis", "grand-mean", [study.id])
    return s, root, data, key, scaled, res, grand


def test_a_workspace_restores_studies_members_and_derived_data(steps, trace_folder, tmp_path):
    s, root, data, key, scaled, res, grand = _session(trace_folder)
    path = save_workspace(s, tmp_path / "w.ndws")
    back, restored = load_workspace(path)
    assert restored.problems == []
    assert sorted(back.entries) == sorted(s.entries)
    b_scaled = back.entries[scaled.id].dataset
    np.testing.assert_allclose(b_scaled.get_data(), data[key.split("/")[0][4:]] * 2,
                               rtol=1e-12)
    assert b_scaled.events.label == ["spike"]  # the edit on derived data came back
    assert b_scaled.derivation == scaled.dataset.derivation
    np.testing.assert_array_equal(back.entries[res.id].dataset["mean"], res.dataset["mean"])
    assert back.entries[grand.id].parent is not None
    assert not back.modified  # what was opened is what is saved


def test_replay_and_the_exported_script_reproduce_the_results(steps, trace_folder, tmp_path):
    s, root, data, key, scaled, res, grand = _session(trace_folder)
    new, ids = replay(s.history)
    np.testing.assert_array_equal(new.entries[ids[res.id]].dataset["mean"], res.dataset["mean"])
    np.testing.assert_array_equal(new.entries[ids[grand.id]].dataset["means"],
                                  grand.dataset["means"])
    script = tmp_path / "s.py"
    export = export_script(s.history, script)
    text = script.read_text()
    assert "neurodeck.transform(" in text and ".member(" in text
    compile(text, "s", "exec")
    # The script needs the test plugin's steps, registered only in this process: run it
    # here with that plugin, as `python s.py OUT` would with an installed plugin.
    code = (f"import sys; sys.argv = ['s.py', {str(tmp_path / 'out')!r}]\n"
            "import neurodeck, neurodeck.api as api\n"
            "from tests.steps.conftest import StepsPlugin\n"
            "api.plugin_manager().register(StepsPlugin(), 'steps-test')\n"
            f"exec(compile(open({str(script)!r}).read(), 's.py', 'exec'), "
            f"{{'__file__': {str(script)!r}, '__name__': '__main__'}})\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=_repo())
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = neurodeck.Result.load(tmp_path / "out" / export.outputs[res.id])
    np.testing.assert_array_equal(got["mean"], res.dataset["mean"])


def _repo():
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2])
