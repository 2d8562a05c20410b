"""Label layout (no overlap, thinning, elision) and display units (no Qt)."""

import numpy as np
import pytest
from neurodeck_browser.labels import layout
from neurodeck_browser.units import Unit, nice_below, units_for

from neurodeck.data import Recording, Traces


def _intervals(starts, widths, placed):
    out = []
    for s, w, p in zip(starts, widths, placed, strict=True):
        if p.width == 0.0:
            continue
        out.append((s, s + (w if p.width is None else p.width)))
    return sorted(out)


def test_labels_10_ms_apart_never_overlap():
    # 60 events 10 ms apart on a 10-s page 1200 px wide: 1.2 px apart, 40 px labels
    starts = np.arange(60) * 1.2 + 100
    widths = np.full(60, 40.0)
    placed = layout(starts, widths, end_px=1200)
    shown = _intervals(starts, widths, placed)
    assert shown, "at least one label is drawn"
    for (_a0, a1), (b0, _b1) in zip(shown, shown[1:], strict=False):
        assert a1 <= b0, "labels overlap"
    assert len(shown) < 60  # thinned


def test_labels_fit_whole_elided_or_hidden():
    starts = [0.0, 100.0, 130.0, 131.0, 600.0]
    widths = [50.0, 80.0, 60.0, 60.0, 500.0]
    placed = layout(starts, widths, end_px=800, min_px=24, gap_px=4)
    assert placed[0].width is None  # fits before the next one
    assert placed[1].width == pytest.approx(26.0)  # elided to the room before 130
    assert placed[2].width is None and placed[3].width == 0.0  # too close: thinned
    assert placed[4].width == pytest.approx(200.0)  # cut at the end of the axis
    shown = _intervals(starts, widths, placed)
    for (_, a1), (b0, _) in zip(shown, shown[1:], strict=False):
        assert a1 <= b0


def test_units_follow_mne_defaults():
    import mne
    from mne.defaults import DEFAULTS

    info = mne.create_info(["a", "b", "c", "d", "e"], 100.0,
                           ["eeg", "mag", "grad", "stim", "misc"])
    rec = Recording(mne.io.RawArray(np.zeros((5, 10)), info, verbose=False))
    units = units_for(rec, rec.row_types)
    for kind in ("eeg", "mag", "grad"):
        assert units[kind] == Unit(DEFAULTS["scalings"][kind], DEFAULTS["units"][kind])
    assert units["eeg"].show(20e-6) == "20 \u00b5V"
    assert units["stim"] == Unit() and units["misc"] == Unit()  # "AU": as stored
    tr = Traces(np.zeros((2, 5)), sfreq=1.0, meta={"unit": "\u0394F/F"})
    assert units_for(tr, tr.row_types)["neuron"] == Unit(1.0, "\u0394F/F")


@pytest.mark.parametrize("value, expect", [(1.0, 1.0), (0.99, 0.5), (7.3e-5, 5e-5),
                                           (2.0, 2.0), (19.9, 10.0), (3e-6, 2e-6)])
def test_nice_below(value, expect):
    assert nice_below(value) == pytest.approx(expect)
    with pytest.raises(ValueError):
        nice_below(0.0)
