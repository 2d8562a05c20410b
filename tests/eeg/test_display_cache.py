"""The display cache of a lazy recording (``neurodeck_mne.display_cache``): a float32 file
of the whole chain, equal to the lazy raw's own reads to float32 rounding; refused when
the disk is short; deleted when cancelled, closed or dropped."""

from __future__ import annotations

import gc
import tempfile

import mne
import numpy as np
import pytest
from neurodeck_mne import display_cache as dc
from neurodeck_mne import lazy

from neurodeck.data import Recording
from neurodeck.errors import Cancelled
from neurodeck.jobs.progress import Progress

from .conftest import T

#: float32 keeps 24 bits (6e-8 relative); a chain with a spatial operation on top rounds its
#: filtered samples once more before the reference: 1e-6 of the data's scale bounds both.
RTOL = 1e-6
SFREQ = 250.0


@pytest.fixture(autouse=True)
def _private_tmp(tmp_path, monkeypatch):
    """Caches go to this test's own temporary directory (checked empty afterwards)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _rec(n_ch: int = 12, seconds: float = 40.0, seed: int = 0) -> Recording:
    rng = np.random.default_rng(seed)
    n = int(seconds * SFREQ)
    t = np.arange(n) / SFREQ
    # a common drift and 50 Hz line noise on top of per-channel noise: the filters, the
    # notch and the reference all change something
    data = (rng.standard_normal((n_ch, n)) * 1e-5 + 2e-4 * np.sin(2 * np.pi * 0.1 * t)
            + 3e-5 * np.sin(2 * np.pi * 50.0 * t) + 1e-4)
    info = mne.create_info([f"E{i}" for i in range(n_ch)], SFREQ, "eeg")
    return Recording(mne.io.RawArray(data, info, verbose=False), name="synthetic")


def _chains(rec: Recording) -> dict[str, Recording]:
    filt = T("filter", rec, l_freq=1.0, h_freq=40.0)
    return {
        "filter": filt,
        "filter-notch-average": T("rereference", T("notch", filt, freqs="50"),
                                  ref_channels="average"),
        "filter-bipolar": T("rereference", filt, anode="E0,E2", cathode="E1,E3"),
        "filter-channel-reference": T("rereference", filt, ref_channels="E5"),
        "bipolar-of-file": T("rereference", rec, anode="E0", cathode="E1"),
        # not coverable (a filter on a reference; a cropped chain): the generic path,
        # windows of the chain
        "filter-cropped": T("crop", filt, tmin=5.0, tmax=30.0),
        "average-then-filter": T("filter", T("rereference", rec, ref_channels="average"),
                                 l_freq=1.0, h_freq=None),
    }


@pytest.mark.parametrize("name", list(_chains(_rec())))
def test_cache_equals_the_lazy_raw_to_float32(name, _private_tmp):
    ds = _chains(_rec())[name]
    assert lazy.is_lazy(ds.raw)
    assert lazy.coverable(ds.raw) == (name not in ("average-then-filter", "filter-cropped"))
    cache = ds.display_copy()
    assert cache is ds.display_copy()  # one per dataset
    assert cache.read(0, 10) is None  # not built yet
    seen: list[float] = []
    assert cache.build(Progress(lambda f, m: seen.append(f)))
    assert seen and seen[-1] == 1.0 and bool(np.all(np.diff(seen) >= 0))
    whole = ds.raw.get_data()
    scale = float(np.abs(whole).max())
    got = cache.read(0, ds.n_times)
    assert got.dtype == np.float32 and got.shape == whole.shape
    np.testing.assert_allclose(got, whole, rtol=0, atol=RTOL * scale)
    # windows as the browser reads them (the lazy window path), rows picked
    for start, stop, picks in ((0, 500, [0, 3]), (4321, 6000, [1, 2, 4]),
                               (ds.n_times - 700, ds.n_times, None)):
        want = ds.get_data(start, stop, picks)
        np.testing.assert_allclose(cache.read(start, stop, picks), want, rtol=0,
                                   atol=RTOL * scale)
    # the values are not merely close to each other by being tiny: float32 rounding level
    assert np.abs(got - whole).max() <= 8 * np.finfo(np.float32).eps * scale
    path = cache.path
    assert path is not None and path.startswith(str(_private_tmp))
    cache.close()
    assert not list(_private_tmp.iterdir())
    assert cache.read(0, 10) is None
    assert ds.display_copy() is not cache  # a closed cache is replaced by a fresh one


def test_plain_recordings_offer_no_cache():
    rec = _rec()
    assert rec.display_copy() is None  # loaded data: nothing to compute
    picked = T("pick", rec, picks="E0,E1")  # a view of loaded data: still nothing
    assert picked.display_copy() is None


def test_cancel_leaves_no_file(_private_tmp):
    ds = _chains(_rec())["filter-notch-average"]
    cache = ds.display_copy()
    progress = Progress()
    calls = []

    def cancel_on_third(fraction, message):
        calls.append(fraction)
        if len(calls) == 3:
            progress.cancel()

    progress.add_listener(cancel_on_third)
    with pytest.raises(Cancelled):
        cache.build(progress)
    assert not cache.ready and cache.error is None
    assert not list(_private_tmp.iterdir())
    assert cache.build()  # built later, from the start
    assert cache.ready


def test_refused_when_the_disk_would_be_short(monkeypatch, _private_tmp):
    ds = _chains(_rec())["filter"]
    cache = ds.display_copy()
    free = dc.shutil.disk_usage(str(_private_tmp)).free
    monkeypatch.setattr(dc, "RESERVE_FRACTION", 0.0)
    monkeypatch.setattr(dc, "RESERVE_BYTES", free - cache.nbytes // 2)  # half the file short
    assert cache.build() is False
    assert "display cache not built" in cache.refused
    assert not cache.ready and cache.read(0, 10) is None
    assert not list(_private_tmp.iterdir())
    monkeypatch.setattr(dc, "RESERVE_BYTES", 0)
    cache2 = dc.DisplayCache(ds.raw)
    assert cache2.build() and cache2.refused is None
    cache2.close()


def test_bipolar_on_a_chain_counts_its_temporary_file():
    ds = _chains(_rec())["filter-bipolar"]
    cache = ds.display_copy()
    assert len(ds.labels) == 12 - 4 + 2  # the references dropped, the two pairs added
    assert cache.nbytes == len(ds.labels) * ds.n_times * 4
    assert cache.space_needed() == cache.nbytes + 12 * ds.n_times * 4


def test_file_deleted_when_the_cache_is_dropped(_private_tmp):
    ds = _chains(_rec())["filter"]
    cache = dc.DisplayCache(ds.raw)
    assert cache.build()
    assert len(list(_private_tmp.iterdir())) == 1
    del cache
    gc.collect()
    assert not list(_private_tmp.iterdir())
