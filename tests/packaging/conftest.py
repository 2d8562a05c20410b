"""Shared fixtures of the delivery tests: a plugin generated from the template and built
into a wheel, and a builder of tiny hand-made wheels."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from neurodeck.templates import names, new_plugin

PLUGIN = "rms-demo"


@pytest.fixture(scope="session")
def template_project(tmp_path_factory) -> Path:
    return new_plugin(PLUGIN, tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def template_wheel(template_project) -> Path:
    """The generated plugin built as a wheel the way its README says (hatchling here)."""
    out = template_project / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(template_project)],
                   check=True, capture_output=True, text=True)
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="session")
def plugin_names() -> dict[str, str]:
    return names(PLUGIN)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(folder: Path, dist: str, version: str, files: dict[str, str], *,
                requires: tuple[str, ...] = (), plugin: tuple[str, str] | None = None) -> Path:
    """A minimal pure-Python wheel (PEP 427) written by hand: fast and offline."""
    norm = dist.replace("-", "_")
    info = f"{norm}-{version}.dist-info"
    meta = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}",
            *(f"Requires-Dist: {r}" for r in requires)]
    content = dict(files)
    content[f"{info}/METADATA"] = "\n".join(meta) + "\n"
    content[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: neurodeck-tests\n"
                                "Root-Is-Purelib: true\nTag: py3-none-any\n")
    if plugin:
        content[f"{info}/entry_points.txt"] = f"[neurodeck.plugins]\n{plugin[0]} = {plugin[1]}\n"
    record = [_record_line(k, v.encode()) for k, v in content.items()] + [f"{info}/RECORD,,"]
    content[f"{info}/RECORD"] = "\n".join(record) + "\n"
    path = folder / f"{norm}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for k, v in content.items():
            zf.writestr(k, v)
    return path


@pytest.fixture
def make_wheel():
    return build_wheel
