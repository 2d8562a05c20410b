"""Per-user plugin installs: a template-generated plugin installed from its wheel is
discovered by a fresh neurodeck process, runs, passes its own tests, and is removed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neurodeck.data.result import Result
from neurodeck.plugin_api import installer
from neurodeck.plugin_api.installer import InstallError
from neurodeck.plugin_api.manager import PluginManager


def neurodeck_cli(*args: str, env: dict[str, str], cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "neurodeck", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def isolated_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NEURODECK_CONFIG_DIR"] = str(tmp_path / "config")
    env.pop("NEURODECK_PLUGIN_DIR", None)
    env["PIP_NO_INDEX"] = "1"  # offline: everything the wheel needs is installed
    return env


def write_traces(path: Path, data: np.ndarray, labels: list[str], sfreq: float, slug: str):
    # The template's format, written independently of its writer.
    header = f"neurodeck-{slug} traces\nsfreq = {sfreq}\nlabels = {' '.join(labels)}"
    np.savetxt(path, data.T, fmt="%.17g", header=header, comments="# ")


@pytest.mark.slow
def test_template_plugin_installs_runs_and_is_removed(template_wheel, template_project,
                                                       plugin_names, tmp_path):
    env = isolated_env(tmp_path)
    target = tmp_path / "config" / "plugins" / f"py{sys.version_info[0]}.{sys.version_info[1]}"
    entry, slug = plugin_names["entry"], plugin_names["slug"]

    proc = neurodeck_cli("install-plugin", str(template_wheel), env=env)
    assert proc.returncode == 0, proc.stderr
    assert (target / plugin_names["package"] / "compute.py").is_file()

    proc = neurodeck_cli("plugins", "--json", env=env)
    info = {p["name"]: p for p in json.loads(proc.stdout)}
    assert info[entry]["status"] == "ok", info[entry]
    assert info[entry]["distribution"] == "neurodeck-rms-demo"
    assert not info[entry]["builtin"] and info["fc"]["builtin"]

    rng = np.random.default_rng(1)
    data = 3.0 + rng.standard_normal((4, 2000)) * np.array([[1.0], [2.0], [0.5], [4.0]])
    sample = tmp_path / f"sample{plugin_names['extension']}"
    write_traces(sample, data, ["a", "b", "c", "d"], 200.0, slug)
    out = tmp_path / "rms.h5"
    proc = neurodeck_cli("run", f"{slug}-rms", "--input", str(sample), "--param", "tmin=2",
                         "--output", str(out), "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    res = Result.load(out)
    np.testing.assert_allclose(res["rms"], data[:, 400:].std(axis=1), rtol=1e-12)
    assert res.provenance["plugin"] == entry

    # Its transform, from the CLI, in a pipeline on two worker processes, and in an
    # exported script: all equal to the moving average computed here.
    def smoothed(x, width=21):
        from numpy.lib.stride_tricks import sliding_window_view

        pad = np.pad(x, ((0, 0), (width // 2, width // 2)), constant_values=np.nan)
        return np.nanmean(sliding_window_view(pad, width, axis=1), axis=2)

    expect = smoothed(data)
    out_csv = tmp_path / "smooth.csv"
    proc = neurodeck_cli("transform", f"{slug}-smooth", "--input", str(sample), "--param",
                         "window_s=0.1", "--output", str(out_csv), "-q", env=env)
    assert proc.returncode == 0, proc.stderr
    back = np.loadtxt(out_csv, delimiter=",", skiprows=1)[:, 1:].T
    np.testing.assert_allclose(back, expect, rtol=1e-12)
    steps = tmp_path / "steps.toml"
    steps.write_text('format = "neurodeck-pipeline"\n[[steps]]\n'
                     f'transform = "{slug}-smooth"\n[steps.params]\nwindow_s = 0.1\n'
                     f'[[steps]]\nanalysis = "{slug}-rms"\n')
    batch_in = tmp_path / "batch"
    batch_in.mkdir()
    for i in range(3):
        write_traces(batch_in / f"s{i}{plugin_names['extension']}", data * (i + 1),
                     ["a", "b", "c", "d"], 200.0, slug)
    proc = neurodeck_cli("pipeline", "run", str(steps), "--inputs", str(batch_in), "--out",
                         str(tmp_path / "pout"), "--workers", "2", "-q", env=env)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    for i in range(3):
        got = Result.load(tmp_path / "pout" / f"s{i}.h5")
        np.testing.assert_allclose(got["rms"], smoothed(data * (i + 1)).std(axis=1),
                                   rtol=1e-10)
    from neurodeck.workspace import export_script

    history = [
        {"op": "open", "entry": 1, "path": str(sample), "reader": None, "options": {},
         "name": sample.name, "kind": "traces"},
        {"op": "transform", "entry": 2, "transform": f"{slug}-smooth", "inputs": [1],
         "params": {"window_s": 0.1}},
        {"op": "run", "entry": 3, "analysis": f"{slug}-rms", "inputs": [2],
         "params": {"tmin": 0.0, "tmax": None, "demean": True}},
    ]
    script = tmp_path / "session.py"
    export = export_script(history, script)
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "sout")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = Result.load(tmp_path / "sout" / export.outputs[3])
    np.testing.assert_allclose(got["rms"], expect.std(axis=1), rtol=1e-10)

    # The plugin's own test-suite, with neurodeck's pytest11 fixtures, from the install.
    test_env = {**env, "PYTHONPATH": str(target)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(template_project / "tests")], env=test_env, cwd=template_project,
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "9 passed" in proc.stdout

    proc = neurodeck_cli("remove-plugin", entry, env=env)
    assert proc.returncode == 0, proc.stderr
    proc = neurodeck_cli("plugins", "--json", env=env)
    assert entry not in {p["name"] for p in json.loads(proc.stdout)}
    assert [p.name for p in target.iterdir()] == [installer.MANIFEST]


def test_dependencies_come_along_once_and_leave_with_the_plugin(make_wheel, tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "nd-test-helper", "1.2", {"nd_test_helper/__init__.py": "VALUE = 42\n"})
    plugin = make_wheel(
        wheels, "nd-test-plugin", "0.3", {"nd_test_plugin/__init__.py": "import nd_test_helper\n"},
        requires=("nd-test-helper>=1", "numpy>=1.20"), plugin=("ndtest", "nd_test_plugin"))
    target = tmp_path / "plugins"
    pip_args = ["--no-index", "--find-links", str(wheels)]

    done = installer.install(str(plugin), target=target, pip_args=pip_args)
    # numpy is already there (the app's): never installed a second time.
    assert sorted(done) == ["nd-test-helper==1.2", "nd-test-plugin==0.3"]
    listed = {p.name: p for p in installer.installed(target)}
    assert listed["nd-test-plugin"].plugins == ("ndtest",) and listed["nd-test-plugin"].requested
    assert listed["nd-test-helper"].plugins == () and not listed["nd-test-helper"].requested

    with pytest.raises(InstallError, match="already installed"):
        installer.install(str(plugin), target=target, pip_args=pip_args)

    assert sorted(installer.remove("ndtest", target=target)) == ["nd-test-helper",
                                                                 "nd-test-plugin"]
    assert [p.name for p in target.iterdir()] == [installer.MANIFEST]


def test_a_dependency_still_needed_by_another_plugin_stays(make_wheel, tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "nd-shared", "1.0", {"nd_shared.py": "X = 1\n"})
    one = make_wheel(wheels, "nd-one", "1.0", {"nd_one.py": ""}, requires=("nd-shared",))
    two = make_wheel(wheels, "nd-two", "1.0", {"nd_two.py": ""}, requires=("nd-shared",))
    target = tmp_path / "plugins"
    pip_args = ["--no-index", "--find-links", str(wheels)]
    installer.install(str(one), target=target, pip_args=pip_args)
    # Already in the folder: the second plugin's dry run does not install it again.
    assert installer.install(str(two), target=target, pip_args=pip_args) == ["nd-two==1.0"]
    assert installer.remove("nd-one", target=target) == ["nd-one"]
    assert (target / "nd_shared.py").is_file()


def test_a_plugin_cannot_replace_a_package_the_app_ships(tmp_path):
    with pytest.raises(InstallError, match=r"numpy 0\.1 \(the app has"):
        installer._refuse_app_packages([{"metadata": {"name": "numpy", "version": "0.1"}}],
                                       tmp_path)


def test_errors_are_clear(tmp_path):
    with pytest.raises(InstallError, match="not installed"):
        installer.remove("nothing-here", target=tmp_path)
    with pytest.raises(InstallError, match="no such file"):
        installer.install(str(tmp_path / "missing.whl"), target=tmp_path)


def test_the_folder_follows_the_settings_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("NEURODECK_PLUGIN_DIR", raising=False)
    monkeypatch.setenv("NEURODECK_CONFIG_DIR", str(tmp_path))
    assert installer.plugin_dir().parent == tmp_path / "plugins"
    monkeypatch.setenv("NEURODECK_PLUGIN_DIR", str(tmp_path / "elsewhere"))
    assert installer.plugin_dir() == tmp_path / "elsewhere"


def test_discovery_appends_the_folder_and_finds_its_plugins(make_wheel, tmp_path, monkeypatch):
    import zipfile

    target = tmp_path / "plugins"
    target.mkdir()
    wheel = make_wheel(tmp_path, "nd-found", "0.1", {
        "nd_found/__init__.py": (
            "from neurodeck.plugin_api import Analysis, hookimpl\n"
            "@hookimpl\ndef neurodeck_analyses():\n"
            "    return [Analysis(id='nd-found', title='t', description='d',\n"
            "                     accepts=('timeseries',), run='nd_found:run')]\n")},
        plugin=("ndfound", "nd_found"))
    zipfile.ZipFile(wheel).extractall(target)  # what pip --target leaves behind
    monkeypatch.setenv("NEURODECK_PLUGIN_DIR", str(target))
    monkeypatch.setattr(sys, "path", list(sys.path))
    pm = PluginManager()
    pm.discover()
    assert sys.path[-1] == str(target)  # appended: cannot shadow the app's packages
    assert pm.info["ndfound"].status == "ok" and not pm.info["ndfound"].builtin
    assert pm.analysis("nd-found").plugin == "ndfound"
