"""HMM-GLM benchmark: the paper's synthetic setting (Li et al., ICLR 2024 demo:
5 states, 20 neurons, 50 sequences x 2,000 bins, 30 for training, 20 held out) and a
scale point (100 neurons x 50 sequences x 2,000 bins).

Prints a table and writes benchmarks/out/bench_hmmglm.json. The simulated data are
saved as benchmarks/out/hmmglm_paper.npz (counts S x T x N, n_train, n_states, basis,
true states and weights). The official PyTorch implementation (BRAINML-GT/onehot-hmmglm)
is not a dependency: pass ``--reference PYTHON`` (an interpreter of a scratch venv
where it is installed) and ``--reference-driver SCRIPT`` (a script kept outside this
repository that reads ``--data file.npz``, trains the one-hot HMM-GLM on the first
n_train sequences and prints a JSON line with "seconds" (training), "states" (Viterbi
path of the held-out sequences, concatenated) and "weights" (K x N x N)) to time it
on the same data in the same run.

Scores, all on the held-out sequences: state accuracy after Hungarian matching,
Pearson r of the matched weights with the truth, connection-class (inhibitory /
absent / excitatory) accuracy, and (ours) held-out bits per spike.

    python benchmarks/bench_hmmglm.py [--quick] [--skip-scale] [--scale-cap 300]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from neurodeck_hmmglm import fit, glm, hmm, select, simulate

from neurodeck.errors import Cancelled
from neurodeck.jobs.progress import Progress

OUT = Path(__file__).parent / "out"


def score(truth, data, z, p, link):
    path = hmm.viterbi(fit.emissions(data, p, link), data.lengths, p.transition, p.initial)
    return score_path(truth, z, path, p.weights)


def score_path(truth, z, path, weights):
    k = truth.weights.shape[0]
    perm = simulate.match_states(z, path, k)
    w = np.asarray(weights)[perm]
    return {
        "state_accuracy": simulate.state_accuracy(z, path, k),
        "weight_r": float(np.corrcoef(w.ravel(), truth.weights.ravel())[0, 1]),
        "sign_accuracy": simulate.sign_accuracy(truth.weights, w),
    }


def run_ours(truth, train, test, z_test, prior, restarts):
    opts = fit.FitOptions(prior=prior, link=truth.link)
    t0 = time.perf_counter()
    res = fit.fit(train, truth.weights.shape[0], opts, n_restarts=restarts, seed=0)
    seconds = time.perf_counter() - t0
    out = {"seconds": seconds, "em_iterations": len(res.log_posterior) - 1,
           "restarts": restarts,
           "monotone": bool(np.diff(res.log_posterior).min()
                            > -1e-7 * abs(res.log_posterior[-1]))}
    out.update(score(truth, test, z_test, res.params, truth.link))
    out["heldout_bits_per_spike"] = select.bits_per_spike(train, test, res.params, truth.link)
    return out


def run_reference(python, driver, data_path, truth, z_test):
    proc = subprocess.run([python, driver, "--data", str(data_path)], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    rep = json.loads(proc.stdout.strip().splitlines()[-1])
    out = {"seconds": rep["seconds"]}
    out.update(score_path(truth, z_test, np.asarray(rep["states"]).ravel(), rep["weights"]))
    out.update({k: rep[k] for k in ("epochs", "sub_epochs", "torch_threads") if k in rep})
    return out


def run_scale(cap: float) -> dict:
    """One-hot fit, one start, 100 neurons x 50 x 2,000 bins, stopped at ``cap`` s."""
    big = simulate.paper_truth(5, 100, seed=0)
    counts, states = simulate.sample(big, 50, 2000, seed=1)
    data = fit.Data(*glm.stack(counts, big.basis))
    opts = fit.FitOptions(prior="onehot", link=big.link)
    stamps: list[float] = []
    t0 = time.perf_counter()

    def listen(_fraction: float, message: str) -> None:
        if message.startswith("EM iteration"):
            stamps.append(time.perf_counter() - t0)
            if stamps[-1] > cap:
                progress.cancel()

    progress = Progress(listen)
    out: dict = {}
    try:
        res = fit.fit(data, 5, opts, n_restarts=1, seed=0, progress=progress)
        out.update(score(big, data, np.concatenate(states), res.params, big.link))
        out["em_iterations"] = len(res.log_posterior) - 1
        out["finished"] = True
    except Cancelled:
        out["finished"] = False
    out["seconds"] = time.perf_counter() - t0
    steps = np.diff(stamps)
    out["iterations_started"] = len(stamps)
    out["seconds_per_iteration"] = float(np.median(steps)) if len(steps) else None
    out["seconds_to_first_iteration"] = stamps[0] if stamps else None
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 sequences instead of 50")
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument("--scale-cap", type=float, default=300.0,
                    help="seconds after which the scale point stops (reported as such)")
    ap.add_argument("--reference", help="python of a venv with the official hmmglm")
    ap.add_argument("--reference-driver", help="driver script (outside this repo)")
    args = ap.parse_args(argv)
    n_seq = 10 if args.quick else 50
    n_train = int(round(0.6 * n_seq))
    truth = simulate.paper_truth(5, 20, seed=0)
    counts, states = simulate.sample(truth, n_seq, 2000, seed=1)
    OUT.mkdir(exist_ok=True)
    data_path = OUT / "hmmglm_paper.npz"
    np.savez(data_path, counts=np.stack(counts), n_train=n_train, n_states=5,
             basis=truth.basis, states=np.stack(states), weights=truth.weights)
    train = fit.Data(*glm.stack(counts[:n_train], truth.basis))
    test = fit.Data(*glm.stack(counts[n_train:], truth.basis))
    z_test = np.concatenate(states[n_train:])
    report: dict = {"setting": {"states": 5, "neurons": 20, "sequences": n_seq,
                                "train": n_train, "bins": 2000, "link": truth.link}}
    # The true parameters' own decoding accuracy is the ceiling for any fit.
    p_true = fit.Params(truth.weights, truth.bias, truth.transition, np.full(5, 0.2))
    report["true_parameters"] = score(truth, test, z_test, p_true, truth.link)
    rows = [("true parameters", {"seconds": float("nan"), **report["true_parameters"]})]
    for prior, restarts in (("none", 1), ("gaussian", 1), ("onehot", 1), ("onehot", 3)):
        r = run_ours(truth, train, test, z_test, prior, restarts)
        report[f"ours_{prior}_{restarts}start"] = r
        rows.append((f"ours {prior} ({restarts} start{'s' * (restarts > 1)})", r))
    if args.reference and args.reference_driver:
        r = run_reference(args.reference, args.reference_driver, data_path, truth, z_test)
        report["reference_onehot"] = r
        if "seconds" in r:
            rows.append(("reference onehot (torch)", r))
            for restarts in (1, 3):
                report[f"speedup_vs_reference_onehot_{restarts}start"] = (
                    r["seconds"] / report[f"ours_onehot_{restarts}start"]["seconds"])
        else:
            print("reference failed:\n" + r["error"], file=sys.stderr)
    if not args.skip_scale:
        r = run_scale(args.scale_cap)
        report["scale_100n_50x2000_onehot"] = r
        if r["finished"]:
            rows.append(("scale 100n x 50 x 2000", r))
    print(f"{'model':<30}{'time s':>9}{'state acc':>11}{'weight r':>10}{'sign acc':>10}")
    for name, r in rows:
        print(f"{name:<30}{r['seconds']:>9.1f}{r['state_accuracy']:>11.3f}"
              f"{r['weight_r']:>10.3f}{r['sign_accuracy']:>10.3f}")
    for key, val in report.items():
        if key.startswith("speedup"):
            print(f"{key}: {val:.1f}x")
    if "scale_100n_50x2000_onehot" in report:
        s = report["scale_100n_50x2000_onehot"]
        print(f"scale point: finished={s['finished']} in {s['seconds']:.0f} s, "
              f"{s['iterations_started']} EM iterations started, "
              f"{s['seconds_per_iteration']} s per iteration, first iteration at "
              f"{s['seconds_to_first_iteration']} s")
    (OUT / "bench_hmmglm.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
