"""Each RSA/tRSA view builds from a real result and exports a PNG."""

import numpy as np
import pytest

import neurodeck
from neurodeck import Epochs, Result


@pytest.fixture
def results(shared_data, neurodeck_plugins):
    import h5py

    with h5py.File(shared_data / "rsa" / "rsa_92images.h5") as f:
        brain = f["brain_hIT_rdms"][()].astype(float)[:, :20, :20]
        models = f["model_rdms"][()].astype(float)[:4, :20, :20]
        cats = [str(x.decode() if isinstance(x, bytes) else x)
                for x in f["stimulus_category"][()][:20]]
    data = Result({"rdms": brain, "conditions": np.array(cats)}, {"analysis": "rsa"})
    model_in = Result({"rdms": models}, {"analysis": "rsa"})
    rsa = neurodeck.run("rsa", data, model_in, n_bootstrap=50, bootstrap="both")
    subj = np.array([n.split(" | ")[1] for n in ["hIT | BE", "hIT | BE", "hIT | KO",
                                                 "hIT | KO", "hIT | SN", "hIT | SN",
                                                 "hIT | TI", "hIT | TI"]])
    trsa_in = Result({"rdms": brain, "rdm_subjects": subj,
                      "rdm_groups": np.array(["s1", "s2"] * 4)}, {"analysis": "rsa"})
    trsa = neurodeck.run("trsa", trsa_in, grid=3, n_bootstrap=20)
    rng = np.random.default_rng(0)
    ep = Epochs(rng.normal(size=(30, 8, 40)), [f"c{i % 5}" for i in range(30)], sfreq=100.0)
    timed = neurodeck.run("rsa", ep, Result({"rdms": rng.random((2, 10))}, {"analysis": "x"}),
                          window=5, step=5)
    subj = [Epochs(rng.normal(size=(10, 8, 30)), [f"c{i % 5}" for i in range(10)], sfreq=100.0,
                   name=f"s{k}") for k in range(3)]
    timed_group = neurodeck.run("rsa", *subj, Result({"rdms": rng.random((1, 10))},
                                                     {"analysis": "x"}),
                                window=5, step=5, bootstrap="subjects", n_bootstrap=20)
    return rsa, trsa, timed, timed_group


def test_views_construct_and_export(qtbot, tmp_path, results):
    from neurodeck_rsa import view

    rsa, trsa, timed, timed_group = results
    cases = [(view.RDMView, rsa), (view.RDMView, trsa), (view.MDSView, rsa),
             (view.ModelBarView, rsa), (view.TimeCourseView, timed), (view.GridMapView, trsa),
             (view.TimeCourseView, timed_group), (view.RDMView, timed_group)]
    for i, (cls, res) in enumerate(cases):
        w = cls(res)
        qtbot.addWidget(w)
        w.resize(600, 400)
        out = w.export(tmp_path / f"v{i}.png")
        assert out.stat().st_size > 1000, cls.__name__
        assert w.values_table() is not None
    assert timed["model_timecourse"].shape == (2, 8)
    # group time course: curve, CI band and noise ceiling columns in the table
    rows, cols, vals = view.TimeCourseView(timed_group).values_table()
    assert cols == ["x 0", "noise ceiling low", "noise ceiling high", "x 0 CI low",
                    "x 0 CI high"]
    assert vals.shape == (6, 5)
