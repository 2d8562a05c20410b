"""Shared data and helpers for the EEG/MEG chain tests (real recordings from ../shared/data)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from neurodeck import api, engine


@pytest.fixture(autouse=True)
def _quiet_mne():
    import mne

    with mne.utils.use_log_level("error"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", FutureWarning)
        yield


def mne_spec(kind: str, step_id: str):
    """The MNE plugin's transform (or an analysis) by id, as the plugin manager serves it."""
    pm = api.plugin_manager()
    if kind == "analysis":
        return pm.analysis(step_id)
    spec = pm.transform(step_id)
    assert spec.plugin == "mne", (step_id, spec.plugin)
    return spec


def T(step_id: str, *inputs, **params):  # noqa: N802 - reads like neurodeck.transform
    """Run an MNE-plugin transform through the one execution path (prepare -> execute)."""
    return engine.execute(engine.prepare(mne_spec("transform", step_id), params), list(inputs))


@pytest.fixture(scope="session")
def eeg_dir(shared_data) -> Path:
    return shared_data / "eeg"


@pytest.fixture(scope="session")
def motor_edf(eeg_dir) -> Path:
    """PhysioNet eegmmidb S001R04: 64 EEG channels, 160 Hz, 125 s, T0/T1/T2 annotations."""
    return eeg_dir / "eegmmidb_S001R04.edf"


@pytest.fixture
def rec(motor_edf):
    import neurodeck

    return neurodeck.open(motor_edf)


@pytest.fixture
def montaged(rec):
    """The recording with 10-05 positions (names standardised: 'Fc5.' -> 'FC5')."""
    return T("set-montage", rec, montage="standard_1005", standardize=True)


def mne_motor(path: Path, montage: bool = False):
    """The same file loaded by MNE directly (the reference the transforms must equal)."""
    import mne

    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    if montage:
        mne.datasets.eegbci.standardize(raw)
        raw.set_montage("colin27_1005" if "colin27_1005" in
                        mne.channels.get_builtin_montages() else "standard_1005")
    return raw


def assert_windows_match(ds, whole: np.ndarray, *, n: int = 6, seed: int = 0,
                         atol: float = 1e-12) -> None:
    """Windows read on their own equal the same samples of the whole output."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        a, b = sorted(int(x) for x in rng.integers(0, ds.n_times + 1, size=2))
        if b == a:
            continue
        np.testing.assert_allclose(ds.get_data(a, b), whole[:, a:b], rtol=0, atol=atol,
                                   err_msg=f"window {a}:{b}")
