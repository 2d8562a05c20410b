"""The wheel, installed into a fresh virtual environment, works outside the source tree:
entry points register every built-in plugin and the bundled resources are found."""

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_in_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(ROOT)], check=True, capture_output=True, timeout=600)
    wheel = next(dist.glob("neurodeck-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # Dependencies come from this environment (so the test needs no network), the
    # neurodeck package itself only from the wheel: the .pth adds the outer
    # site-packages *after* the venv's own, and the outer editable finder is not loaded.
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True).stdout
    Path(site.strip(), "outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {**os.environ, "NEURODECK_CONFIG_DIR": str(tmp_path / "cfg")}
    exe = env_dir / "bin" / "neurodeck"
    out = subprocess.run([str(exe), "analyses", "--json"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "fc" in {a["id"] for a in json.loads(out.stdout)}
    where = subprocess.run(
        [str(py), "-c", "import neurodeck, neurodeck_fc; from neurodeck.paths import "
         "resources_dir; print(neurodeck.__file__); print(neurodeck_fc.__file__); "
         "print(resources_dir())"],
        capture_output=True, text=True, cwd=tmp_path, env=env, check=True).stdout.split()
    assert all(str(env_dir) in w for w in where), where  # nothing from the checkout
    sample = Path(where[2]) / "samples" / "eegmmidb_S001R04.edf"
    info = subprocess.run([str(exe), "info", str(sample), "--json"], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=300)
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["rows"] == 64
