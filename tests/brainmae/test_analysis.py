"""The ``brainmae`` analysis through ``neurodeck.run``, on real HCP data and on errors."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from neurodeck_brainmae import checkpoint
from neurodeck_brainmae.config import Head

import neurodeck
from neurodeck.data import RoiTimeSeries, Traces
from neurodeck.errors import Cancelled, InputError, ParameterError
from neurodeck.jobs.progress import Progress


def _hcp(shared_data, names):
    with h5py.File(shared_data / "fmri" / "rest_roi_timeseries_aal2.h5", "r") as f:
        regions = [x.decode() for x in f["region_names"][:]]
        return [RoiTimeSeries(f[f"hcp/{n}"][:], regions, tr=float(f["hcp"].attrs["tr_s"]),
                              atlas="AAL2", name=n) for n in names]


@pytest.fixture(scope="module")
def heldout_result(shared_data):
    """The shipped checkpoint on the subjects it never saw in training."""
    config, _ = checkpoint.load()
    subjects = [name.split("/")[-1] for name in config.training["heldout"]]
    inputs = _hcp(shared_data, subjects)
    messages = []
    result = neurodeck.run("brainmae", *inputs, mask_ratio=0.5, seed=0,
                           progress=Progress(lambda f, m: messages.append(m)))
    return inputs, result, messages


def test_shipped_checkpoint_beats_every_baseline_on_heldout_subjects(heldout_result):
    inputs, r, _ = heldout_result
    model = r["reconstruction_error"].mean()
    mean_imp = r["baseline_error_mean"].mean()
    nearest = r["baseline_error_nearest"].mean()
    # Margins are a fraction of what the shipped model achieves (docs/brainmae.md):
    # at least 20% lower MSE than either naive baseline, averaged over regions.
    assert model < 0.8 * mean_imp, (model, mean_imp)
    assert model < 0.8 * nearest, (model, nearest)
    assert str(r["baseline_gaussian_covariance"]).startswith("checkpoint")
    for k in range(len(inputs)):
        # every held-out subject: lower than the linear Gaussian conditional mean too
        assert (r["subject_reconstruction_error"][k].mean()
                < r["subject_baseline_error_gaussian"][k].mean()), k
        per = r["subject_reconstruction_error"][k]
        assert np.mean(per < 1.0) > 0.8  # and better than the mean for most regions


def test_heldout_table_is_reproduced_documented_and_won_at_every_mask_ratio(shared_data,
                                                                             heldout_result):
    """The checkpoint's recorded held-out table (written by train-brainmae) is what the
    analysis gives today, it is the table in docs/brainmae.md, and BrainMAE has the lowest
    error in every row (each held-out subject at mask ratios 0.25, 0.5 and 0.75)."""
    from pathlib import Path

    from neurodeck_brainmae.evaluate import beats_baselines, heldout_table, markdown_table

    config, weights = checkpoint.load()
    inputs = heldout_result[0]
    rows = heldout_table(config, weights, [(f"hcp/{ds.name}", ds.data) for ds in inputs],
                         weights[checkpoint.BASELINE_COVARIANCE])
    recorded = config.training["heldout_evaluation"]
    assert [(r["scan"], r["mask_ratio"]) for r in rows] == \
        [(r["scan"], r["mask_ratio"]) for r in recorded]
    for got, want in zip(rows, recorded, strict=True):
        for method in ("brainmae", "gaussian", "mean", "nearest"):
            assert got[method] == pytest.approx(want[method], abs=1e-6), (got, method)
    assert {r["mask_ratio"] for r in rows} == {0.25, 0.5, 0.75}
    assert beats_baselines(rows), rows
    # neurodeck.run at mask_ratio 0.5, seed 0 is the 0.5 rows
    r = heldout_result[1]
    half = [row for row in rows if row["mask_ratio"] == 0.5]
    for k, row in enumerate(half):
        assert r["subject_reconstruction_error"][k].mean() == pytest.approx(row["brainmae"],
                                                                            abs=1e-9)
        assert r["subject_baseline_error_gaussian"][k].mean() == pytest.approx(
            row["gaussian"], abs=1e-9)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "brainmae.md").read_text("utf-8")
    block = doc.split("<!-- brainmae:heldout -->\n")[1].split("<!-- /brainmae:heldout -->")[0]
    assert block == markdown_table(recorded)


def test_result_arrays_and_shapes(heldout_result):
    inputs, r, messages = heldout_result
    n, t = 94, sum(ds.n_times for ds in inputs)
    assert r.analysis == "brainmae"
    assert r["reconstruction"].shape == (n, t) and r["original"].shape == (n, t)
    assert r["reconstruction_error"].shape == (n,)
    assert r["subject_reconstruction_error"].shape == (len(inputs), n)
    assert r["embedding"].shape[0] == len(inputs)
    assert r["segment_embeddings"].shape == (len(r["segment_subject"]), r["embedding"].shape[1])
    assert r["attention"].shape == (n, n)
    np.testing.assert_allclose(r["attention"].sum(1), 1.0, atol=1e-5)
    assert "prediction" not in r  # the shipped checkpoint has no head
    assert list(r["subjects"]) == [ds.name for ds in inputs]
    assert list(r["regions"]) == inputs[0].regions
    # reconstruction is in the input's units (raw BOLD ~ 1e4), not z units
    np.testing.assert_allclose(r["reconstruction"].mean(1), r["original"].mean(1), rtol=0.01)
    np.testing.assert_array_equal(r["original"][:, :1200], inputs[0].data)
    # progress names each subject: one job, several subjects
    assert any("subject 2/2" in m for m in messages)
    # homologous left/right regions (interleaved L, R) attend to each other more than
    # to the average region: the learned region embeddings carry anatomy
    att = r["attention"]
    pair = np.mean([att[2 * k, 2 * k + 1] + att[2 * k + 1, 2 * k] for k in range(47)]) / 2
    assert pair > 2.0 / 93, pair


def test_fixed_seed_is_deterministic_and_embeddings_ignore_the_mask(shared_data):
    ds = _hcp(shared_data, ["377451"])[0]
    a = neurodeck.run("brainmae", ds, seed=3)
    b = neurodeck.run("brainmae", ds, seed=3)
    c = neurodeck.run("brainmae", ds, seed=4)
    for key in ("reconstruction", "embedding", "segment_embeddings", "attention"):
        np.testing.assert_array_equal(a[key], b[key])
    np.testing.assert_array_equal(a["embedding"], c["embedding"])
    assert not np.array_equal(a["reconstruction"], c["reconstruction"])


def test_wrong_atlas_wrong_tr_and_wrong_order_are_refused(shared_data):
    ds = _hcp(shared_data, ["101309"])[0]
    with pytest.raises(InputError, match="80 regions.*trained on 94"):
        neurodeck.run("brainmae", RoiTimeSeries(ds.data[:80], tr=0.72, name="cortex"))
    with pytest.raises(InputError, match="TR 2 s.*TR 0.72 s.*does not resample"):
        neurodeck.run("brainmae", RoiTimeSeries(ds.data, ds.regions, tr=2.0))
    order = np.r_[1, 0, np.arange(2, 94)]
    with pytest.raises(InputError, match="another order"):
        neurodeck.run("brainmae", RoiTimeSeries(ds.data[order], [ds.regions[i] for i in order],
                                                tr=0.72))
    with pytest.raises(InputError, match="fewer than one segment"):
        neurodeck.run("brainmae", RoiTimeSeries(ds.data[:, :10], tr=0.72))
    with pytest.raises(InputError, match="accepts roi_timeseries"):
        neurodeck.run("brainmae", Traces(ds.data, sfreq=1 / 0.72))
    with pytest.raises(ParameterError, match="mask_ratio"):
        neurodeck.run("brainmae", ds, mask_ratio=0.999)


def test_head_predictions_and_other_checkpoints(tmp_path, make_config, make_weights):
    config = make_config(n_regions=12, head=Head("regression", ("age", "score")), tr=2.0)
    w = make_weights(config)
    path = checkpoint.save(tmp_path / "head", config, w)
    rng = np.random.default_rng(0)
    subjects = [RoiTimeSeries(rng.standard_normal((12, n)), config.regions, tr=2.0, name=f"s{n}")
                for n in (40, 57)]
    r = neurodeck.run("brainmae", *subjects, checkpoint=str(path))
    assert list(r["prediction_names"]) == ["age", "score"]
    want = r["embedding"] @ w["head.weight"].T.astype(float) + w["head.bias"]
    np.testing.assert_allclose(r["prediction"], want, atol=1e-4)
    assert r["reconstruction"].shape == (12, 97)
    assert list(r["subject_frames"]) == [40, 57]
    assert r["segment_start"][r["segment_subject"] == 1].max() == 57 - 5


def test_roi_extract_results_chain_into_brainmae(tmp_path, make_config, make_weights):
    """4D NIfTI + atlas -> roi-extract result -> brainmae, without a manual conversion."""
    from neurodeck.data import Result

    config = make_config(n_regions=12, tr=2.0)
    path = checkpoint.save(tmp_path / "x", config, make_weights(config))
    ts = np.random.default_rng(0).standard_normal((12, 50))
    extracted = Result({"timeseries": ts, "regions": np.array(config.regions),
                        "tr": np.float64(2.0)}, {"analysis": "roi-extract"}, name="run1")
    r = neurodeck.run("brainmae", extracted, checkpoint=str(path))
    np.testing.assert_array_equal(r["original"], ts)
    bad = Result({"timeseries": ts, "regions": np.array(config.regions),
                  "tr": np.float64(1.0)}, {"analysis": "roi-extract"}, name="run2")
    with pytest.raises(InputError, match="TR 1 s"):
        neurodeck.run("brainmae", bad, checkpoint=str(path))


def test_cancel_stops_the_job(tmp_path, make_config, make_weights):
    config = make_config(n_regions=12, tr=2.0)
    path = checkpoint.save(tmp_path / "c", config, make_weights(config))
    rng = np.random.default_rng(0)
    subjects = [RoiTimeSeries(rng.standard_normal((12, 60)), tr=2.0) for _ in range(3)]
    progress = Progress()

    def cancel_at_second(fraction, message):
        if "subject 2/3" in message:
            progress.cancel()

    progress.add_listener(cancel_at_second)
    with pytest.raises(Cancelled):
        neurodeck.run("brainmae", *subjects, checkpoint=str(path), progress=progress)


def test_inference_never_imports_torch(tmp_path, make_config, make_weights):
    """The packaged app has no PyTorch: run the analysis with torch made unimportable."""
    import subprocess
    import sys

    config = make_config(n_regions=12, tr=2.0)
    path = checkpoint.save(tmp_path / "nt", config, make_weights(config))
    code = f"""
import sys
sys.modules["torch"] = None  # any 'import torch' now raises ImportError
import numpy as np, neurodeck
from neurodeck.data import RoiTimeSeries
ds = RoiTimeSeries(np.random.default_rng(0).standard_normal((12, 40)), tr=2.0)
r = neurodeck.run("brainmae", ds, checkpoint={str(path)!r})
assert r["reconstruction"].shape == (12, 40)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-2000:]
