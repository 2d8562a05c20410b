"""Epochs of a lazy chain computed over only the epochs' samples (``lazy.cover``): equal to
MNE's filter -> notch -> reference -> Epochs on loaded data, holding the spans, not the
recording."""

from __future__ import annotations

import mne
import numpy as np
import pytest
from neurodeck_mne import epochs as ep_mod
from neurodeck_mne import lazy

from neurodeck.errors import Cancelled
from neurodeck.jobs.progress import Progress

from .conftest import T, mne_motor

ATOL = 1e-12  # volts: 1e-6 uV


def _mne_chain(motor_edf, reference_first: bool = False):
    raw = mne_motor(motor_edf, montage=True)
    if reference_first:
        raw.set_eeg_reference("average", verbose="error")
    raw.filter(1.0, 40.0, verbose="error").notch_filter([50.0], verbose="error")
    if not reference_first:
        raw.set_eeg_reference("average", verbose="error")
    return raw


def test_epochs_of_filter_notch_reference_equal_mne_and_hold_only_the_spans(
        montaged, motor_edf, monkeypatch):
    chain = T("rereference", T("notch", T("filter", montaged, l_freq=1.0, h_freq=40.0),
                               freqs="50"), ref_channels="average")
    assert lazy.coverable(chain.raw)
    held = []
    real = lazy._Cover.__init__

    def spy(self, raw, spans, buf):
        held.append(buf.shape)
        real(self, raw, spans, buf)

    monkeypatch.setattr(lazy._Cover, "__init__", spy)
    # Small blocks of channels: the per-block path is the one long recordings take.
    monkeypatch.setattr(lazy, "ROW_BLOCK_ROWS", 5)
    out = T("epochs", chain, tmin=-0.2, tmax=0.5, baseline="None, 0")
    raw = _mne_chain(motor_edf)
    events, ids = mne.events_from_annotations(raw, verbose="error")
    ref = mne.Epochs(raw, events, ids, tmin=-0.2, tmax=0.5, baseline=(None, 0),
                     preload=True, verbose="error")
    assert out.mne_epochs.drop_log == ref.drop_log
    assert len(out.mne_epochs) == len(ref) > 20
    np.testing.assert_allclose(out.data, ref.get_data(), rtol=0, atol=ATOL)
    # The spans held: the epochs' samples (with 2+3 samples of margin each), not the file.
    (shape,) = held
    n_ep = len(events)
    assert shape[0] == len(raw.ch_names)
    assert shape[1] <= n_ep * (len(ref.times) + 5) < 0.5 * raw.n_times
    assert not chain.raw.preload


def test_a_chain_with_a_reference_below_a_filter_is_computed_whole_then_kept(
        montaged, motor_edf):
    chain = T("notch", T("filter", T("rereference", montaged, ref_channels="average"),
                         l_freq=1.0, h_freq=40.0), freqs="50")
    assert not lazy.coverable(chain.raw)  # a filter on a reference needs every channel
    out = T("epochs", chain, tmin=-0.2, tmax=0.5, baseline="None, 0")
    raw = _mne_chain(motor_edf, reference_first=True)
    events, ids = mne.events_from_annotations(raw, verbose="error")
    ref = mne.Epochs(raw, events, ids, tmin=-0.2, tmax=0.5, baseline=(None, 0),
                     preload=True, verbose="error")
    np.testing.assert_allclose(out.data, ref.get_data(), rtol=0, atol=ATOL)


def test_cover_reads_outside_the_spans_from_the_chain(montaged):
    chain = T("notch", T("filter", montaged, l_freq=1.0, h_freq=40.0), freqs="50")
    whole = lazy.materialize(chain.raw).get_data()
    spans = np.array([[9000, 9500], [100, 400], [9400, 9800], [20_000, 20_300]])
    covered = lazy.cover(chain.raw, spans)
    assert chain.raw.n_times == 20_000  # the last span lies past the end: dropped
    assert lazy.merge_spans(spans, chain.raw.n_times).tolist() == [[100, 400], [9000, 9800]]
    for a, b in ((100, 400), (9100, 9700), (8000, 8200), (390, 9010), (19_990, 20_000)):
        np.testing.assert_allclose(covered.get_data(start=a, stop=b), whole[:, a:b],
                                   rtol=0, atol=ATOL)
    np.testing.assert_allclose(covered.get_data(picks=[3, 7], start=9200, stop=9300),
                               whole[[3, 7], 9200:9300], rtol=0, atol=ATOL)


def test_epoch_spans_contain_what_mne_epochs_read(rec):
    raw = rec.raw
    for tmin, tmax in ((-0.2, 0.5), (-0.123, 0.4567), (0.0, 0.1)):
        ep = mne.Epochs(raw, np.array([[1000 + raw.first_samp, 0, 1]]), tmin=tmin, tmax=tmax,
                        baseline=None, preload=False, verbose="error")
        start = int(round(1000 + ep._raw_times[0] * raw.info["sfreq"]))
        ((a, b),) = ep_mod.epoch_spans(np.array([1000 + raw.first_samp]), raw, tmin, tmax)
        assert a <= start and start + len(ep._raw_times) <= b


def test_cover_reports_progress_and_stops_when_cancelled(montaged):
    chain = T("rereference", T("filter", montaged, l_freq=1.0), ref_channels="average")
    spans = np.array([[a, a + 300] for a in range(0, 18_000, 1000)])
    seen = []
    lazy.cover(chain.raw, spans, Progress(lambda f, m: seen.append((f, m))))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert any("channels" in m for _, m in seen)
    stop = Progress()
    stop.add_listener(lambda f, m: stop.cancel() if f > 0.2 else None)
    with pytest.raises(Cancelled):
        lazy.cover(chain.raw, spans, stop)


def test_reference_over_filters_windows_at_ends_and_edges_equal_mne(tmp_path, motor_edf,
                                                                     monkeypatch):
    """Windows of a reference over filters filter only the channels shown (the reference
    applied first, as a sparse part plus the common mean row): at the recording's ends and
    across an EDGE annotation (MNE's own filters then) they equal MNE on loaded data."""
    import neurodeck

    a = mne.io.read_raw_edf(motor_edf, preload=True, verbose="error").crop(0, 40)
    b = mne.io.read_raw_edf(motor_edf, preload=True, verbose="error").crop(60, 100)
    path = tmp_path / "joined_raw.fif"
    mne.concatenate_raws([a, b], verbose="error").save(path, verbose="error")
    rec = neurodeck.open(path)
    chain = T("rereference", T("notch", T("filter", rec, l_freq=1.0, h_freq=30.0),
                               freqs="50"), ref_channels="average")
    ref = mne.io.read_raw_fif(path, preload=True, verbose="error")
    ref.filter(1.0, 30.0, verbose="error").notch_filter([50.0], verbose="error")
    ref.set_eeg_reference("average", verbose="error")
    want = ref.get_data()
    step = chain.raw._step
    low = step.low_rank()
    assert low is not None and low[1].sum() == len(rec.raw.ch_names)  # every EEG row
    reads = []
    real = lazy._read
    def spy(source, lo, hi, rows):  # noqa: E306
        reads.append((source, None if rows is None else len(rows)))
        return real(source, lo, hi, rows)
    monkeypatch.setattr(lazy, "_read", spy)
    edge, n = a.n_times, ref.n_times
    windows = ((0, 500), (edge - 300, edge + 300), (n - 400, n), (3000, 3800))
    for lo, hi in windows:
        picks = [2, 17, 40]
        np.testing.assert_allclose(chain.get_data(lo, hi, picks), want[picks, lo:hi],
                                   rtol=0, atol=ATOL)
    # One read of the file a window (all channels for the mean, unless kept from a window
    # before), no filter of them all.
    assert len(reads) == len(windows)
    assert all(src is rec.raw and k in (3, len(rec.raw.ch_names)) for src, k in reads)
    # Seen again (or inside what was seen), a window reads only the channels it shows: the
    # mean row was kept.
    for lo, hi in windows:
        reads.clear()
        got = chain.get_data(lo + 5, hi - 5, [2, 17, 40])
        np.testing.assert_allclose(got, want[[2, 17, 40], lo + 5:hi - 5], rtol=0, atol=ATOL)
        assert [k for _, k in reads] == [3]
