"""Saving a curated plane in suite2p's own format: ``iscell.npy`` (ROIs x 2: the cell
flag, the classifier probability), as suite2p's GUI writes it, so suite2p and any tool
reading suite2p folders see the curation."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neurodeck.atomic import atomic_path
from neurodeck.errors import InputError

from .dataset import ImagingPlane


def write_iscell(plane: ImagingPlane, path: str | Path) -> None:
    if not isinstance(plane, ImagingPlane):
        raise InputError(f"{plane.name} is not an imaging plane")
    prob = np.where(np.isfinite(plane.cell_prob), plane.cell_prob,
                    plane.iscell.astype(float))
    table = np.column_stack([plane.iscell.astype(np.float64), prob])
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as fh:
        np.save(fh, table, allow_pickle=False)
