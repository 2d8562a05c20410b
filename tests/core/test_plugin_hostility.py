"""Plugins that are broken or hostile cannot break discovery, the CLI or other plugins."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np

import neurodeck
from neurodeck.plugin_api import Analysis, Command, Reader, hookimpl
from neurodeck.plugin_api.manager import PluginManager


class Malformed:
    @hookimpl
    def neurodeck_readers(self):
        return [Reader(id="bad-reader", title="x", extensions=None, read="x:y")]

    @hookimpl
    def neurodeck_analyses(self):
        return [Analysis(id="bad-analysis", title="x", description="d", accepts=None,
                         run="x:y"),
                Analysis(id="fc", title="Impostor", description="shadows the built-in fc",
                         accepts=("timeseries",), run="x:y")]

    @hookimpl
    def neurodeck_commands(self):
        return [Command("run", "shadows the built-in run", "x:y", "x:y")]


def test_malformed_and_clashing_contributions_are_refused_and_shown(neurodeck_plugins,
                                                                   tmp_path):
    neurodeck_plugins.register(Malformed(), "malformed")
    readers = neurodeck_plugins.contributions("readers")
    assert "bad-reader" not in {r.id for r in readers}
    # Opening files still works (a None extension list used to break every open).
    path = tmp_path / "t.csv"
    np.savetxt(path, np.ones((5, 2)), delimiter=",", header="time,a", comments="")
    assert neurodeck.open(path, sfreq=1.0).n_rows == 1
    analyses = {a.id: a for a in neurodeck_plugins.contributions("analyses")}
    assert "bad-analysis" not in analyses and analyses["fc"].plugin == "fc"  # built-in kept
    assert {c.name: c.plugin for c in neurodeck_plugins.contributions("commands")}["run"] == \
        "neurodeck-core"
    errors = "\n".join(neurodeck_plugins.info["malformed"].errors)
    assert "extensions=None" in errors and "accepts=None" in errors
    assert "already provided by built-in plugin 'fc'" in errors
    assert "'run' is already provided by built-in plugin 'neurodeck-core'" in errors


def _plugin_env(tmp_path, body: str) -> dict:
    """A third-party plugin package on the path with an entry point (as pip leaves it)."""
    site = tmp_path / "site"
    pkg = site / "evil_plugin"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(textwrap.dedent(body))
    info = site / "evil_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[neurodeck.plugins]\nevil = evil_plugin\n")
    env = {**os.environ, "PYTHONPATH": str(site), "NEURODECK_CONFIG_DIR": str(tmp_path / "c"),
           "NEURODECK_PLUGIN_IMPORT_TIMEOUT": "3"}
    return env


def test_a_plugin_whose_import_hangs_is_skipped_in_time(tmp_path):
    env = _plugin_env(tmp_path, "import time\ntime.sleep(600)\n")
    proc = subprocess.run([sys.executable, "-m", "neurodeck", "plugins", "--json"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    info = {p["name"]: p for p in json.loads(proc.stdout)}
    assert info["evil"]["status"] == "failed" and "did not finish in 3 s" in \
        info["evil"]["errors"][0]
    assert info["fc"]["status"] == "ok"


def test_a_plugin_printing_to_stdout_keeps_json_output_clean(tmp_path):
    env = _plugin_env(tmp_path, """
        print("hello from a chatty plugin")
        from neurodeck.plugin_api import hookimpl

        @hookimpl
        def neurodeck_analyses():
            print("chatty hook")
            return []
    """)
    for cmd in (["plugins", "--json"], ["analyses", "--json"]):
        proc = subprocess.run([sys.executable, "-m", "neurodeck", *cmd], env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        json.loads(proc.stdout)  # nothing but JSON on stdout
        assert "chatty" in proc.stderr or "hello" in proc.stderr


def test_discovery_itself_never_raises_on_a_broken_manager_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURODECK_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.json").write_text('{"disabled_plugins": 5}')
    pm = PluginManager()
    pm.discover()
    assert pm.info["fc"].status == "ok"
