"""The hostile-input suite (issue 17): every generated case through the app, counted.

Each case runs in one app process (``driver.py``) as a user would open it; the runner
counts clean errors, crashes, hangs, memory over budget, executed code and files
touched outside the case's folder. The last six columns must be zero. Run with ``-s`` to
see the table.
"""

from __future__ import annotations

import os
import sys

import hostile_cases
import pytest
import runner
from hostile_wheels import hostile_wheels

from neurodeck.plugin_api import installer
from neurodeck.plugin_api.installer import InstallError


def test_hostile_files_cost_an_error_message_never_the_app(tmp_path):
    env, cases = hostile_cases.build_all(tmp_path)
    assert len(cases) >= 45 and {c.item for c in cases} >= {
        "4 native", "5 bombs", "6 references", "7 results", "12 plausibility"}
    report = runner.run(cases, env, budget=512 * 2**20, probe_timeout=20)
    print("\n" + report.table())
    findings = report.findings()
    assert not findings, "\n".join(findings) + "\n" + report.table()
    counts = report.counts()
    assert counts["clean error"] + counts["opened"] == counts["tried"]
    # The secrets beside the cases are untouched (the audit hook saw no open; no write).
    assert (env.secrets / "secret.txt").read_text() == "the user's private notes\n"
    assert not env.canary.exists()


def test_hostile_plugin_wheels_are_refused_and_never_run(tmp_path, monkeypatch, make_good):
    canary = tmp_path / "canary"
    target = tmp_path / "plugins"
    target.mkdir()
    # A start-up hook already in the folder (an older install) must not run inside pip
    # either, even with the folder on this process's PYTHONPATH.
    (target / "sitecustomize.py").write_text(
        f"import pathlib; pathlib.Path({str(canary)!r}).write_text('ran')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(target), os.environ.get(
        "PYTHONPATH", "")]))
    wheels = hostile_wheels(tmp_path / "wheels", canary)
    rows = []
    for name, wheel, words in wheels:
        with pytest.raises(InstallError) as err:
            installer.install(str(wheel), target=target, pip_args=["--no-index"])
        rows.append((name, str(err.value)))
        assert words in str(err.value), (name, str(err.value))
        assert sorted(p.name for p in target.iterdir()) == ["sitecustomize.py"], name
    # A good plugin still installs: pip ran twice more, and the planted hook never ran.
    good = make_good(tmp_path / "wheels")
    assert installer.install(str(good), target=target, pip_args=["--no-index"]) == [
        "nd-good==1.0"]
    assert not canary.exists()
    print("\n" + "\n".join(f"{n}: {m[:160]}" for n, m in rows))


@pytest.fixture
def make_good():
    from hostile_wheels import wheel

    return lambda folder: wheel(folder, "nd-good", "1.0", {"nd_good/__init__.py": "X = 1\n"})


def test_run_pip_never_has_the_plugin_folder_on_its_path(tmp_path, monkeypatch):
    seen = {}

    def fake_run(cmd, env, **kwargs):  # noqa: ANN001, ANN003
        seen.update(env=env, cwd=kwargs.get("cwd"))

        class Done:
            returncode, stdout, stderr = 0, "", ""
        return Done()

    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(tmp_path), "/elsewhere"]))
    monkeypatch.setattr(installer.subprocess, "run", fake_run)
    installer._pip(["--version"], tmp_path)
    assert seen["env"]["PYTHONPATH"] == "/elsewhere"
    assert seen["cwd"] != str(tmp_path) and sys.executable
