"""Where bundled resources (icons, stylesheet, sample data) live at run time."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources`` folder: inside the package once installed from a wheel,
    beside the package in a source checkout / editable install, or in a frozen bundle."""
    here = Path(__file__).resolve().parent
    candidates = [
        here / "resources",  # wheel: force-included as neurodeck/resources
        here.parent.parent / "resources",  # checkout: app/neurodeck -> resources
    ]
    if getattr(sys, "frozen", False):  # PyInstaller
        candidates.insert(0, Path(getattr(sys, "_MEIPASS", here)) / "neurodeck" / "resources")
    for c in candidates:
        if c.is_dir():
            return c
    raise FileNotFoundError("neurodeck's resources folder is missing from this installation")


def docs_dir() -> Path | None:
    """The manual (``docs/``): in the package once installed, beside it in a checkout."""
    here = Path(__file__).resolve().parent
    candidates = [here / "docs", here.parent.parent / "docs"]
    if getattr(sys, "frozen", False):
        candidates.insert(0, Path(getattr(sys, "_MEIPASS", here)) / "neurodeck" / "docs")
    return next((c for c in candidates if (c / "architecture.md").is_file()), None)


def resource_path(*parts: str) -> Path:
    """A file under ``resources/`` (e.g. ``resource_path("samples", "eeg.edf")``)."""
    return resources_dir().joinpath(*parts)
