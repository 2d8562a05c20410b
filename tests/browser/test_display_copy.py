"""The browser's display copy of a lazy recording (``neurodeck_browser.display_copy``):
built in the background only while no job runs and the view is shown, one at a time,
cancelled by a job; once ready, pages come from it and equal the lazy pages to float32."""

from __future__ import annotations

import tempfile
import threading
import time

import mne
import numpy as np
import pytest
from neurodeck_browser import display_copy as dcopy
from neurodeck_browser.browser import BrowserView
from neurodeck_browser.sources import SignalSource

from neurodeck import api, engine
from neurodeck.data import Recording
from neurodeck.errors import Cancelled
from neurodeck.jobs import activity

pytestmark = pytest.mark.gui
SFREQ = 250.0
RTOL = 1e-6  # of the data's scale: float32 rounding (see tests/eeg/test_display_cache.py)


@pytest.fixture(autouse=True)
def _setup(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # caches land here
    monkeypatch.setattr(dcopy, "QUIET_S", 0.3)  # (earlier tests may have run jobs)
    return tmp_path


def _t(step_id, *inputs, **params):
    spec = api.plugin_manager().transform(step_id)
    return engine.execute(engine.prepare(spec, params), list(inputs))


def _chain(n_ch: int = 16, seconds: float = 60.0) -> Recording:
    rng = np.random.default_rng(3)
    n = int(seconds * SFREQ)
    t = np.arange(n) / SFREQ
    data = rng.standard_normal((n_ch, n)) * 1e-5 + 1e-4 * np.sin(2 * np.pi * 0.2 * t)
    info = mne.create_info([f"E{i}" for i in range(n_ch)], SFREQ, "eeg")
    rec = Recording(mne.io.RawArray(data, info, verbose=False), name="synthetic")
    return _t("rereference", _t("filter", rec, l_freq=1.0, h_freq=40.0),
              ref_channels="average")


def _open(qtbot, ds):
    view = BrowserView(ds)
    qtbot.addWidget(view)
    view.resize(900, 500)
    view.show()
    qtbot.waitUntil(lambda: view.page is not None, timeout=5000)
    return view


def test_pages_come_from_the_copy_once_ready_and_equal_the_lazy_pages(qtbot, _setup):
    ds = _chain()
    lazy_source = SignalSource(ds)  # the lazy path, for comparison
    view = _open(qtbot, ds)
    assert view.copy_builder is not None
    qtbot.waitUntil(lambda: view.source.fast is not None, timeout=15000)
    copy = view.source.fast
    assert copy.ready and copy is ds.display_copy()
    assert copy.path.startswith(str(_setup))
    reads = []
    real = ds.get_data
    ds.get_data = lambda *a, **k: reads.append(a) or real(*a, **k)  # spy on the lazy path
    scale = float(np.abs(real()).max())
    pages = []
    for t0 in (17.3, 50.0, 33.1):  # windows not shown nor prefetched before the copy
        view.set_window(t0)
        qtbot.waitUntil(lambda t0=t0: view.page is not None and abs(view.page.t0 - t0) < 1e-9,
                        timeout=5000)
        pages.append(view.page)
    assert reads == []  # no page computed the chain
    ds.get_data = real
    for page in pages:
        want = lazy_source.fetch(page.t0, page.t1, page.picks, view.n_px(), "traces")
        assert page.y.shape == want.y.shape and page.n_samples == want.n_samples
        np.testing.assert_array_equal(page.x, want.x)
        np.testing.assert_allclose(page.y, want.y, rtol=0, atol=RTOL * scale)
    ds.get_data = lambda *a, **k: reads.append(a) or real(*a, **k)
    # the values the user copies are the exact chain, not the float32 copy
    _, _, values = view.values_table()
    assert reads
    factors = np.asarray([view.units[t].factor for t in view.types])[view.visible_rows]
    exact = real(*view.source.samples(view.t0, view.t0 + view.span), view.visible_rows)
    # float64 to a rounding of the unit conversion (the float32 copy is 1e-7 away)
    np.testing.assert_allclose(values / factors[:, None], exact, rtol=0, atol=1e-12 * scale)
    view.close()
    assert copy.closed and not list(_setup.iterdir())  # closing the view drops the copy


def test_no_build_while_a_job_is_marked_busy(qtbot, _setup):
    ds = _chain(seconds=30.0)
    with activity.running():
        view = _open(qtbot, ds)
        builder = view.copy_builder
        qtbot.wait(1500)  # three polls
        assert builder.starts == 0 and not dcopy.building()
        assert not list(_setup.iterdir())
        assert view.source.fast is None
    qtbot.waitUntil(lambda: view.source.fast is not None, timeout=15000)
    assert builder.starts == 1


def test_hidden_view_builds_nothing(qtbot, _setup):
    ds = _chain(seconds=30.0)
    view = BrowserView(ds)
    qtbot.addWidget(view)
    qtbot.wait(1200)
    assert view.copy_builder.starts == 0 and not list(_setup.iterdir())


class _SlowCopy:
    """A copy whose build runs until it is cancelled (blocks of 10 ms)."""

    def __init__(self):
        self.ready = self.closed = False
        self.refused = None
        self.cancelled = 0
        self.running = threading.Event()

    def build(self, progress):
        self.running.set()
        try:
            for i in range(10_000):
                progress.update(i / 10_000, "block")
                time.sleep(0.01)
        except Cancelled:
            self.cancelled += 1
            raise
        finally:
            self.running.clear()
        self.ready = True

    def close(self):
        self.closed = True


def _until(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.01)


def test_a_job_cancels_the_build_which_restarts_later_one_at_a_time(monkeypatch):
    monkeypatch.setattr(dcopy, "QUIET_S", 0.0)
    a, b = dcopy.CopyBuilder(_SlowCopy()), dcopy.CopyBuilder(_SlowCopy())
    try:
        assert a.poll(shown=True) == "building"
        _until(a.copy.running.is_set)
        assert b.poll(shown=True) == "waiting"  # one build at a time
        assert b.starts == 0
        with activity.running():
            assert a.poll(shown=True) == "waiting"
            _until(lambda: not a.running)
            assert a.copy.cancelled == 1 and dcopy._active is None
            assert b.poll(shown=True) == "waiting" and b.starts == 0
        # not at once: only after QUIET_S without a job (jobs run back to back)
        monkeypatch.setattr(dcopy, "QUIET_S", 0.3)
        assert a.poll(shown=True) == "waiting" and a.starts == 1
        time.sleep(0.35)
        assert a.poll(shown=True) == "building" and a.starts == 2  # restarted
        assert "preparing fast browsing" in a.note("building")
        assert a.poll(shown=False) == "waiting"  # hidden: cancelled too
        _until(lambda: not a.running)
        assert a.copy.cancelled == 2
    finally:
        a.close(1.0)
        b.close(1.0)
    assert a.poll(shown=True) == "off"  # closed: never again


def test_a_failing_copy_leaves_the_browser_reading_the_dataset(qtbot, _setup):
    ds = _chain(seconds=30.0)
    copy = ds.display_copy()
    copy.build = lambda progress=None: (_ for _ in ()).throw(RuntimeError("disk on fire"))
    view = _open(qtbot, ds)
    qtbot.waitUntil(lambda: view.copy_builder.failed is not None, timeout=5000)
    assert "disk on fire" in view.copy_builder.failed
    view.set_window(10.0)
    qtbot.waitUntil(lambda: view.page is not None and abs(view.page.t0 - 10.0) < 1e-9,
                    timeout=5000)
    assert view.source.fast is None and view.error is None


def test_two_views_share_one_copy_dropped_with_the_last(qtbot, _setup):
    ds = _chain(seconds=30.0)
    first = _open(qtbot, ds)
    qtbot.waitUntil(lambda: first.source.fast is not None, timeout=15000)
    second = _open(qtbot, ds)
    qtbot.waitUntil(lambda: second.source.fast is not None, timeout=5000)
    copy = first.source.fast
    assert second.source.fast is copy and second.copy_builder.starts == 0  # built once
    second.close()
    assert copy.ready and len(list(_setup.iterdir())) == 1  # the first view still reads it
    first.close()
    assert copy.closed and not list(_setup.iterdir())
