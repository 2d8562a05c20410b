"""RSA speed: neurodeck_rsa vs rsatoolbox 0.3.2 in the same run, at equal results.

Cases (issue 4): crossnobis RDM for 92 conditions x 1000 channels x 8 runs;
time-resolved RSA of 64-channel epochs (100 conditions x 500 time points);
1000-sample bootstrap model evaluation (92-image data when present, else random).
Prints a table and writes benchmarks/out/bench_rsa.json. Run:
``python benchmarks/bench_rsa.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")


def timed(fun, repeat=1, warmup=False):
    """Best wall time of ``repeat`` calls (the machine is shared: the best run is the
    least disturbed); ``warmup`` makes one untimed call first (imports, page faults).
    The best process CPU time is kept in ``timed.cpu`` (all threads; steadier than wall
    time when other jobs compete for the cores)."""
    if warmup:
        fun()
    best, best_cpu = np.inf, np.inf
    out = None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fun()
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    timed.cpu = best_cpu
    return best, out


def pair(ref_fun, ours_fun, repeat_ref, repeat_ours, warmup=True):
    """Time the reference, then ours: (t_ours, t_ref, cpu_ours, cpu_ref, ours, ref)."""
    t_ref, ref = timed(ref_fun, repeat_ref, warmup)
    c_ref = timed.cpu
    t_ours, ours = timed(ours_fun, repeat_ours, warmup)
    return t_ours, t_ref, timed.cpu, c_ref, ours, ref


def bench_crossnobis(quick: bool):
    import rsatoolbox
    from neurodeck_rsa import rdm

    rng = np.random.default_rng(0)
    n_c, p, n_r = (92, 1000, 8) if not quick else (40, 300, 4)
    conds = np.tile(np.arange(n_c), n_r)
    runs = np.repeat(np.arange(n_r), n_c)
    x = rng.normal(size=(n_c, p))[conds] + rng.normal(size=(conds.size, p))
    prec = rdm.noise_precision(*rdm.residuals(x, conds, n_c))
    ds = rsatoolbox.data.Dataset(x, obs_descriptors={"conds": conds, "runs": runs})
    t_o, t_r, c_o, c_r, ours, ref = pair(
        lambda: rsatoolbox.rdm.calc_rdm(ds, method="crossnobis", descriptor="conds",
                                        cv_descriptor="runs", noise=prec).get_vectors()[0],
        lambda: rdm.crossnobis(rdm.fold_means(x, conds, n_c, runs), prec), 5, 5)
    rows = [("crossnobis RDM (given precision)", t_o, t_r, c_o, c_r,
             float(np.abs(ours - ref).max()))]

    # the whole pipeline: shrinkage noise precision from residuals, then the RDM
    def ref_pipeline():
        res, dof = rdm.residuals(x, conds, n_c)
        noise = rsatoolbox.data.noise.prec_from_residuals(res, dof=dof)
        return rsatoolbox.rdm.calc_rdm(ds, method="crossnobis", descriptor="conds",
                                       cv_descriptor="runs", noise=noise).get_vectors()[0]

    t_o, t_r, c_o, c_r, ours, ref = pair(
        ref_pipeline, lambda: rdm.calc_rdm(x, conds, n_c, "crossnobis", runs, "shrinkage_diag"),
        3, 3)
    rows.append(("crossnobis (noise from residuals + RDM)", t_o, t_r, c_o, c_r,
                 float(np.abs(ours - ref).max())))
    return rows


def bench_time_resolved(quick: bool):
    from neurodeck_rsa.inputs import _from_epochs
    from rsatoolbox.data import TemporalDataset
    from rsatoolbox.rdm import calc_rdm_movie

    from neurodeck import Epochs
    from neurodeck.jobs.progress import Progress

    rng = np.random.default_rng(1)
    n_c, ch, t = (100, 64, 500) if not quick else (30, 16, 60)
    data = rng.normal(size=(n_c, ch, t))
    ep = Epochs(data, [f"c{i:03d}" for i in range(n_c)], sfreq=500.0)
    tds = TemporalDataset(data, obs_descriptors={"conds": [f"c{i:03d}" for i in range(n_c)]},
                          time_descriptors={"time": np.arange(t) / 500.0})
    rows = []
    for method in ("euclidean", "correlation"):
        params = {"method": method, "window": 1, "step": 1}
        t_o, t_r, c_o, c_r, ours, ref = pair(
            lambda m=method: calc_rdm_movie(tds, method=m, descriptor="conds").get_vectors(),
            lambda p=params: _from_epochs(ep, p, Progress()).vectors, 2, 5)
        rows.append((f"time-resolved RDMs ({method})", t_o, t_r, c_o, c_r,
                     float(np.abs(ours - ref).max())))
    return rows


def bench_bootstrap(quick: bool):
    from neurodeck_rsa import inference
    from neurodeck_rsa.rdm import to_vectors
    from rsatoolbox.inference import eval_bootstrap_pattern
    from rsatoolbox.model import ModelFixed
    from rsatoolbox.rdm import RDMs

    shared = Path(__file__).resolve().parents[2] / "shared" / "data" / "rsa" / "rsa_92images.h5"
    if shared.exists():
        import h5py

        with h5py.File(shared) as f:
            data = to_vectors(f["brain_hIT_rdms"][()].astype(float))
            models = to_vectors(f["model_rdms"][()].astype(float))
    else:
        rng = np.random.default_rng(2)
        models = rng.random((8, 92 * 91 // 2))
        data = models[0] + rng.random((8, models.shape[1]))
    n = 1000 if not quick else 50
    fixed = [ModelFixed(f"m{i}", RDMs(m[None])) for i, m in enumerate(models)]

    def ref():
        np.random.seed(0)
        return eval_bootstrap_pattern(fixed, RDMs(data), method="corr", N=n)

    def ours():
        np.random.seed(0)
        draws = [(None, np.random.randint(0, 92, size=92)) for _ in range(n)]
        return inference.bootstrap(models, data, "corr", draws)

    t_o, t_r, c_o, c_r, o, r = pair(ref, ours, 1, 1, warmup=False)
    diff = max(float(np.nanmax(np.abs(o.scores - r.evaluations.T))),
               float(np.nanmax(np.abs(o.noise_ceiling - r.noise_ceiling))))
    return [(f"bootstrap x{n} (8 models, 8 RDMs)", t_o, t_r, c_o, c_r, diff)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args()
    rows = []
    print(f"{'case':42s} {'ours (s)':>9s} {'rsatoolbox (s)':>14s} {'speed-up':>9s} "
          f"{'CPU speed-up':>12s} {'max |diff|':>10s}")
    for bench in (bench_crossnobis, bench_time_resolved, bench_bootstrap):
        for name, t_ours, t_ref, c_ours, c_ref, diff in bench(args.quick):
            rows.append({"case": name, "ours_s": t_ours, "rsatoolbox_s": t_ref,
                         "speedup": t_ref / t_ours, "ours_cpu_s": c_ours,
                         "rsatoolbox_cpu_s": c_ref, "cpu_speedup": c_ref / c_ours,
                         "max_abs_diff": diff})
            print(f"{name:42s} {t_ours:9.4f} {t_ref:14.4f} {t_ref / t_ours:8.1f}x "
                  f"{c_ref / c_ours:11.1f}x {diff:10.2e}", flush=True)
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_rsa.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
