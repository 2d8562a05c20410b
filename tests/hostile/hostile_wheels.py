"""Hostile plugin wheels (item 9), built by hand like the packaging tests' wheels."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path


def wheel(folder: Path, dist: str, version: str, files: dict[str, str]) -> Path:
    norm = dist.replace("-", "_")
    info = f"{norm}-{version}.dist-info"
    content = dict(files)
    content[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
    content[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: neurodeck-tests\n"
                                "Root-Is-Purelib: true\nTag: py3-none-any\n")
    content[f"{info}/entry_points.txt"] = f"[neurodeck.plugins]\n{norm} = {norm}\n"

    def line(name: str, data: bytes) -> str:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        return f"{name},sha256={digest},{len(data)}"

    record = [line(k, v.encode()) for k, v in content.items()] + [f"{info}/RECORD,,"]
    content[f"{info}/RECORD"] = "\n".join(record) + "\n"
    path = folder / f"{norm}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for k, v in content.items():
            zf.writestr(k, v)
    return path


def hostile_wheels(folder: Path, canary: Path) -> list[tuple[str, Path, str]]:
    """``(case name, wheel, words the refusal must contain)``; each payload writes the
    canary if it ever runs."""
    folder.mkdir(parents=True, exist_ok=True)
    boom = f"import pathlib; pathlib.Path({str(canary)!r}).write_text('ran')\n"
    ok = {"nd_evil/__init__.py": ""}
    return [
        ("named-numpy", wheel(folder, "numpy", "99.0", {"numpy/__init__.py": boom}), "numpy"),
        ("named-neurodeck", wheel(folder, "neurodeck", "99.0",
                                  {"neurodeck/__init__.py": boom}), "neurodeck"),
        ("ships-sitecustomize", wheel(folder, "nd-evil-a", "1.0",
                                      {**ok, "sitecustomize.py": boom}), "sitecustomize"),
        ("ships-usercustomize", wheel(folder, "nd-evil-b", "1.0",
                                      {**ok, "usercustomize.py": boom}), "usercustomize"),
        ("ships-pth", wheel(folder, "nd-evil-c", "1.0", {**ok, "evil.pth": boom}), ".pth"),
        ("ships-pth-in-data", wheel(folder, "nd-evil-d", "1.0",
                                    {**ok, "nd_evil_d-1.0.data/purelib/evil.pth": boom}),
         ".pth"),
        ("ships-pip", wheel(folder, "nd-evil-e", "1.0",
                            {**ok, "pip/__init__.py": boom, "pip/__main__.py": boom}), "pip"),
        ("ships-numpy-package", wheel(folder, "nd-evil-f", "1.0",
                                      {**ok, "numpy/__init__.py": boom}), "numpy"),
        ("ships-stdlib-module", wheel(folder, "nd-evil-g", "1.0",
                                      {**ok, "json/__init__.py": boom}), "json"),
        ("path-traversal", wheel(folder, "nd-evil-h", "1.0",
                                 {**ok, "../../escape.py": boom}), "outside"),
    ]
