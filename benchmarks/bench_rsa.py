"""RSA speed: neurodeck_rsa vs rsatoolbox 0.3.2 in the same run, at equal results.

Workloads (what a user runs):

- crossnobis RDM, 92 conditions x 1000 channels x 8 runs: with a given noise precision,
  and with the shrinkage precision estimated from the residuals;
- time-resolved RDMs of epochs with 4 epochs per condition (100 conditions x 64 channels x
  500 time points, conditions interleaved as recorded), euclidean and correlation;
- the condition bootstrap of model evaluation (1000 samples, 8 fixed models x 8 RDMs,
  corr) at 40, 92 (the 92-image hIT data when present) and 200 conditions; then ours
  alone on 1 and on 2 BLAS threads (15 interleaved repeats) to choose the thread policy;
- the same bootstrap with a rank measure (spearman, 200 samples, 92 conditions), which
  goes sample by sample.

Every case goes through ``harness.compare``: A and B interleaved, equal repeats after an
untimed warm-up call each, median and spread of wall and process-CPU time, load and BLAS
threads recorded. Results: ``benchmarks/results/rsa.json``; ``--quick`` (100 bootstrap
samples, 50 for spearman, 2 repeats, 5 for the threads; other sizes unchanged) writes
``rsa-quick.json``.

Run: ``python benchmarks/bench_rsa.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np

RESULTS = "rsa"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "rsa" / "rsa_92images.h5"


def _diff(a, b) -> float:
    return float(np.nanmax(np.abs(np.asarray(a, float) - np.asarray(b, float))))


def _case(name: str, res: dict, diff: float, **extra) -> dict:
    from harness import ratio, strip_values

    out = {"case": name, **extra, "max_abs_diff": diff, "timing": strip_values(res)}
    names = list(res)
    if "rsatoolbox" in names:
        ours = [n for n in names if n != "rsatoolbox"][0]
        out["speedup_wall"] = ratio(res, "rsatoolbox", ours)
        out["speedup_cpu"] = ratio(res, "rsatoolbox", ours, "cpu")
    print(f"{name:60s} " + "  ".join(
        f"{k}: {v['wall']['median']:.4g} s (cpu {v['cpu']['median']:.4g})"
        for k, v in res.items()) + f"  max|diff| {diff:.2e}", flush=True)
    return out


def bench_crossnobis(repeats: int) -> list[dict]:
    import rsatoolbox
    from harness import compare
    from neurodeck_rsa import rdm

    rng = np.random.default_rng(0)
    n_c, p, n_r = 92, 1000, 8
    conds = np.tile(np.arange(n_c), n_r)
    runs = np.repeat(np.arange(n_r), n_c)
    x = rng.normal(size=(n_c, p))[conds] + rng.normal(size=(conds.size, p))
    prec = rdm.noise_precision(*rdm.residuals(x, conds, n_c))
    ds = rsatoolbox.data.Dataset(x, obs_descriptors={"conds": conds, "runs": runs})
    res = compare({
        "neurodeck": lambda: rdm.crossnobis(rdm.fold_means(x, conds, n_c, runs), prec),
        "rsatoolbox": lambda: rsatoolbox.rdm.calc_rdm(
            ds, method="crossnobis", descriptor="conds", cv_descriptor="runs",
            noise=prec).get_vectors()[0]}, repeats)
    rows = [_case("crossnobis RDM (given precision)", res,
                  _diff(res["neurodeck"]["value"], res["rsatoolbox"]["value"]),
                  conditions=n_c, size=f"{n_c} cond x {p} ch x {n_r} runs")]

    def ref_pipeline():
        r, dof = rdm.residuals(x, conds, n_c)
        noise = rsatoolbox.data.noise.prec_from_residuals(r, dof=dof)
        return rsatoolbox.rdm.calc_rdm(ds, method="crossnobis", descriptor="conds",
                                       cv_descriptor="runs", noise=noise).get_vectors()[0]

    res = compare({
        "neurodeck": lambda: rdm.calc_rdm(x, conds, n_c, "crossnobis", runs, "shrinkage_diag"),
        "rsatoolbox": ref_pipeline}, repeats)
    rows.append(_case("crossnobis (shrinkage noise from residuals + RDM)", res,
                      _diff(res["neurodeck"]["value"], res["rsatoolbox"]["value"]),
                      conditions=n_c, size=f"{n_c} cond x {p} ch x {n_r} runs"))
    return rows


def bench_time_resolved(repeats: int) -> list[dict]:
    from harness import compare
    from neurodeck_rsa.inputs import _from_epochs
    from rsatoolbox.data import TemporalDataset
    from rsatoolbox.rdm import calc_rdm_movie

    from neurodeck import Epochs
    from neurodeck.jobs.progress import Progress

    rng = np.random.default_rng(1)
    n_c, per, ch, t = 100, 4, 64, 500
    labels = [f"c{i % n_c:03d}" for i in range(n_c * per)]  # interleaved, as recorded
    signal = rng.normal(size=(n_c, ch, t))
    data = signal[np.arange(n_c * per) % n_c] + rng.normal(size=(n_c * per, ch, t))
    ep = Epochs(data, labels, sfreq=500.0)
    tds = TemporalDataset(data, obs_descriptors={"conds": labels},
                          time_descriptors={"time": np.arange(t) / 500.0})
    rows = []
    for method in ("euclidean", "correlation"):
        params = {"method": method, "window": 1, "step": 1}
        res = compare({
            "neurodeck": lambda p=params: _from_epochs(ep, p, Progress()).vectors,
            "rsatoolbox": lambda m=method: calc_rdm_movie(
                tds, method=m, descriptor="conds").get_vectors()}, repeats)
        rows.append(_case(f"time-resolved RDMs ({method})", res,
                          _diff(res["neurodeck"]["value"], res["rsatoolbox"]["value"]),
                          conditions=n_c,
                          size=f"{n_c} cond x {per} epochs x {ch} ch x {t} t"))
    return rows


def _boot_data(n_cond: int) -> tuple[np.ndarray, np.ndarray, str]:
    from neurodeck_rsa.rdm import to_vectors

    if n_cond == 92 and SHARED.exists():
        import h5py

        with h5py.File(SHARED) as f:
            data = to_vectors(f["brain_hIT_rdms"][()].astype(float))
            models = to_vectors(f["model_rdms"][()].astype(float))
        return data, models, "92-image hIT (8 RDMs), its 8 models"
    rng = np.random.default_rng(n_cond)
    n_pairs = n_cond * (n_cond - 1) // 2
    models = rng.random((8, n_pairs))
    return models[0] + rng.random((8, n_pairs)), models, "random: model 1 + noise"


def bench_bootstrap(repeats: int, n_boot: int, thread_repeats: int) -> list[dict]:
    from harness import compare
    from neurodeck_rsa import inference
    from rsatoolbox.inference import eval_bootstrap_pattern
    from rsatoolbox.model import ModelFixed
    from rsatoolbox.rdm import RDMs

    rows = []
    policy = inference.BOOT_BLAS_THREADS
    for n_cond in (40, 92, 200):
        data, models, source = _boot_data(n_cond)
        fixed = [ModelFixed(f"m{i}", RDMs(m[None])) for i, m in enumerate(models)]

        def ref(n=n_boot, fixed=fixed, data=data):
            np.random.seed(0)
            return eval_bootstrap_pattern(fixed, RDMs(data), method="corr", N=n)

        def ours(threads=policy, n=n_boot, n_cond=n_cond, data=data, models=models):
            np.random.seed(0)  # rsatoolbox's draws, in its order
            draws = [(None, np.random.randint(0, n_cond, size=n_cond)) for _ in range(n)]
            inference.BOOT_BLAS_THREADS = threads
            try:
                return inference.bootstrap(models, data, "corr", draws)
            finally:
                inference.BOOT_BLAS_THREADS = policy

        # warm both up on a few samples (imports, caches); then equal, interleaved repeats
        ref(5), ours(n=5)
        res = compare({"neurodeck": ours, "rsatoolbox": ref}, repeats, warmup=False)
        o, r = res["neurodeck"]["value"], res["rsatoolbox"]["value"]
        diff = max(_diff(o.scores, r.evaluations.T), _diff(o.noise_ceiling, r.noise_ceiling))
        rows.append(_case(f"condition bootstrap x{n_boot}, {n_cond} conditions", res, diff,
                          conditions=n_cond, n_bootstrap=n_boot, source=source,
                          method="corr", blas_threads=policy))
        # the thread policy: ours alone on 1 and 2 BLAS threads, interleaved (cheap, so
        # more repeats than against rsatoolbox)
        thr = compare({"1 thread": lambda: ours(1), "2 threads": lambda: ours(2)},
                      thread_repeats)
        d12 = max(_diff(thr["1 thread"]["value"].scores, thr["2 threads"]["value"].scores),
                  _diff(thr["1 thread"]["value"].noise_ceiling,
                        thr["2 threads"]["value"].noise_ceiling))
        rows.append(_case(f"bootstrap BLAS threads, {n_cond} conditions", thr, d12,
                          conditions=n_cond, n_bootstrap=n_boot, source=source,
                          threads_only=True,
                          speedup_2_threads=thr["1 thread"]["wall"]["median"]
                          / thr["2 threads"]["wall"]["median"]))
    return rows


def bench_bootstrap_rank(repeats: int, n_boot: int) -> list[dict]:
    """A rank measure (spearman) at 92 conditions: the sample-by-sample path (no batched
    sums exist for ranks of resampled copies)."""
    from harness import compare
    from neurodeck_rsa import inference
    from rsatoolbox.inference import eval_bootstrap_pattern
    from rsatoolbox.model import ModelFixed
    from rsatoolbox.rdm import RDMs

    n_cond = 92
    data, models, source = _boot_data(n_cond)
    fixed = [ModelFixed(f"m{i}", RDMs(m[None])) for i, m in enumerate(models)]

    def ref(n=n_boot):
        np.random.seed(0)
        return eval_bootstrap_pattern(fixed, RDMs(data), method="spearman", N=n)

    def ours(n=n_boot):
        np.random.seed(0)
        draws = [(None, np.random.randint(0, n_cond, size=n_cond)) for _ in range(n)]
        return inference.bootstrap(models, data, "spearman", draws)

    ref(3), ours(3)
    res = compare({"neurodeck": ours, "rsatoolbox": ref}, repeats, warmup=False)
    o, r = res["neurodeck"]["value"], res["rsatoolbox"]["value"]
    diff = max(_diff(o.scores, r.evaluations.T), _diff(o.noise_ceiling, r.noise_ceiling))
    return [_case(f"condition bootstrap x{n_boot}, {n_cond} conditions, spearman", res, diff,
                  conditions=n_cond, n_bootstrap=n_boot, source=source, method="spearman")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="100 bootstrap samples and 2 repeats (sizes unchanged)")
    args = parser.parse_args()
    os.environ.setdefault("TQDM_DISABLE", "1")  # rsatoolbox's progress bars
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import environment, write_results

    env = environment()
    repeats = 2 if args.quick else 5
    cases = bench_crossnobis(repeats) + bench_time_resolved(repeats)
    cases += bench_bootstrap(2 if args.quick else 5, 100 if args.quick else 1000,
                             5 if args.quick else 15)
    cases += bench_bootstrap_rank(2 if args.quick else 3, 50 if args.quick else 200)
    write_results(RESULTS, {"cases": cases}, quick=args.quick, env=env)


def _row_speed(c: dict) -> str:
    from harness import fmt_spread

    t = c["timing"]
    ours = t["neurodeck"]
    return (f"| {c['case']} | {c['size'] if 'size' in c else c['source']} | "
            f"{fmt_spread(ours['wall'])} | {fmt_spread(t['rsatoolbox']['wall'])} | "
            f"{c['speedup_wall']:.1f}x | {c['speedup_cpu']:.1f}x | {c['max_abs_diff']:.1e} |")


def tables(doc: dict) -> dict[str, str]:
    """The docs' tables (docs/rsa.md) from a results file."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import fmt_spread

    env = doc["environment"]
    head = ("| case | workload | neurodeck wall, median (min-max) | rsatoolbox wall | "
            "speed-up (wall) | speed-up (CPU) | max abs diff |\n|---|---|---|---|---|---|---|")
    speed = [c for c in doc["cases"] if "n_bootstrap" not in c]
    boot = [c for c in doc["cases"] if "n_bootstrap" in c and not c.get("threads_only")]
    threads = [c for c in doc["cases"] if c.get("threads_only")]
    load = (f"{env['date'][:10]}, {env['cpu_count']} cores, load average "
            f"{env['loadavg_start']} before and {env['loadavg_end']} after; numpy "
            f"{env['numpy']}")
    cond = (f"\n\n{load}; {speed[0]['timing']['neurodeck']['wall']['n'] if speed else 0} "
            "interleaved repeats per case after a warm-up call each.")
    scaling = ["| conditions | data | measure | samples | neurodeck wall | rsatoolbox wall | "
               "speed-up (wall) | speed-up (CPU) | max abs diff |",
               "|---|---|---|---|---|---|---|---|---|"]
    for c in boot:
        t = c["timing"]
        scaling.append(
            f"| {c['conditions']} | {c['source']} | {c.get('method', 'corr')} | "
            f"{c['n_bootstrap']} | {fmt_spread(t['neurodeck']['wall'])} | "
            f"{fmt_spread(t['rsatoolbox']['wall'])} | {c['speedup_wall']:.1f}x | "
            f"{c['speedup_cpu']:.1f}x | {c['max_abs_diff']:.1e} |")
    reps = {c.get("method", "corr"): c["timing"]["neurodeck"]["wall"]["n"] for c in boot}
    scaling.append(f"\n8 fixed models x 8 RDMs; {load}; interleaved repeats after a "
                   "few-sample warm-up of each: "
                   + ", ".join(f"{n} ({m})" for m, n in reps.items())
                   + "; ours on the shipped thread policy.")
    thr = ["| conditions | 1 BLAS thread, wall | 2 BLAS threads, wall | 1 thread, CPU | "
           "2 threads, CPU | 1 thread / 2 threads (wall) |", "|---|---|---|---|---|---|"]
    for c in threads:
        t = c["timing"]
        thr.append(f"| {c['conditions']} | {fmt_spread(t['1 thread']['wall'])} | "
                   f"{fmt_spread(t['2 threads']['wall'])} | {fmt_spread(t['1 thread']['cpu'])} "
                   f"| {fmt_spread(t['2 threads']['cpu'])} | {c['speedup_2_threads']:.2f} |")
    if threads:
        thr.append(f"\n{threads[0]['n_bootstrap']}-sample corr bootstrap; "
                   f"{threads[0]['timing']['1 thread']['wall']['n']} interleaved repeats after "
                   "a warm-up call each.")
    return {"rsa-speed": "\n".join([head, *map(_row_speed, speed)]) + cond,
            "rsa-bootstrap-scaling": "\n".join(scaling),
            "rsa-bootstrap-threads": "\n".join(thr)}


if __name__ == "__main__":
    main()
