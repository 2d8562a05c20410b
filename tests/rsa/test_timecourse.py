"""Time-resolved RSA: RDM movies against rsatoolbox 0.3.2, inference over time (planted
effect), label fields, and tRSA on epochs."""

import numpy as np
import pytest
from neurodeck_rsa import inference, rdm
from neurodeck_rsa.compare import compare
from rsatoolbox.data import TemporalDataset
from rsatoolbox.inference import boot_noise_ceiling
from rsatoolbox.rdm import RDMs, calc_rdm_movie

import neurodeck
from neurodeck import Epochs, InputError, ParameterError, Result

TOL = 1e-10


@pytest.fixture
def epochs_data():
    rng = np.random.default_rng(2)
    n_cond, reps, ch, t = 6, 3, 5, 40
    cond = np.tile(np.arange(n_cond), reps)
    rng.shuffle(cond)  # conditions interleaved, several epochs each
    x = rng.normal(size=(n_cond, ch, t))[cond] + rng.normal(size=(cond.size, ch, t))
    return x, cond


@pytest.mark.parametrize("method", ["euclidean", "correlation"])
def test_movie_matches_rsatoolbox(epochs_data, method):
    x, cond = epochs_data
    labels = np.array([f"c{c}" for c in cond])
    conds, cidx = rdm.first_seen(labels)
    ours = rdm.movie(rdm.time_means(x, cidx, conds.size), method, chunk=7)
    tds = TemporalDataset(x, obs_descriptors={"conds": labels},
                          time_descriptors={"time": np.arange(x.shape[2]) / 100})
    ref = calc_rdm_movie(tds, method=method, descriptor="conds")
    # rsatoolbox orders conditions sorted; reorder ours to match
    order = np.argsort(conds)
    ours_m = rdm.to_matrices(ours)[:, order][:, :, order]
    np.testing.assert_allclose(rdm.to_vectors(ours_m), ref.get_vectors(), atol=TOL, rtol=0)


def test_sliding_window_rdms_match_window_means(epochs_data, neurodeck_plugins):
    x, cond = epochs_data
    ep = Epochs(x, [f"c{c}" for c in cond], sfreq=100.0, tmin=-0.1)
    res = neurodeck.run("rsa", ep, method="correlation", window=5, step=3)
    starts = np.arange(0, 40 - 5 + 1, 3)
    np.testing.assert_allclose(res["times"], -0.1 + starts / 100 + 0.02)
    conds, cidx = rdm.first_seen(ep.conditions)
    for k in (0, 5, starts.size - 1):
        pat = x[:, :, starts[k]:starts[k] + 5].mean(axis=2)
        expect = rdm.correlation(rdm.group_means(pat, cidx, conds.size))
        np.testing.assert_allclose(rdm.to_vectors(res["rdms"][k]), expect, atol=1e-12)


@pytest.mark.parametrize("method", ["euclidean", "correlation"])
def test_subjects_of_one_epochs_equal_their_own_movies(epochs_data, method):
    # subjects' epochs are read by index (no copy); one subject with 2 epochs per
    # condition (summed in place), one with 1 each (a reordering), interleaved
    from neurodeck_rsa.inputs import _from_epochs

    from neurodeck.jobs.progress import Progress

    x, cond = epochs_data
    first = np.zeros(cond.size, bool)
    first[[np.nonzero(cond == c)[0][0] for c in range(6)]] = True
    subj = np.where(first, "b", "a")
    ep = Epochs(x, [f"c{c}" for c in cond], sfreq=100.0, meta={"subj": subj})
    got = _from_epochs(ep, {"method": method, "window": 1, "step": 1,
                            "subject_field": "subj"}, Progress())
    conds, cidx = rdm.first_seen(ep.conditions)
    for name in ("a", "b"):
        sel = subj == name
        expect = rdm.movie(rdm.time_means(x[sel].copy(), cidx[sel], conds.size), method)
        np.testing.assert_allclose(got.vectors[got.subjects == name], expect,
                                   atol=1e-12, rtol=0)


def _planted_subjects(n_subj=6, seed=4):
    """Epochs whose condition geometry follows a model RDM only in samples 20..39."""
    rng = np.random.default_rng(seed)
    n_cond, ch, t = 8, 10, 60
    proto = rng.normal(size=(n_cond, ch))
    subjects = []
    for _ in range(n_subj):
        x = 0.8 * rng.normal(size=(2 * n_cond, ch, t))
        x[:, :, 20:40] += proto[np.tile(np.arange(n_cond), 2)][:, :, None]
        subjects.append(x)
    model = rdm.euclidean(proto)
    return subjects, model, n_cond


def test_time_resolved_inference_over_subjects(neurodeck_plugins):
    subjects, model, n_cond = _planted_subjects()
    conds = [f"c{i}" for i in np.tile(np.arange(n_cond), 2)]
    inputs = [Epochs(x, conds, sfreq=100.0, name=f"s{i}") for i, x in enumerate(subjects)]
    model_in = Result({"rdms": model[None], "model_names": np.array(["proto"])},
                      {"analysis": "x"})
    res = neurodeck.run("rsa", *inputs, model_in, method="euclidean", compare="corr",
                        bootstrap="subjects", n_bootstrap=200, window=4, step=4)
    n_win = res["times"].size
    assert res["subject_names"].tolist() == [f"s{i}" for i in range(6)]
    assert res["rdms"].shape == (n_win, n_cond, n_cond)  # subject means
    # the time course is the mean of the per-subject scores
    per = np.array([compare(model, rdm.movie(rdm.time_means(
        (x[:, :, :60].reshape(16, 10, -1, 4).mean(axis=3)), np.tile(np.arange(n_cond), 2),
        n_cond), "euclidean"), "corr")[0] for x in subjects])
    np.testing.assert_allclose(res["model_timecourse"][0], per.mean(axis=0), atol=1e-12)
    # noise ceiling per window: rsatoolbox's on that window's subject RDMs
    cube = np.array([rdm.movie(rdm.time_means(x.reshape(16, 10, -1, 4).mean(axis=3),
                                              np.tile(np.arange(n_cond), 2), n_cond),
                               "euclidean") for x in subjects])
    for w in (0, 6):
        np.testing.assert_allclose(res["noise_ceiling_timecourse"][:, w],
                                   np.ravel(boot_noise_ceiling(RDMs(cube[:, w]), "corr")),
                                   atol=TOL)
    lo, hi = res["model_timecourse_ci"][:, 0]
    inside = (res["times"] >= 0.2) & (res["times"] < 0.4)
    assert np.all(lo[inside] > 0.5)  # the planted window is found
    assert np.mean((lo[~inside] < 0) & (hi[~inside] > 0)) >= 0.8  # elsewhere: no effect
    assert np.all(res["p_zero_timecourse"][0][inside] < 0.01)


def test_condition_and_epoch_bootstrap_single_subject(neurodeck_plugins):
    subjects, model, n_cond = _planted_subjects(1)
    ep = Epochs(subjects[0], [f"c{i}" for i in np.tile(np.arange(n_cond), 2)], sfreq=100.0)
    model_in = Result({"rdms": model[None]}, {"analysis": "x"})
    for mode in ("conditions", "epochs"):
        res = neurodeck.run("rsa", ep, model_in, method="euclidean", bootstrap=mode,
                            n_bootstrap=40, window=10, step=10)
        ci = res["model_timecourse_ci"]
        assert ci.shape == (2, 1, 6)
        assert np.all(ci[0] <= ci[1])
        assert ci[0, 0, 2] > 0.5  # window 20..29: the planted geometry
        assert "noise_ceiling_timecourse" not in res  # one subject: no ceiling
    with pytest.raises(ParameterError, match="at least 2"):
        neurodeck.run("rsa", ep, model_in, bootstrap="subjects", n_bootstrap=10)


def test_condition_bootstrap_over_time_matches_per_window_bootstrap(neurodeck_plugins):
    """The vectorised condition bootstrap over windows gives each window the scores of
    the static bootstrap on the same draws."""
    subjects, model, n_cond = _planted_subjects(1)
    ep = Epochs(subjects[0], [f"c{i}" for i in np.tile(np.arange(n_cond), 2)], sfreq=100.0)
    res = neurodeck.run("rsa", ep, Result({"rdms": model[None]}, {"analysis": "x"}),
                        method="euclidean", bootstrap="conditions", n_bootstrap=30, seed=3,
                        window=20, step=20)
    rng = np.random.default_rng(3)
    draws = [(None, rng.integers(0, n_cond, n_cond)) for _ in range(30)]
    for w in range(3):
        v = rdm.to_vectors(res["rdms"][w])[None]
        boot = inference.bootstrap(model[None], v, "corr", draws).scores[0]
        np.testing.assert_allclose(res["model_timecourse_ci"][:, 0, w],
                                   np.nanpercentile(boot, [2.5, 97.5]), atol=1e-12)


def test_label_fields(neurodeck_plugins):
    subjects, model, n_cond = _planted_subjects(2)
    x = np.concatenate(subjects)
    # MNE-style hierarchical event names: condition/run/subject
    labels = [f"c{c}/run{r}/sub{s}" for s in range(2) for r in range(2)
              for c in range(n_cond)]
    ep = Epochs(x, labels, sfreq=100.0, meta={"subj": np.repeat(["a", "b"], 16)})
    res = neurodeck.run("rsa", ep, condition_field="event:0", subject_field="event:2",
                        method="crossnobis", run_field="event:1", window=10, step=10)
    assert res["subject_names"].tolist() == ["sub0", "sub1"]
    assert res["conditions"].tolist() == [f"c{i}" for i in range(n_cond)]
    res2 = neurodeck.run("rsa", ep, condition_field="event:0", subject_field="subj",
                         method="crossnobis", run_field="event:1", window=10, step=10)
    np.testing.assert_allclose(res2["rdms"], res["rdms"], atol=1e-12)
    with pytest.raises(InputError, match="available: subj"):
        neurodeck.run("rsa", ep, subject_field="session")
    with pytest.raises(ParameterError, match="part 3"):
        neurodeck.run("rsa", ep, condition_field="event:3")


def test_mne_metadata_field_and_span(neurodeck_plugins):
    import mne
    import pandas as pd

    subjects, model, n_cond = _planted_subjects(1)
    x = subjects[0]
    info = mne.create_info([f"e{i}" for i in range(10)], 100.0, "eeg")
    meta = pd.DataFrame({"stim": [f"img{i}" for i in np.tile(np.arange(n_cond), 2)]})
    mne_ep = mne.EpochsArray(x, info, tmin=0.0, metadata=meta, verbose=False)
    ep = Epochs.from_mne(mne_ep)
    res = neurodeck.run("rsa", ep, condition_field="stim", method="euclidean", tmin=0.2,
                        tmax=0.39, bootstrap="fixed")
    assert res["conditions"].tolist() == [f"img{i}" for i in range(n_cond)]
    assert res["rdms"].shape == (1, n_cond, n_cond) and "times" not in res
    np.testing.assert_allclose(res["span"], [0.2, 0.39])
    cidx = np.tile(np.arange(n_cond), 2)
    expect = rdm.euclidean(rdm.group_means(x[:, :, 20:40].mean(axis=2), cidx, n_cond))
    np.testing.assert_allclose(rdm.to_vectors(res["rdms"][0]), expect, atol=1e-12)


def test_trsa_on_epochs(neurodeck_plugins):
    subjects, model, n_cond = _planted_subjects(2)
    conds = [f"c{i}" for i in np.tile(np.arange(n_cond), 2)]
    ep = Epochs(subjects[0], conds, sfreq=100.0)
    per_window = neurodeck.run("trsa", ep, window=10, step=10, lower=0.2, upper=0.6)
    assert per_window["rgtm"].shape == (6, n_cond, n_cond) and per_window["times"].size == 6
    assert "accuracy" not in per_window
    # a span: one RDM per subject and region -> identification over the (l, u) grid
    regions = [Epochs(np.concatenate(subjects) * (1 + g), conds * 2, sfreq=100.0,
                      name=f"roi{g}", meta={"subject": np.repeat(["s0", "s1"], 16)})
               for g in range(2)]
    res = neurodeck.run("trsa", *regions, tmin=0.2, tmax=0.39, subject_field="subject",
                        grid=3, n_bootstrap=20)
    assert res["rgtm"].shape == (4, n_cond, n_cond)
    assert res["accuracy"].shape == (3, 3)


def test_weighted_model_over_time_planted(neurodeck_plugins):
    """Geometry A early, B late: the per-window weights switch from A to B, and the
    cross-validated weighted model tracks the better component in both halves."""
    rng = np.random.default_rng(8)
    n_cond, ch, t = 8, 12, 40
    proto_a, proto_b = rng.normal(size=(2, n_cond, ch))
    cidx = np.tile(np.arange(n_cond), 2)
    inputs = []
    for s in range(4):
        x = 0.3 * rng.normal(size=(2 * n_cond, ch, t))
        x[:, :, :20] += proto_a[cidx][:, :, None]
        x[:, :, 20:] += proto_b[cidx][:, :, None]
        inputs.append(Epochs(x, [f"c{i}" for i in cidx], sfreq=100.0, name=f"s{s}"))
    models_in = Result({"rdms": np.array([rdm.euclidean(proto_a), rdm.euclidean(proto_b)]),
                        "model_names": np.array(["A", "B"])}, {"analysis": "x"})
    res = neurodeck.run("rsa", *inputs, models_in, method="euclidean", weighted=True,
                        window=10, step=10, bootstrap="subjects", n_bootstrap=50)
    assert res["model_names"].tolist() == ["A", "B", "weighted: A + B"]
    w = res["model_weights_timecourse"][2]  # n_win x 2
    assert np.all(w[:2, 0] > 0.9) and np.all(w[2:, 1] > 0.9)
    tc = res["model_timecourse"]
    assert np.all(tc[2, :2] > tc[1, :2]) and np.all(tc[2, 2:] > tc[0, 2:])
    assert res["model_timecourse_ci"].shape == (2, 3, 4)
    with pytest.raises(ParameterError, match="bootstrap='subjects' only"):
        neurodeck.run("rsa", *inputs, models_in, weighted=True, window=10, step=10,
                      bootstrap="conditions", n_bootstrap=10)


def test_same_subject_labels_in_two_inputs_stay_apart(neurodeck_plugins):
    subjects, model, n_cond = _planted_subjects(4)
    conds = [f"c{i}" for i in np.tile(np.arange(n_cond), 2)] * 2
    meta = {"subject": np.repeat(["s1", "s2"], 16)}
    a = Epochs(np.concatenate(subjects[:2]), conds, sfreq=100.0, name="A", meta=meta)
    b = Epochs(np.concatenate(subjects[2:]), conds, sfreq=100.0, name="B", meta=meta)
    res = neurodeck.run("rsa", a, b, subject_field="subject", window=20, step=20)
    assert res["subject_names"].tolist() == ["A:s1", "A:s2", "B:s1", "B:s2"]
