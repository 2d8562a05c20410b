"""The exported script of an EEG session calls MNE as MNE users write it, runs on its own,
and reproduces the session's result; what a transform writes into it is data (checked), so
a hostile label or path can never become code."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neurodeck import api, engine
from neurodeck.data.result import Result
from neurodeck.plugin_api import Float, Transform, hookimpl
from neurodeck.session import Session
from neurodeck.workspace import export_script
from neurodeck.workspace.codegen import Call, Code, Stmt, Var

from .conftest import mne_spec


def _open(session: Session, path: Path):
    out = api.open(path)
    return session.add(out, origin={"op": "open", "path": str(path), "reader": None,
                                    "options": {}})


def _step(session: Session, kind: str, step_id: str, ids: list[int], **params):
    """Run a step and record it as the main window does (MainWindow.run_step)."""
    spec = mne_spec(kind, step_id)
    step = engine.prepare(spec, params)
    out = engine.execute(step, [session.entries[i].dataset for i in ids])
    op = "run" if kind == "analysis" else "transform"
    origin = {"op": op, kind: step_id, "inputs": ids,
              "params": engine.jsonable(dict(step.values))}
    return session.add(out, parent=ids[0], origin=origin)


@pytest.fixture
def eeg_copy(tmp_path, motor_edf) -> Path:
    path = tmp_path / "data" / motor_edf.name
    path.parent.mkdir()
    shutil.copy(motor_edf, path)
    return path


@pytest.mark.slow
def test_filter_ica_epochs_rsa_script_reproduces_the_session(tmp_path, eeg_copy):
    s = Session()
    e = _open(s, eeg_copy)
    m = _step(s, "transform", "set-montage", [e.id], montage="standard_1005",
              standardize=True)
    f = _step(s, "transform", "filter", [m.id], l_freq=1.0, h_freq=40.0)
    r = _step(s, "transform", "rereference", [f.id], ref_channels="average")
    ica = _step(s, "transform", "ica-fit", [r.id], method="fastica", n_components=15.0,
                iclabel="no")
    ica.dataset.exclude = [0]  # marked in the components view: an undoable edit
    clean = _step(s, "transform", "ica-apply", [ica.id, r.id])
    ep = _step(s, "transform", "epochs", [clean.id], tmin=-0.2, tmax=0.6)
    rsa = _step(s, "analysis", "rsa", [ep.id], tmin=0.0, tmax=0.5, n_bootstrap=50)

    script = tmp_path / "session.py"
    export = export_script(s.history, script)
    text = script.read_text()
    for idiom in (".load_data()", ".filter(", "mne.datasets.eegbci.standardize(", ".set_montage(",
                  ".set_eeg_reference(", ".ica.apply(", "mne.Epochs(", "neurodeck.run("):
        assert idiom in text, idiom
    assert 'neurodeck.transform(\n    "filter"' not in text and "import mne" in text
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(script), str(out)], capture_output=True,
                          text=True, timeout=900, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    mine = s.entries[rsa.id].dataset
    theirs = Result.load(out / export.outputs[rsa.id])
    assert set(theirs) == set(mine)
    for key in mine:
        a, b = np.asarray(mine[key]), np.asarray(theirs[key])
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-15, err_msg=key)
        else:
            np.testing.assert_array_equal(b, a, err_msg=key)
    assert theirs.provenance["parameters"] == mine.provenance["parameters"]


def test_script_is_lint_clean_and_holds_hostile_text_as_literals(tmp_path, eeg_copy):
    hostile = 'x"); __import__("os").system("touch pwned")  # \n'
    s = Session()
    e = _open(s, eeg_copy)
    ev = _step(s, "transform", "events", [e.id], source="annotations",
               rename=f"T1={hostile.strip()}")
    _step(s, "transform", "epochs", [ev.id], tmin=-0.1, tmax=0.3,
          reject="eeg=400e-6", baseline="none")
    _step(s, "transform", "crop", [ev.id], tmin=1.0, tmax=20.0)
    script = tmp_path / "s.py"
    export_script(s.history, script)
    tree = ast.parse(script.read_text())
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert not any("__import__" in c or "system" in c for c in calls), calls
    consts = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
              and isinstance(n.value, str)]
    assert any("__import__" in c for c in consts)  # it is there, as a string
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    for args in (["check", "--select", "E,F,W,I,B,UP"], ["format", "--check"]):
        proc = subprocess.run([ruff, *args, "--isolated", "--line-length", "99",
                               str(script)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


# -- the mechanism: what a plugin declares is checked, and falls back when wrong -----------
def _bad_forms(params, kinds):
    forms = {
        "code": [Stmt(Call("mne.io.read_raw", [("", Code("__import__('os')"))]), ("out",))],
        "module": [Stmt(Call("os.system", [("", "ls")]), ("out",))],
        "unbound": [Stmt(Call("raw.copy"), ("out",))],
        "target": [Stmt(Call("mne.Epochs"), ("out; import os",))],
        "prefix": [Stmt(Call("mne.Epochs", [("**", {"a": 1})]), ("out",))],
        "var": [Stmt(Call("mne.Epochs", [("", Var("nowhere"))]), ("out",))],
        "attr": [Stmt(Call("mne.Epochs", [("", Var(0, "raw; x"))]), ("out",))],
        "input": [Stmt(Call("@3.raw.copy"), ("out",))],
        "good": [Stmt(Call("@0.raw.copy"), ("raw",)),
                 Stmt(Call("raw.pick", [("", ["a", "b"]), ("exclude=", Var(0, "raw.info",
                                                                           "bads"))])),
                 Stmt(Call("neurodeck.Recording", [("", Var("raw"))]), ("out",))],
    }
    return forms[params["form"]]


def _identity(inputs, params, progress):
    from neurodeck.data import Recording

    return Recording(inputs[0].raw.copy())


class FormsPlugin:
    @hookimpl
    def neurodeck_transforms(self):
        from neurodeck.plugin_api import Choice

        return [Transform(id="forms", title="Forms", description="test", accepts=("recording",),
                          produces=("recording",), run=_identity, script=_bad_forms,
                          script_modules=("mne", "neurodeck"),
                          params=[Choice("form", "good", choices=(
                              "code", "module", "unbound", "target", "prefix", "var", "attr",
                              "input", "good")), Float("x", 0.0)])]


@pytest.mark.parametrize("form", ["code", "module", "unbound", "target", "prefix", "var",
                                  "attr", "input"])
def test_malformed_forms_fall_back_to_the_generic_call(neurodeck_plugins, form, caplog):
    neurodeck_plugins.register(FormsPlugin(), "forms-test")
    history = [
        {"op": "open", "entry": 1, "path": "/nowhere/x.edf", "reader": None, "options": {},
         "name": "x.edf", "kind": "recording"},
        {"op": "transform", "entry": 2, "transform": "forms", "inputs": [1],
         "params": {"form": form, "x": 1.0}},
    ]
    text = export_script(history).text
    assert 'neurodeck.transform("forms", x, form=' in text
    assert "__import__" not in text and "os.system" not in text
    assert "its script form was not used" in caplog.text


def test_a_wellformed_form_is_written_with_its_names(neurodeck_plugins):
    neurodeck_plugins.register(FormsPlugin(), "forms-test")
    history = [
        {"op": "open", "entry": 1, "path": "/nowhere/x.edf", "reader": None, "options": {},
         "name": "x.edf", "kind": "recording"},
        {"op": "transform", "entry": 2, "transform": "forms", "inputs": [1],
         "params": {"form": "good", "x": 1.0}},
    ]
    text = export_script(history).text
    assert "raw = x.raw.copy()" in text
    assert 'raw.pick(["a", "b"], exclude=x.raw.info["bads"])' in text
    assert "forms_x = neurodeck.Recording(raw)" in text
    compile(text, "x", "exec")
