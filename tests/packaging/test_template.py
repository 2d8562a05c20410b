"""`neurodeck new-plugin`: the template renders into a complete, valid project."""

from __future__ import annotations

import ast
import tomllib

import pytest

from neurodeck import cli
from neurodeck.errors import NeurodeckError
from neurodeck.templates import names, new_plugin, template_dir


def test_every_file_is_rendered_without_placeholders(template_project, plugin_names):
    files = {p.relative_to(template_project).as_posix()
             for p in template_project.rglob("*") if p.is_file() and "dist" not in p.parts}
    pkg = plugin_names["package"]
    assert files == {"README.md", "pyproject.toml", "tests/conftest.py", "tests/test_plugin.py",
                     f"{pkg}/__init__.py", f"{pkg}/io.py", f"{pkg}/compute.py", f"{pkg}/view.py",
                     f"{pkg}/smooth.py"}
    for rel in files:
        text = (template_project / rel).read_text(encoding="utf-8")
        assert "{{" not in text and "}}" not in text, rel
        if rel.endswith(".py"):
            ast.parse(text, rel)


def test_pyproject_registers_the_plugin_entry_point(template_project, plugin_names):
    meta = tomllib.loads((template_project / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["name"] == "neurodeck-rms-demo"
    eps = meta["project"]["entry-points"]["neurodeck.plugins"]
    assert eps == {plugin_names["entry"]: plugin_names["package"]}


def test_template_has_one_reader_one_transform_one_analysis_one_view():
    text = (template_dir() / "{{package}}" / "__init__.py.tmpl").read_text(encoding="utf-8")
    assert text.count("Reader(") == 1 and text.count("Analysis(") == 1
    assert text.count("Transform(") == 1
    assert text.count("View(") == 1


@pytest.mark.parametrize("bad", ["Bad Name", "1abc", "abc_", "a--b", ""])
def test_bad_names_are_refused(bad):
    with pytest.raises(NeurodeckError, match="lower-case"):
        names(bad)


def test_names_drop_a_neurodeck_prefix():
    v = names("neurodeck-spike-rate")
    assert (v["dist"], v["package"], v["entry"]) == (
        "neurodeck-spike-rate", "neurodeck_spike_rate", "spike_rate")


def test_an_existing_folder_is_not_overwritten(tmp_path):
    new_plugin("twice", tmp_path)
    with pytest.raises(NeurodeckError, match="already exists"):
        new_plugin("twice", tmp_path)


def test_new_plugin_command(tmp_path, capsys):
    assert cli.main(["new-plugin", "from-cli", "--dest", str(tmp_path)]) == 0
    assert (tmp_path / "neurodeck-from-cli" / "neurodeck_from_cli" / "compute.py").is_file()
    assert "created" in capsys.readouterr().out


def test_the_template_transform_runs_in_the_gui_and_undoes(qtbot, neurodeck_plugins,
                                                           template_project, plugin_names,
                                                           monkeypatch):
    """A third-party transform from the template, in the real main window."""
    import importlib

    import numpy as np

    import neurodeck
    from neurodeck.gui.main_window import MainWindow

    monkeypatch.syspath_prepend(str(template_project))
    module = importlib.import_module(plugin_names["package"])
    neurodeck_plugins.register(module, plugin_names["entry"])
    window = MainWindow(neurodeck_plugins)
    qtbot.addWidget(window)
    tr = neurodeck.Traces(np.random.default_rng(0).normal(size=(3, 400)), sfreq=100.0)
    entry = window.session.add(tr)
    spec = neurodeck_plugins.transform(f"{plugin_names['slug']}-smooth")
    job = window.run_step(neurodeck.engine.prepare(spec, {"window_s": 0.05}), [entry.id])
    qtbot.waitUntil(lambda: not job.active, timeout=30000)
    assert job.status == "done", job.error
    out = max(window.session.entries.values(), key=lambda e: e.id)
    assert out.parent == entry.id and out.dataset.derivation["transform"] == spec.id
    window.undo()
    assert out.id not in window.session.entries
