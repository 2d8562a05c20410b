"""Helpers for testing neurodeck and neurodeck plugins (no Qt imported here)."""

from __future__ import annotations

import os
from pathlib import Path


def shared_data_dir() -> Path | None:
    """``../shared/data`` beside the checkout (or ``$NEURODECK_SHARED_DATA``), if present."""
    env = os.environ.get("NEURODECK_SHARED_DATA")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "data" for p in here.parents]
    candidates.append(Path.cwd().parent / "shared" / "data")
    return next((c for c in candidates if c.is_dir()), None)
