"""ICA on a real recording (PhysioNet eegmmidb S001, runs 3 and 4): the fit equals MNE's,
an ocular component is found (frontal pattern, |r| > 0.7 with a frontal channel) and ICLabel
names it 'eye blink'; removing it lowers frontal power at 0.5-3 Hz; marks are undoable edits.
"""

from __future__ import annotations

import mne
import numpy as np
import pytest
from neurodeck_mne.datasets import IcaSolution

import neurodeck
from neurodeck.session import Session

from .conftest import T

FRONTAL = ("Fp1", "Fp2", "Fpz", "AF7", "AF8", "AF3", "AF4", "AFz")
POSTERIOR = ("O1", "O2", "Oz", "PO7", "PO8", "PO3", "PO4", "POz", "Iz")

pytestmark = pytest.mark.slow


def _prepared(path):
    """What ICLabel expects: 1 Hz high-pass (here up to Nyquist, 80 Hz), average reference,
    10-05 positions."""
    rec = neurodeck.open(path)
    m = T("set-montage", rec, montage="standard_1005", standardize=True)
    return T("rereference", T("filter", m, l_freq=1.0), ref_channels="average")


@pytest.fixture(scope="module")
def fitted(eeg_dir):
    import warnings

    with mne.utils.use_log_level("error"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {}
        for run, method in (("R04", "picard"), ("R03", "fastica")):
            data = _prepared(eeg_dir / f"eegmmidb_S001{run}.edf")
            out[run] = (data, T("ica-fit", data, method=method, n_components=20.0))
        return out


def _ocular(data, sol):
    raw = mne.io.RawArray(data.get_data(), data.raw.info, verbose="error")
    sources = sol.ica.get_sources(raw).get_data()
    best = {}
    for ch in ("Fp1", "Fp2", "Fpz"):
        x = raw.get_data(picks=[ch])[0]
        r = np.array([abs(np.corrcoef(x, s)[0, 1]) for s in sources])
        best[ch] = (int(np.argmax(r)), float(r.max()))
    return best, raw


@pytest.mark.parametrize("run", ["R04", "R03"])
def test_an_ocular_component_is_found_and_iclabel_names_it(fitted, run):
    data, sol = fitted[run]
    best, raw = _ocular(data, sol)
    k, r = best["Fp1"]
    assert r > 0.7, best
    assert best["Fp2"][0] == k and best["Fp2"][1] > 0.7
    # Frontal pattern: the component weighs frontal channels far above posterior ones.
    names = sol.ica.ch_names
    pattern = np.abs(sol.ica.get_components()[:, k])
    front = pattern[[names.index(c) for c in FRONTAL]].mean()
    back = pattern[[names.index(c) for c in POSTERIOR]].mean()
    assert front > 3 * back, (front, back)
    assert names[int(np.argmax(pattern))] in FRONTAL
    # ICLabel's suggestion, as a suggestion: nothing is marked until the user accepts.
    assert sol.suggestions["labels"][k] == "eye blink"
    assert max(sol.suggestions["proba"][k]) > 0.9
    assert sol.exclude == [] and k in sol.suggested_exclude()


def test_removing_it_lowers_frontal_low_frequency_power(fitted):
    data, sol = fitted["R04"]
    best, _ = _ocular(data, sol)
    k = best["Fp1"][0]
    sol.exclude = [k]
    try:
        clean = T("ica-apply", sol)  # default target: the data it was fitted on
        psd = {name: ds.raw.compute_psd(fmin=0.5, fmax=3.0, picks=list(FRONTAL[:5]),
                                        verbose="error").get_data().mean(axis=1)
               for name, ds in (("before", data), ("after", clean))}
        ratio = psd["after"] / psd["before"]
        assert np.all(ratio < 0.5), ratio  # every frontal channel loses over half
        # The removal equals MNE's ica.apply on the loaded data (lazy: a linear map).
        ref = sol.ica.apply(data.raw.copy().load_data(), exclude=[k], verbose="error")
        np.testing.assert_allclose(clean.get_data(), ref.get_data(), rtol=0, atol=1e-12)
        np.testing.assert_allclose(clean.get_data(3000, 4000),
                                   ref.get_data(start=3000, stop=4000), rtol=0, atol=1e-12)
    finally:
        sol.exclude = []


def test_the_fit_equals_mne(fitted):
    data, sol = fitted["R03"]
    ica = mne.preprocessing.ICA(n_components=20, method="fastica", random_state=97,
                                max_iter="auto", verbose="error")
    ica.fit(data.raw.copy().load_data(), verbose="error")
    np.testing.assert_allclose(sol.ica.unmixing_matrix_, ica.unmixing_matrix_, rtol=0,
                               atol=1e-10)
    np.testing.assert_allclose(sol.ica.pca_components_, ica.pca_components_, rtol=0,
                               atol=1e-10)
    for k in (0, 5):
        want = ica.get_explained_variance_ratio(data.raw.copy().load_data(), components=[k])
        assert sol.explained["eeg"][k] == pytest.approx(want["eeg"], rel=1e-9)


def test_marks_are_undoable_edits_that_change_the_fingerprint(fitted):
    data, sol = fitted["R03"]
    session = Session()
    entry = session.add(sol, origin={"op": "open", "path": "x", "reader": None,
                                     "options": {}})
    before = sol.fingerprint()
    sol.accept_suggestions()
    marked = sol.exclude
    assert marked == sol.suggested_exclude() and marked
    assert session.undo_label == "Accept ICLabel suggestions"
    assert sol.fingerprint() != before  # data cleaned with other marks is other data
    session.undo()
    assert sol.exclude == [] and sol.fingerprint() == before
    session.redo()
    assert sol.exclude == marked
    rec = [h for h in session.history if h["op"] == "set_exclude"]
    assert rec and rec[-1]["exclude"] == marked and entry.id == rec[-1]["entry"]
    sol.exclude = []


def test_ica_solution_round_trips_through_a_file(fitted, tmp_path):
    _, sol = fitted["R03"]
    sol.exclude = [1, 3]
    try:
        from neurodeck_mne.io import write_ica

        path = tmp_path / "x-ica.fif"
        write_ica(sol, path)
        back = neurodeck.open(path)
        assert isinstance(back, IcaSolution) and back.exclude == [1, 3]
        np.testing.assert_allclose(back.ica.unmixing_matrix_, sol.ica.unmixing_matrix_,
                                   rtol=1e-6)
    finally:
        sol.exclude = []


def test_ica_on_epochs_and_apply_to_epochs(rec):
    ep = T("epochs", T("filter", rec, l_freq=1.0, h_freq=40.0), tmin=-0.2, tmax=0.5)
    sol = T("ica-fit", ep, method="fastica", n_components=10.0, iclabel="no")
    assert sol.suggestions == {} and len(sol.explained["eeg"]) == 10
    clean = T("ica-apply", sol, exclude="0")
    ref = sol.ica.apply(ep.mne_epochs.copy(), exclude=[0], verbose="error")
    np.testing.assert_allclose(clean.data, ref.get_data(), rtol=0, atol=1e-12)
    with pytest.raises(neurodeck.InputError, match="ICLabel needs EEG channel positions"):
        T("ica-fit", ep, method="fastica", n_components=5.0, iclabel="yes")
