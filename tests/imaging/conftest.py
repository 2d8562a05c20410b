"""Fixtures of the imaging tests: the committed suite2p and CaImAn outputs (see
fixtures/make_*.py for how they were made) and small TIFF movies written here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def s2p() -> Path:
    """suite2p 1.1.0's output on a synthetic 2-plane movie with 14 planted cells a plane."""
    return FIXTURES / "suite2p"


@pytest.fixture
def truth() -> dict[str, np.ndarray]:
    return dict(np.load(FIXTURES / "truth.npz"))


@pytest.fixture
def caiman_file() -> Path:
    return FIXTURES / "caiman_cnmf.hdf5"
