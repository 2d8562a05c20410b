"""The plugin manager: discovery, run-time registration, failure isolation, persistence."""

import importlib.metadata as md
import subprocess
import sys
import types

import numpy as np
import pytest

import neurodeck
from neurodeck.plugin_api import Analysis, Float, Reader, hookimpl
from neurodeck.plugin_api.manager import PluginManager
from neurodeck.settings import Settings


def _scale_run(inputs, params, progress):
    return {"scaled": inputs[0].data * params["factor"]}


class ScalePlugin:
    """A complete third-party-style plugin, registered at run time."""

    @hookimpl
    def neurodeck_analyses(self):
        return [Analysis(id="scale", title="Scale", description="Multiply by a factor.",
                         accepts=("traces",), run=_scale_run,
                         params=[Float("factor", 2.0)], outputs={"scaled": "data x factor"})]


class RaisingPlugin:
    @hookimpl
    def neurodeck_analyses(self):
        raise RuntimeError("this plugin is broken")

    @hookimpl
    def neurodeck_readers(self):
        return ["not a reader"]


def test_builtin_plugins_are_discovered_through_entry_points(neurodeck_plugins):
    names = {i.name for i in neurodeck_plugins.info.values()}
    assert {"mne", "tables", "fc"} <= names
    fc = neurodeck_plugins.info["fc"]
    assert fc.builtin and fc.status == "ok" and fc.version == neurodeck.__version__
    assert "fc" in [a.id for a in neurodeck.analyses()]


def test_builtin_plugins_load_without_errors_or_id_clashes():
    """Every contribution of every built-in plugin is served: none refused, and no two
    plugins declare the same id (the second one would be ignored and unreachable)."""
    pm = neurodeck.api.plugin_manager()
    for kind in ("readers", "writers", "transforms", "analyses", "views", "sample_data",
                 "commands"):
        pm.contributions(kind)  # collecting them records refusals and clashes
    builtin = [i for i in pm.info.values() if i.builtin]
    assert len(builtin) >= 10
    assert {i.name: i.errors for i in builtin if i.errors} == {}


def test_runtime_plugin_runs_and_a_raising_plugin_hides_nothing(neurodeck_plugins):
    neurodeck_plugins.register(RaisingPlugin(), "raising")
    neurodeck_plugins.register(ScalePlugin(), "scale-plugin", version="1.2")
    ids = [a.id for a in neurodeck_plugins.contributions("analyses")]
    assert "scale" in ids and "fc" in ids  # the raising hook did not hide the others
    info = neurodeck_plugins.info["raising"]
    assert info.status == "error" and "this plugin is broken" in info.errors[0]
    neurodeck_plugins.contributions("readers")  # returns a str: recorded, then skipped
    assert any("not a contribution" in e for e in info.errors)
    res = neurodeck.run("scale", neurodeck.Traces(np.ones((2, 3)), sfreq=1.0), factor="3")
    assert np.all(res["scaled"] == 3.0)
    assert res.provenance["plugin"] == "scale-plugin"
    assert res.provenance["plugin_version"] == "1.2"


def _fake_entry_points(monkeypatch, extra):
    real = md.entry_points

    def entry_points(**kwargs):
        eps = list(real(**kwargs))
        if kwargs.get("group") == "neurodeck.plugins":
            eps += extra
        return eps

    monkeypatch.setattr(md, "entry_points", entry_points)


def test_plugin_failing_to_import_is_reported_and_skipped(monkeypatch, neurodeck_config):
    broken = md.EntryPoint(name="broken", value="neurodeck_no_such_module_xyz",
                           group="neurodeck.plugins")
    _fake_entry_points(monkeypatch, [broken])
    pm = PluginManager()
    pm.discover()
    assert pm.info["broken"].status == "failed"
    assert "ModuleNotFoundError" in pm.info["broken"].errors[0]
    assert not pm.info["broken"].builtin
    assert "fc" in [a.id for a in pm.contributions("analyses")]  # the rest keep working


def test_safe_mode_disables_third_party_and_choices_persist(monkeypatch, neurodeck_config):
    module = types.ModuleType("neurodeck_thirdparty_demo")
    module.neurodeck_readers = hookimpl(lambda: [Reader(
        id="demo", title="Demo", extensions=(".demo",), read=lambda p: None)])
    sys.modules["neurodeck_thirdparty_demo"] = module
    ep = md.EntryPoint(name="demo", value="neurodeck_thirdparty_demo",
                       group="neurodeck.plugins")
    _fake_entry_points(monkeypatch, [ep])
    try:
        pm = PluginManager()
        pm.discover()
        assert "demo" in [r.id for r in pm.contributions("readers")]
        safe = PluginManager(safe_mode=True)
        safe.discover()
        assert safe.info["demo"].status == "disabled"
        assert safe.info["fc"].status == "ok"  # built-ins stay on in safe mode
        assert "demo" not in [r.id for r in safe.contributions("readers")]
        pm.set_enabled("demo", False)
        again = PluginManager(Settings())
        again.discover()
        assert again.info["demo"].status == "disabled"
    finally:
        del sys.modules["neurodeck_thirdparty_demo"]


def test_startup_imports_no_heavy_library():
    code = ("import sys, neurodeck; neurodeck.analyses(); "
            "pm = neurodeck.api.plugin_manager(); "
            "[pm.contributions(k) for k in ('readers','writers','views','sample_data')]; "
            "heavy = [m for m in ('mne','nilearn','torch','sklearn','PySide6','tensorly',"
            "'dask','pynwb') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


@pytest.mark.parametrize("hook", ["neurodeck_readers", "neurodeck_writers", "neurodeck_analyses",
                                  "neurodeck_views", "neurodeck_sample_data",
                                  "neurodeck_commands"])
def test_every_hook_has_a_documented_example(hook):
    from neurodeck import hookspecs

    doc = getattr(hookspecs, hook).__doc__
    assert doc and "Example::" in doc and "Returns" in doc
