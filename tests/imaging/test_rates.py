"""No reader defaults the sampling rate: it comes from the file, or the user is asked
(and the answer remembered per file), or the script is told which option to pass."""

from __future__ import annotations

import numpy as np
import pytest

import neurodeck
from neurodeck import LayoutChoiceNeeded


def test_hcp_subject_takes_its_groups_tr_and_an_unknown_tr_asks(shared_data,
                                                                 neurodeck_plugins):
    path = shared_data / "fmri" / "rest_roi_timeseries_aal2.h5"
    hcp = neurodeck.open(path, data_key="hcp/101309")
    assert hcp.sfreq == pytest.approx(1 / 0.72)  # tr_s on the "hcp" group
    with pytest.raises(LayoutChoiceNeeded, match="sfreq=") as asked:
        neurodeck.open(path, data_key="gw/NAP_001")  # tr_s is NaN: unknown
    assert asked.value.option == "sfreq"
    assert neurodeck.open(path, data_key="gw/NAP_001", sfreq=0.5).sfreq == 0.5


def test_nitime_roi_table_asks_and_opens_with_a_tr_or_a_rate(shared_data, neurodeck_plugins):
    csv = shared_data / "fmri" / "nitime_fmri_timeseries.csv"
    with pytest.raises(LayoutChoiceNeeded) as asked:
        neurodeck.open(csv)
    assert asked.value.option == "sfreq" and "tr=" in asked.value.cause
    assert neurodeck.open(csv, tr=1.89).kind == "roi_timeseries"
    assert neurodeck.open(csv, sfreq=2.0).sfreq == 2.0


def test_celegans_rates_come_from_the_file(shared_data, neurodeck_plugins):
    study = neurodeck.open_study(shared_data / "calcium" / "celegans_wholebrain_dag2023.h5")
    rates = {k: study.member(k).sfreq for k in study.keys()[:3]}
    assert rates["2022-01-16-01"] == pytest.approx(1.357, abs=1e-3)
    assert rates["2022-07-26-31"] == pytest.approx(1.667, abs=1e-3)


def test_spike_time_text_opens_as_spike_trains_with_its_unit(shared_data, tmp_path,
                                                             neurodeck_plugins):
    txt = shared_data / "spikes" / "grasshopper_spike_times1.txt"
    with pytest.raises(LayoutChoiceNeeded) as asked:
        neurodeck.open(txt)  # the header names no unit for the times: asked
    err = asked.value
    assert err.option == "time_unit" and [c["key"] for c in err.candidates] == ["s", "ms", "us"]
    assert "us: 9.999 s long, 92.9 spikes/s" in err.cause
    st = neurodeck.open(txt, time_unit="us")
    ref = np.loadtxt(txt) * 1e-6
    assert st.kind == "spikes" and st.n_units == 1
    np.testing.assert_allclose(st.unit(0), ref)
    assert st.summary()["time_unit"].startswith("us")
    named = tmp_path / "cell.csv"
    named.write_text("spike_time_ms\n12\n40.5\n97\n")
    got = neurodeck.open(named)
    np.testing.assert_allclose(got.unit(0), [0.012, 0.0405, 0.097])
    commented = tmp_path / "cell2.txt"
    commented.write_text("# recorded 2024\n# spike times in msec\n5\n9\n30\n")
    np.testing.assert_allclose(neurodeck.open(commented).unit(0), [0.005, 0.009, 0.03])
    trace = tmp_path / "trace.txt"
    trace.write_text("3\n1\n4\n1\n5\n")  # not monotonic: a one-column trace, which asks
    with pytest.raises(LayoutChoiceNeeded, match="sampling rate"):
        neurodeck.open(trace)


def test_afni_table_without_tr_asks(tmp_path, neurodeck_plugins):
    one_d = tmp_path / "rois.1D"
    np.savetxt(one_d, np.random.default_rng(0).normal(size=(30, 3)))
    with pytest.raises(LayoutChoiceNeeded) as asked:
        neurodeck.open(one_d)
    assert asked.value.option == "tr"
    assert neurodeck.open(one_d, tr=2.0).tr == 2.0


def test_the_dialog_asks_a_rate_or_period_and_remembers_it_per_file(qtbot, tmp_path,
                                                                    neurodeck_plugins):
    from neurodeck.gui.layout_dialog import LayoutDialog

    path = tmp_path / "t.npy"
    np.save(path, np.ones((2, 50)))
    with pytest.raises(LayoutChoiceNeeded) as asked:
        neurodeck.open(path)
    dialog = LayoutDialog(asked.value)
    qtbot.addWidget(dialog)
    assert dialog.rate_question and not dialog.table.isVisible()
    dialog.rate.setText("0.25")
    dialog.rate_unit.setCurrentIndex(1)  # typed as seconds per sample
    assert dialog.options() == {"sfreq": 4.0}
    dialog.accept()
    assert neurodeck.open(path, **dialog.options()).sfreq == 4.0
    again = LayoutDialog(asked.value)  # the same file: answered at once, no question
    qtbot.addWidget(again)
    with qtbot.waitSignal(again.accepted, timeout=2000):
        again.open()
    assert again.options() == {"sfreq": 4.0} and not again.isVisible()
    np.save(path, np.ones((2, 60)))  # a changed file is asked about again
    fresh = LayoutDialog(asked.value)
    qtbot.addWidget(fresh)
    assert fresh.rate.text() == ""
