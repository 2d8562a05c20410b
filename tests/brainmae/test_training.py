"""Training through ``neurodeck train-brainmae`` on planted structure; determinism."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from neurodeck_brainmae import checkpoint

from neurodeck.cli import main as neurodeck_main

N_PAIRS = 6


def _planted(path, n_scans=4, t=240, seed=0):
    """Regions come in twins (2k, 2k+1) sharing one AR(1) source plus 10% noise; the
    sources are independent. A hidden region is best predicted from its twin."""
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w") as f:
        g = f.create_group("scans")
        g.attrs["tr_s"] = 2.0
        for k in range(n_scans):
            src = np.zeros((N_PAIRS, t))
            for i in range(1, t):
                src[:, i] = 0.8 * src[:, i - 1] + rng.standard_normal(N_PAIRS)
            data = np.repeat(src, 2, axis=0) + 0.3 * rng.standard_normal((2 * N_PAIRS, t))
            g.create_dataset(f"s{k}", data=100 + 5 * data)
        f.create_dataset("region_names", data=np.array([f"r{i}" for i in range(2 * N_PAIRS)],
                                                       dtype=object),
                         dtype=h5py.string_dtype())


def _train(tmp_path, name, h5, steps=250, seed=0):
    out = tmp_path / name
    rc = neurodeck_main(["train-brainmae", str(h5), "--group", "scans", "--holdout", "s3",
                         "--out", str(out), "--segment-length", "5", "--d-model", "16",
                         "--d-embed", "8", "--heads", "2", "--temporal-layers", "1",
                         "--steps", str(steps), "--batch-size", "8", "--crop-segments", "8",
                         "--lr", "1e-2", "--seed", str(seed), "--mask-ratio", "0.25"])
    assert rc == 0
    return out.with_suffix(".safetensors")


@pytest.mark.slow
def test_training_recovers_planted_twins_and_is_deterministic(tmp_path, torch_twin):
    h5 = tmp_path / "planted.h5"
    _planted(h5)
    a = _train(tmp_path, "a", h5)
    config, w = checkpoint.load(a)
    assert config.tr == 2.0 and config.regions[0] == "r0"
    assert config.training["heldout"] == ["scans/s3"]
    assert config.training["data"] == ["scans/s0", "scans/s1", "scans/s2"]
    rows = config.training["heldout_evaluation"]
    assert {r["mask_ratio"] for r in rows} == {0.25, 0.5, 0.75}
    held = next(r for r in rows if r["mask_ratio"] == 0.25)  # the training mask ratio
    # Noise s.d. 0.3 on an AR(1) source of variance 1/(1-0.64) = 2.8: from a visible
    # twin the best hidden-region MSE is ~2 * 0.09 / 2.9 ~ 0.06 z units; with 3 of 12
    # regions hidden the twin is hidden too 2/11 of the time. Mean imputation scores 1.
    # Require a clear win over both baselines.
    assert held["brainmae"] < 0.5 * held["mean"], held
    assert held["brainmae"] < 0.5 * held["nearest"], held
    # The Gaussian baseline travels with the checkpoint: the training scans' pooled
    # covariance (z-scored per scan), shrunk by the leave-one-scan-out choice.
    from neurodeck_brainmae import gaussian
    from neurodeck_brainmae.infer import normalise

    with h5py.File(h5) as f:
        zs = [normalise(f[f"scans/s{k}"][:])[0] for k in range(3)]
    assert config.baseline["scans"] == ["scans/s0", "scans/s1", "scans/s2"]
    assert config.baseline["shrinkage"] in gaussian.SHRINKAGE_GRID
    np.testing.assert_allclose(
        w["baseline.covariance"],
        gaussian.shrink(gaussian.pooled_covariance(zs), config.baseline["shrinkage"]),
        atol=1e-6)

    from neurodeck_brainmae.model_np import NumpyBrainMAE

    att = NumpyBrainMAE(config, w).attention()
    twin = np.arange(2 * N_PAIRS) ^ 1
    # each region's strongest attention goes to its twin (the planted graph)
    assert np.mean(att.argmax(1) == twin) >= 10 / 12, att.argmax(1)

    b = _train(tmp_path, "b", h5)
    _, w_b = checkpoint.load(b)
    for k in w:
        np.testing.assert_array_equal(w[k], w_b[k])


def test_cli_refuses_bad_inputs(tmp_path, torch_twin):
    h5 = tmp_path / "planted.h5"
    _planted(h5, n_scans=2)
    with pytest.raises(SystemExit, match="not found"):
        neurodeck_main(["train-brainmae", str(h5), "--group", "scans", "--holdout", "nope",
                        "--out", str(tmp_path / "x"), "--steps", "1"])
    with h5py.File(h5, "a") as f:
        f["scans"].attrs["tr_s"] = 2.0
        f.create_dataset("scans/odd", data=np.zeros((5, 100)))
    with pytest.raises(SystemExit, match="different numbers of regions"):
        neurodeck_main(["train-brainmae", str(h5), "--group", "scans",
                        "--out", str(tmp_path / "x"), "--steps", "1"])
