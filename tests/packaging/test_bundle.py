"""The frozen Linux bundle works: built-in plugins are discovered, the GUI starts
offscreen and opens a sample, an analysis runs headless through the bundled CLI, and a
locally built plugin wheel installs into the per-user folder, shows up after a restart
and is removed again.

Uses the bundle in ``$NEURODECK_BUNDLE`` (``packaging/build-linux.sh --check`` sets it);
otherwise builds one with ``packaging/build-linux.sh --bundle`` (about 1.5-2 min here).
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neurodeck
from neurodeck.data.result import Result
from neurodeck.paths import resource_path

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the bundle test builds the Linux bundle")]

ROOT = Path(__file__).resolve().parents[2]
EDF = resource_path("samples", "eegmmidb_S001R04.edf")


@pytest.fixture(scope="module")
def bundle() -> Path:
    if os.environ.get("NEURODECK_BUNDLE"):
        path = Path(os.environ["NEURODECK_BUNDLE"])
    else:
        try:
            import PyInstaller  # noqa: F401
        except ImportError:
            pytest.skip("PyInstaller is not installed (the 'package' extra); set "
                        "NEURODECK_BUNDLE to test a bundle built elsewhere")
        subprocess.run(["bash", str(ROOT / "packaging" / "build-linux.sh"), "--bundle"],
                       check=True, env={**os.environ, "PYTHON": sys.executable},
                       capture_output=True, timeout=900)
        path = ROOT / "packaging" / "out" / "dist" / "neurodeck"
    assert (path / "neurodeck").is_file(), f"no bundle at {path}"
    return path


@pytest.fixture
def user_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NEURODECK_", "PYTHON"))}
    env.update(NEURODECK_CONFIG_DIR=str(tmp_path / "config"), QT_QPA_PLATFORM="offscreen",
               PIP_NO_INDEX="1")
    return env


def run(bundle: Path, *args: str, env: dict[str, str], timeout: float = 120):
    return subprocess.run([str(bundle / "neurodeck"), *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_bundle_is_lean(bundle):
    internal = bundle / "_internal"
    assert not (internal / "torch").exists()
    names = {p.name.lower() for p in internal.rglob("*")}
    for unused in ("libqt6quick.so.6", "libqt6qml.so.6", "libqt6pdf.so.6",
                   "libqt6webenginecore.so.6", "qtquick.abi3.so", "qtnetwork.abi3.so"):
        assert unused not in names, unused
    assert not list(internal.glob("mne/**/tests/*.py"))
    size_mb = sum(p.stat().st_size for p in bundle.rglob("*")
                  if p.is_file() and not p.is_symlink()) / 2**20
    print(f"bundle size: {size_mb:.0f} MiB")
    assert size_mb < 600


def test_builtin_plugins_are_discovered(bundle, user_env):
    proc = run(bundle, "plugins", "--json", env=user_env)
    assert proc.returncode == 0, proc.stderr
    found = {p["name"]: p for p in json.loads(proc.stdout)}
    expected = {ep.name for ep in md.distribution("neurodeck").entry_points
                if ep.group == "neurodeck.plugins"}
    # "neurodeck-core" (the built-in commands) is registered by the app itself
    assert set(found) == expected | {"neurodeck-core"}
    assert all(p["builtin"] and p["status"] == "ok" for p in found.values()), found


def test_gui_starts_offscreen_and_opens_a_sample(bundle, user_env, tmp_path):
    env = {**user_env, "NEURODECK_QUIT_WHEN_IDLE": "1"}
    proc = run(bundle, str(EDF), env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    settings = json.loads((tmp_path / "config" / "settings.json").read_text())
    assert str(EDF.resolve()) in settings["recent_files"]  # the open job finished


def test_gui_starts_on_the_bundled_sample(bundle, user_env, tmp_path):
    env = {**user_env, "NEURODECK_QUIT_WHEN_IDLE": "1"}
    proc = run(bundle, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    settings = json.loads((tmp_path / "config" / "settings.json").read_text())
    (opened,) = settings["recent_files"]
    # File > Open Sample data ships inside the bundle, not read from the checkout.
    assert Path(opened).is_relative_to(bundle.resolve()) and Path(opened).suffix == ".edf"


def test_headless_analysis_matches_the_source_install(bundle, user_env, tmp_path):
    out = tmp_path / "r.h5"
    proc = run(bundle, "run", "fc", "--input", str(EDF), "--output", str(out), "-q",
               env=user_env)
    assert proc.returncode == 0, proc.stderr
    frozen = Result.load(out)
    assert frozen.provenance["analysis"] == "fc"
    here = neurodeck.run("fc", str(EDF))
    assert frozen["labels"].tolist() == here["labels"].tolist()
    np.testing.assert_allclose(frozen["matrix"], here["matrix"], rtol=1e-12, atol=1e-12)


def test_plugin_wheel_installs_into_the_bundle_and_is_removed(bundle, user_env, tmp_path,
                                                              template_wheel, plugin_names):
    entry, slug = plugin_names["entry"], plugin_names["slug"]
    proc = run(bundle, "install-plugin", str(template_wheel), env=user_env)
    assert proc.returncode == 0, proc.stderr
    assert "restart" in proc.stdout

    # A fresh start of the app (= restart) sees it.
    listed = {p["name"]: p for p in json.loads(run(bundle, "plugins", "--json",
                                                   env=user_env).stdout)}
    assert listed[entry]["status"] == "ok" and not listed[entry]["builtin"]

    sample = tmp_path / f"x{plugin_names['extension']}"
    data = np.array([[1.0, -1.0, 1.0, -1.0], [0.0, 2.0, 4.0, 6.0]])
    np.savetxt(sample, data.T, header=f"neurodeck-{slug} traces\nsfreq = 4.0\nlabels = p q",
               comments="# ")
    out = tmp_path / "rms.h5"
    proc = run(bundle, "run", f"{slug}-rms", "--input", str(sample), "--output", str(out),
               "-q", env=user_env)
    assert proc.returncode == 0, proc.stderr
    np.testing.assert_allclose(Result.load(out)["rms"], [1.0, np.sqrt(5.0)], rtol=1e-12)

    proc = run(bundle, "remove-plugin", plugin_names["dist"], env=user_env)
    assert proc.returncode == 0, proc.stderr
    listed = {p["name"] for p in json.loads(run(bundle, "plugins", "--json",
                                                env=user_env).stdout)}
    assert entry not in listed


def test_new_plugin_works_in_the_bundle(bundle, user_env, tmp_path):
    proc = run(bundle, "new-plugin", "frozen-made", "--dest", str(tmp_path), env=user_env)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "neurodeck-frozen-made" / "neurodeck_frozen_made" / "view.py").is_file()
    shutil.rmtree(tmp_path / "neurodeck-frozen-made")
