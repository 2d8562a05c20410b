"""HMM-GLM benchmark: the paper's synthetic setting (Li et al., ICLR 2024 demo:
5 states, 20 neurons, 50 sequences x 2,000 bins, 30 for training) and a scale point
(100 neurons x 50 sequences x 2,000 bins).

Prints a table and writes benchmarks/out/bench_hmmglm.json. The official PyTorch
implementation (BRAINML-GT/onehot-hmmglm) is not a dependency: pass ``--reference
PYTHON`` (an interpreter of a scratch venv where it is installed) together with
``--reference-driver SCRIPT`` (a script outside this repository that reads
``--data file.npz`` and prints a JSON line with "seconds", "states" and "weights") to
time it on the same data in the same run.

    python benchmarks/bench_hmmglm.py [--quick] [--skip-scale]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from neurodeck_hmmglm import fit, glm, hmm, select, simulate

OUT = Path(__file__).parent / "out"


def score(truth, data, z, p, link):
    path = hmm.viterbi(fit.emissions(data, p, link), data.lengths, p.transition, p.initial)
    k = truth.weights.shape[0]
    perm = simulate.match_states(z, path, k)
    w = p.weights[perm]
    return {
        "state_accuracy": simulate.state_accuracy(z, path, k),
        "weight_r": float(np.corrcoef(w.ravel(), truth.weights.ravel())[0, 1]),
        "sign_accuracy": simulate.sign_accuracy(truth.weights, w),
    }


def run_ours(truth, train, test, z_test, prior, restarts, max_iter):
    opts = fit.FitOptions(prior=prior, link=truth.link, max_iter=max_iter)
    t0 = time.perf_counter()
    res = fit.fit(train, truth.weights.shape[0], opts, n_restarts=restarts, seed=0)
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds, "em_iterations": len(res.log_posterior)}
    out.update(score(truth, test, z_test, res.params, truth.link))
    out["heldout_bits_per_spike"] = select.bits_per_spike(train, test, res.params, truth.link)
    return out


def run_reference(python, driver, counts, n_train, truth, z_test):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.npz"
        np.savez(path, counts=np.stack(counts), n_train=n_train,
                 n_states=truth.weights.shape[0], basis=truth.basis)
        proc = subprocess.run([python, driver, "--data", str(path)], capture_output=True,
                              text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    rep = json.loads(proc.stdout.strip().splitlines()[-1])
    k = truth.weights.shape[0]
    states = np.asarray(rep["states"]).ravel()
    perm = simulate.match_states(z_test, states, k)
    w = np.asarray(rep["weights"])[perm]
    return {"seconds": rep["seconds"],
            "state_accuracy": simulate.state_accuracy(z_test, states, k),
            "weight_r": float(np.corrcoef(w.ravel(), truth.weights.ravel())[0, 1]),
            "sign_accuracy": simulate.sign_accuracy(truth.weights, w)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 sequences instead of 50")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--restarts", type=int, default=3)
    ap.add_argument("--max-iter", type=int, default=100)
    ap.add_argument("--reference", help="python of a venv with the official hmmglm")
    ap.add_argument("--reference-driver", help="driver script (outside this repo)")
    args = ap.parse_args(argv)
    n_seq = 10 if args.quick else 50
    n_train = int(round(0.6 * n_seq))
    truth = simulate.paper_truth(5, 20, seed=0)
    counts, states = simulate.sample(truth, n_seq, 2000, seed=1)
    train = fit.Data(*glm.stack(counts[:n_train], truth.basis))
    test = fit.Data(*glm.stack(counts[n_train:], truth.basis))
    z_test = np.concatenate(states[n_train:])
    report = {"setting": {"states": 5, "neurons": 20, "sequences": n_seq,
                          "train": n_train, "bins": 2000, "link": truth.link}}
    rows = []
    for prior in ("none", "gaussian", "onehot"):
        r = run_ours(truth, train, test, z_test, prior, args.restarts, args.max_iter)
        report[f"ours_{prior}"] = r
        rows.append((f"ours {prior}", r))
    if args.reference and args.reference_driver:
        r = run_reference(args.reference, args.reference_driver, counts, n_train, truth,
                          z_test)
        report["reference_onehot"] = r
        if "seconds" in r:
            rows.append(("reference onehot", r))
            report["time_ratio_reference_over_ours"] = (
                r["seconds"] / report["ours_onehot"]["seconds"])
    if not args.skip_scale:
        big = simulate.paper_truth(5, 100, seed=0)
        big_counts, big_states = simulate.sample(big, 50, 2000, seed=1)
        data = fit.Data(*glm.stack(big_counts, big.basis))
        opts = fit.FitOptions(prior="onehot", link=big.link, max_iter=30)
        t0 = time.perf_counter()
        res = fit.fit(data, 5, opts, n_restarts=1, seed=0)
        r = {"seconds": time.perf_counter() - t0, "em_iterations": len(res.log_posterior)}
        r.update(score(big, data, np.concatenate(big_states), res.params, big.link))
        report["scale_100x50x2000_onehot"] = r
        rows.append(("scale 100n x 50 x 2000", r))
    print(f"{'model':<26}{'time s':>9}{'state acc':>11}{'weight r':>10}{'sign acc':>10}")
    for name, r in rows:
        print(f"{name:<26}{r['seconds']:>9.1f}{r['state_accuracy']:>11.3f}"
              f"{r['weight_r']:>10.3f}{r['sign_accuracy']:>10.3f}")
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_hmmglm.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
