"""Pipelines: built from a session's history, saved as text, run over a study on dask."""

import tomllib

import numpy as np
import pytest

import neurodeck
from neurodeck import cli
from neurodeck.batch import read_summary, run_pipeline
from neurodeck.pipeline import PipelineError, from_history, load, loads
from neurodeck.session import Session

from .test_undo import _open, _step


@pytest.fixture
def chain(steps, trace_folder):
    """A session that opened one file, scaled it, kept 2 rows and averaged them."""
    root, data = trace_folder
    first = sorted(root.rglob("*.csv"))[0]
    s = Session()
    e = _open(s, first)
    t1 = _step(s, "transform", "scale", [e.id], factor=3.0)
    t2 = _step(s, "transform", "first-rows", [t1.id], n=2)
    res = _step(s, "analysis", "row-means", [t2.id], gain=0.5)
    return s, res, root, data


def test_from_history_save_load_round_trip(chain, tmp_path):
    s, res, _, _ = chain
    p = from_history(s, res.id)
    assert [(x.kind, x.id) for x in p.steps] == [("transform", "scale"),
                                                ("transform", "first-rows"),
                                                ("analysis", "row-means")]
    path = p.save(tmp_path / "steps.toml")
    text = path.read_text()
    doc = tomllib.loads(text)  # plain TOML a person can read and edit
    assert doc["steps"][0] == {"transform": "scale", "params": {"factor": 3.0},
                               "plugin": "steps-test", "plugin_version": ""}
    again = load(path)
    assert again.to_doc()["steps"] == p.to_doc()["steps"] and again.key() == p.key()
    js = p.save(tmp_path / "steps.json")
    assert load(js).key() == p.key()
    # Applied to the same file, it gives the session's result exactly.
    out = again.run(neurodeck.open(s.entries[1].dataset.source))
    np.testing.assert_array_equal(out["mean"], res.dataset["mean"])


@pytest.mark.parametrize("text, why", [
    ('format = "neurodeck-pipeline"\n[[steps]]\ntransform = "nope"\n', "no transform 'nope'"),
    ('format = "neurodeck-pipeline"\n[[steps]]\ntransform = "scale"\n[steps.params]\n'
     'factor = -1\n', "below the minimum"),
    ('format = "neurodeck-pipeline"\n[[steps]]\nanalysis = "row-means"\n'
     '[[steps]]\ntransform = "scale"\n', "only the last step"),
    ('format = "neurodeck-pipeline"\n[[steps]]\ntransform = "scale"\nrun = "os.system"\n',
     "unknown field"),
    ('format = "neurodeck-pipeline"\n', "no \\[\\[steps\\]\\]"),
    ('[[steps]]\ntransform = "scale"\n', "not a neurodeck pipeline"),
    ('format = "neurodeck-pipeline"\n[[steps\n', "not valid TOML"),
])
def test_bad_pipelines_are_refused_with_the_reason(steps, text, why):
    with pytest.raises(PipelineError, match=why):
        loads(text, where="x.toml")


def test_pipeline_over_a_study_on_two_workers_equals_per_file_runs(chain, tmp_path):
    s, res, root, data = chain
    p = from_history(s, res.id)
    out = tmp_path / "results"
    rep = run_pipeline(p, [str(root)], out, workers=2, processes=False)
    assert rep.workers == 2 and rep.mode == "dask" and not rep.failed
    assert len(rep.items) == 4
    for item in rep.items:
        direct = p.run(neurodeck.open(item.input))
        got = neurodeck.Result.load(item.output)
        np.testing.assert_allclose(got["mean"], direct["mean"], rtol=1e-12, atol=0)
        assert got.provenance["batch"]["source"]["member"] is not None
    # The member table's columns reach the summary; a restart skips what is current and
    # keeps the earlier rows.
    rows = read_summary(rep.summary)
    assert [r["member"] for r in rows] == [m.key for m in neurodeck.open_study(root).members]
    again = run_pipeline(p, [str(root)], out)
    assert all(i.reused for i in again.items) and again.mode == "none"
    # A pipeline whose last step is a transform writes datasets with a fitting writer.
    from neurodeck.pipeline import Pipeline

    ds_out = run_pipeline(Pipeline(p.steps[:2]), [str(root)], tmp_path / "ds")
    assert not ds_out.failed and ds_out.mode == "in-process"
    first = neurodeck.open(ds_out.items[0].output)
    assert first.n_rows == 2


def test_cli_pipeline_show_check_run(chain, tmp_path, capsys):
    s, res, root, _ = chain
    path = from_history(s, res.id).save(tmp_path / "p.toml")
    assert cli.main(["pipeline", "show", str(path)]) == 0
    shown = capsys.readouterr().out
    assert "1. transform scale" in shown and "3. analysis row-means" in shown
    assert cli.main(["pipeline", "run", str(path), "--inputs",
                     str(root / "sub-0[12]" / "*" / "*.csv"), "--out", str(tmp_path / "o"),
                     "-q"]) == 0
    assert "2/2 ok" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('format = "neurodeck-pipeline"\n[[steps]]\ntransform = "nope"\n')
    assert cli.main(["pipeline", "check", str(bad)]) == 2
    assert "bad.toml: step 1" in capsys.readouterr().err
