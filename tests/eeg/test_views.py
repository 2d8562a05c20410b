"""The EEG views show the numbers they are given, in display units (uV, uV^2/Hz, dB), and
say clearly when channel positions are missing (offscreen, through the View contributions)."""

from __future__ import annotations

import numpy as np
import pytest

import neurodeck

from .conftest import T

pytestmark = pytest.mark.gui


@pytest.fixture
def epochs(montaged):
    return T("epochs", T("filter", montaged, l_freq=1.0, h_freq=40.0), tmin=-0.5, tmax=1.0)


def test_spectrum_view_in_uv2_per_hz_and_band_maps(neurodeck_view, montaged, rec):
    res = neurodeck.run("psd", montaged, fmax=45.0)
    view = neurodeck_view("mne-psd", res)
    plot = view.spectrum
    np.testing.assert_allclose(plot.shown(), 10 * np.log10(res["psd"] * 1e12))
    assert "\u00b5V\u00b2/Hz" in plot.plot.getAxis("left").labelText
    plot.scale_box.setCurrentText("linear")
    np.testing.assert_allclose(plot.shown(), res["psd"] * 1e12)
    maps = view.topomaps
    assert [t.split()[0] for t, _ in maps.maps] == ["delta", "theta", "alpha", "beta", "gamma"]
    freqs = res["freqs"]
    alpha = (freqs >= 8) & (freqs < 13)
    np.testing.assert_allclose(maps.maps[2][1], 10 * np.log10(res["psd"][:, alpha].mean(1)
                                                               * 1e12))
    assert maps.message is None and len(maps.images) == 5
    bare = neurodeck_view("mne-psd", neurodeck.run("psd", rec, fmax=45.0))
    assert bare.topomaps.message is not None and "montage" in bare.topomaps.message.text()
    assert not bare.topomaps.message.isHidden()


def test_time_frequency_view_applies_mne_baseline_modes(neurodeck_view, epochs):
    import mne

    res = neurodeck.run("tfr", epochs, freqs="6:30:4", n_cycles="freqs/2")
    view = neurodeck_view("mne-tfr", res)
    page = view.channel_page
    tf, unit = page.current()
    np.testing.assert_allclose(tf, res["power"].mean(axis=0) * 1e12)
    assert unit == "\u00b5V\u00b2"
    page.baseline.setText("-0.5, 0")
    page.mode.setCurrentText("percent")
    page.channel.setCurrentIndex(5)
    tf, unit = page.current()
    want = mne.baseline.rescale(res["power"], res["times"], (-0.5, 0.0), mode="percent",
                                verbose="error")[4]
    np.testing.assert_allclose(tf, want)
    assert "%" in unit
    assert len(view.topo_page.tiles) == 64 and view.topo_page.message is None


def test_evoked_view_maps_at_peaks_and_chosen_latencies(neurodeck_view, epochs):
    av = T("average", epochs)
    view = neurodeck_view("mne-evoked", av)
    ev = av.evokeds[0]
    times = view.chosen()
    assert 1 <= len(times) <= 3 and all(t >= 0 for t in times)
    view.latencies.setText("0.1, 0.25")
    view.redraw_maps()
    assert [t for t, _ in view.maps.maps] == ["100 ms", "250 ms"]
    k = int(np.argmin(np.abs(ev.times - 0.25)))
    np.testing.assert_allclose(view.maps.maps[1][1], ev.data[:, k] * 1e6)
    assert "\u00b5V" in view.plot.getAxis("left").labelText
    view.condition.setCurrentIndex(2)
    np.testing.assert_allclose(view.data, av.evokeds[2].data * 1e6)


def test_epochs_image_and_drop_log(neurodeck_view, rec):
    ep = T("epochs", T("filter", rec, l_freq=1.0), tmin=-0.2, tmax=0.5, reject="eeg=250e-6")
    image = neurodeck_view("mne-epochs-image", ep)
    image.channel.setCurrentIndex(3)
    order = np.argsort(ep.conditions, kind="stable")
    np.testing.assert_allclose(image.current(), ep.data[order, 3, :] * 1e6)
    log = neurodeck_view("mne-drop-log", ep)
    dropped = sum(1 for entry in ep.mne_epochs.drop_log if entry and entry != ("IGNORED",))
    assert log.dropped == dropped and log.total == 30
    assert f"{dropped} of 30 epochs dropped" in log.summary.text()
    channel = log.names[0]
    want = 100 * sum(channel in e for e in ep.mne_epochs.drop_log) / 30
    assert log.values[0] == pytest.approx(want)


def test_ica_view_marks_are_edits(neurodeck_view, montaged):
    data = T("rereference", T("filter", montaged, l_freq=1.0))
    sol = T("ica-fit", data, method="fastica", n_components=8.0)
    view = neurodeck_view("mne-ica", sol)
    assert len(view.grid_plots) == 8
    view.select(2)
    view.exclude_box.setChecked(True)
    assert sol.exclude == [2]
    view.accept.click()
    assert sol.exclude == sol.suggested_exclude()
    sol.exclude = [1]  # an undo elsewhere: the view follows
    assert view.marked.text().endswith("ICA001")
    t, x = view.time_course
    src = sol.ica.get_sources(data.raw.copy().load_data(), start=0, stop=len(x)).get_data()
    np.testing.assert_allclose(x, src[2 if view.selected == 2 else view.selected])


def test_connectivity_view_band_selector(neurodeck_view, epochs):
    res = neurodeck.run("fc", epochs, method="coh", bands="theta=4-8, alpha=8-13")
    view = neurodeck_view("fc-matrix", res)
    assert view.band_box is not None and view.band_box.count() == 2
    view.band_box.setCurrentIndex(1)
    np.testing.assert_array_equal(view.matrix, res["band_matrices"][1])
    assert view.levels == (0.0, 1.0)


def test_epochs_image_colour_limit_from_a_sample():
    from neurodeck.gui.widgets.scales import symmetric_limit

    data = np.random.default_rng(3).standard_t(4, size=(1800, 701)) * 20.0
    exact = np.percentile(np.abs(data), 98)
    assert symmetric_limit(data) == pytest.approx(exact, rel=0.02)  # 100k of 1.26M values
    assert symmetric_limit(data[:10]) == np.percentile(np.abs(data[:10]), 98)  # small: all
    assert symmetric_limit(np.zeros((5, 7))) == 1.0  # flat or empty: a usable scale
    assert symmetric_limit(np.full((5, 7), np.nan)) == 1.0
    data[::7, 3] = np.nan  # a few missing samples do not decide the scale
    assert symmetric_limit(data) == pytest.approx(exact, rel=0.02)
