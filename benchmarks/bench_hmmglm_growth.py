"""HMM-GLM growth with the number of neurons: 10 sequences x 2,000 bins, 5 states,
N = 20 / 50 / 100 neurons (the paper's generator, sigmoid rate), one-hot prior.

Before / start / after: the plugin as it was at ``--before`` (a git revision, default
the commit before the growth work, whose times issue 18 quotes) and at ``--start`` (the
commit the issue-18 optimisation began from; ``--start ''`` leaves it out) is exported
with ``git archive`` to a temporary folder and run in a subprocess beside the current
plugin, interleaved (before, start, after, before, ...), each fit in a fresh process
that reports its own fit time (the import is not timed). Fits: one start (the figure
the issue measured) and each version's default restarts (before: 3 fixed starts; start
and after: adaptive; versions with the ridge on the one-hot weights use the analysis
default `WEIGHT_SCALE`). Each fit's state accuracy, weight
correlation and connection-class accuracies are scored on the fitted data against the
truth, so a speed-up that cost accuracy shows. A separate profiled run per version and
size says where the time goes (cProfile cumulative times of the main stages; the
profiler adds overhead, so these are shares, not the timed figures).

    python benchmarks/bench_hmmglm_growth.py [--quick] [--before REV] [--start REV]
    # quick: N = 20 / 50 only, one repeat
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness import environment, stats, write_results

RESULTS = "hmmglm_growth"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEFORE = "3269259"  # the last commit before the growth work (HEAD at its start)
START = "56f03f8"  # HEAD when the issue-18 profiling and optimisation began
SIZES = (20, 50, 100)
K, SEQUENCES, BINS = 5, 10, 2000
# Stages reported by the profile: (label, function names, or "file:name", whose
# cumulative time counts).
STAGES = {
    "E-step (emissions + forward-backward)": ("state_log_likelihoods", "forward_backward"),
    "M-step": ("m_step",),
    "  of which Fisher information": ("flush", "fisher_information"),
    "  of which Newton solves": ("_linalg.py:solve",),
    "link function (rate, log rate, derivative)": ("rate_terms",),
    "window start (k-means)": ("window_labels",),
}


def worker(n: int, starts: str, profile: bool) -> dict:
    """Runs in a subprocess whose sys.path puts one version of the plugin first."""
    import time

    import numpy as np
    from neurodeck_hmmglm import fit, glm, hmm, simulate

    truth = simulate.paper_truth(K, n, seed=0)
    counts, states = simulate.sample(truth, SEQUENCES, BINS, seed=1)
    data = fit.Data(*glm.stack(counts, truth.basis))
    opts = fit.FitOptions(prior="onehot", link="sigmoid")
    try:  # versions with the ridge on the one-hot weights: the analysis default
        from neurodeck_hmmglm import WEIGHT_SCALE
    except ImportError:
        pass
    else:
        from dataclasses import replace

        opts = replace(opts, weight_scale=WEIGHT_SCALE)
        from neurodeck_hmmglm import HMMGLM

        defaults = HMMGLM.schema.resolve({})
        if "fit_weight_scale" in defaults:  # versions that choose the s.d. from the data
            opts = replace(opts, ridge_auto=bool(defaults["fit_weight_scale"]))
    restarts = {"one": 1}.get(starts)
    args = (data, K, opts) if restarts is None else (data, K, opts, restarts)
    out: dict = {}
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        res = fit.fit(*args, seed=0)
        prof.disable()
        total = time.perf_counter() - t0
        st = pstats.Stats(prof)
        cum = {}
        for (path, _, name), row in st.stats.items():
            for key in (name, f"{Path(path).name}:{name}"):
                cum[key] = cum.get(key, 0.0) + row[3]
        out["profile"] = {label: sum(cum.get(f, 0.0) for f in names) / total
                          for label, names in STAGES.items()}
        out["profile_total_s"] = total
    else:
        t0, c0 = time.perf_counter(), time.process_time()
        res = fit.fit(*args, seed=0)
        out["seconds"] = time.perf_counter() - t0
        out["cpu_s"] = time.process_time() - c0
    p = res.params
    z = np.concatenate(states)
    path = hmm.viterbi(fit.emissions(data, p, "sigmoid"), data.lengths, p.transition,
                       p.initial)
    perm = simulate.match_states(z, path, K)
    w = p.weights[perm]
    out.update({
        "em_iterations": int(len(res.log_posterior) - 1),
        "starts": int(len(res.restart_objectives)),
        "state_accuracy": simulate.state_accuracy(z, path, K),
        "weight_r": float(np.corrcoef(w.ravel(), truth.weights.ravel())[0, 1]),
        "class_accuracy": simulate.sign_accuracy(truth.weights, w),
        "balanced_class_accuracy": _balanced(truth.weights, w),
        "log_posterior": float(res.log_posterior[-1]),
    })
    seconds = getattr(res, "seconds", None) or {}
    if seconds:  # the per-stage wall seconds the fit itself records (newer versions)
        out["stage_seconds"] = {"starts": sum(seconds.get("starts", [])),
                                "final": seconds.get("final")}
    return out


def _balanced(true_w, est_w) -> float:
    """Mean recall of the three classes (the old plugin has no helper for it)."""
    import numpy as np

    t, e = np.sign(true_w), np.sign(est_w)
    return float(np.mean([np.mean(e[t == c] == c) for c in (-1, 0, 1) if np.any(t == c)]))


def run(plugins: Path, n: int, starts: str, profile: bool = False) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(plugins), str(ROOT / "app"), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(n), starts]
    if profile:
        cmd.append("--profile")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def export(rev: str, into: Path) -> Path:
    """The plugin folder as it was at ``rev`` (git archive: no checkout touched)."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "plugins/neurodeck_hmmglm"],
                          capture_output=True, check=True).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=data, check=True)
    return into / "plugins"


def measured_commit() -> dict:
    """The commit the 'after' plugin was measured at, and whether its folder had edits
    (the working tree is shared)."""
    def git(*a: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True,
                              check=False).stdout.strip()
    return {"commit": git("rev-parse", "--short", "HEAD"),
            "plugin_edits": bool(git("status", "--porcelain", "plugins/neurodeck_hmmglm"))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N = 20 / 50, one repeat")
    ap.add_argument("--before", default=BEFORE, help="git revision of the 'before' plugin")
    ap.add_argument("--start", default=START,
                    help="git revision of a middle version ('' for none)")
    ap.add_argument("--worker", nargs=2, metavar=("N", "STARTS"), help=argparse.SUPPRESS)
    ap.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(int(args.worker[0]), args.worker[1], args.profile)))
        return 0
    env = environment()
    after = measured_commit()
    sizes = SIZES[:2] if args.quick else SIZES
    repeats = 1 if args.quick else 2
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        versions = {"before": export(args.before, Path(tmp) / "before")}
        if args.start:
            versions["start"] = export(args.start, Path(tmp) / "start")
        versions["after"] = ROOT / "plugins"
        for n in sizes:
            for starts in ("one", "default"):
                runs = {v: [] for v in versions}
                for _ in range(repeats):  # interleaved: before, start, after, before, ...
                    for v, path in versions.items():
                        runs[v].append(run(path, n, starts))
                        r = runs[v][-1]
                        print(f"N={n:3d} {starts:7s} {v:6s} {r['seconds']:6.1f} s "
                              f"{r['em_iterations']:3d} it {r['starts']} starts  acc "
                              f"{r['state_accuracy']:.3f} r {r['weight_r']:.3f} class "
                              f"{r['class_accuracy']:.3f}", flush=True)
                row = {"neurons": n, "starts": starts}
                for v, rs in runs.items():
                    row[v] = {**rs[-1], "wall": stats([r["seconds"] for r in rs]),
                              "cpu": stats([r["cpu_s"] for r in rs])}
                    row[v].pop("seconds"), row[v].pop("cpu_s")
                rows.append(row)
        profiles = {v: {n: run(path, n, "one", profile=True) for n in sizes}
                    for v, path in versions.items()}
    write_results(RESULTS, {"setting": {"states": K, "sequences": SEQUENCES, "bins": BINS,
                                        "link": "sigmoid", "prior": "onehot",
                                        "before": args.before, "start": args.start or None,
                                        "after": after, "repeats": repeats},
                            "rows": rows, "profiles": profiles}, quick=args.quick, env=env)
    return 0


def tables(doc: dict) -> dict[str, str]:
    env = doc["environment"]
    vs = [v for v in ("before", "start", "after") if v in doc["rows"][0]]
    sep = " / ".join(vs)

    def each(r: dict, key: str, fmt: str) -> str:
        return " / ".join(format(r[v][key], fmt) for v in vs)

    lines = ["| neurons | starts | " + " | ".join(f"{v} (s)" for v in vs)
             + " | after vs " + " / ".join(v for v in vs if v != "after")
             + f" | EM iterations {sep} | state acc {sep} | weight r {sep} | class acc "
             f"{sep} | balanced {sep} |",
             "|---:|---|" + "---:|" * (len(vs) + 1) + "---|" * 5]
    for r in doc["rows"]:
        a = r["after"]["wall"]["median"]
        starts = ("1" if r["starts"] == "one"
                  else "default (" + each(r, "starts", "d") + ")")
        times = " | ".join(f"{r[v]['wall']['median']:.1f}" for v in vs)
        speed = " / ".join(f"{r[v]['wall']['median'] / a:.1f}x" for v in vs if v != "after")
        lines.append(
            f"| {r['neurons']} | {starts} | {times} | {speed} | {each(r, 'em_iterations', 'd')}"
            f" | {each(r, 'state_accuracy', '.3f')} | {each(r, 'weight_r', '.3f')} | "
            f"{each(r, 'class_accuracy', '.3f')} | {each(r, 'balanced_class_accuracy', '.3f')} |")
    s = doc["setting"]
    revs = ", ".join(f"{v} = `{s[v]}`" for v in ("before", "start") if s.get(v))
    after = s.get("after") or {}
    if after:
        revs += f", after = `{after['commit']}`" + (
            " plus uncommitted plugin edits" if after.get("plugin_edits") else "")
    lines.append("")
    lines.append(f"Measured {env['date'][:10]}: {s['states']} states, {s['sequences']} x "
                 f"{s['bins']} bins, one-hot prior, sigmoid rate; wall time of the fit, "
                 f"median of {s['repeats']} interleaved runs each ({revs}), "
                 f"1 BLAS thread, {env.get('cpu_count')} cores shared with other work, load "
                 f"{env['loadavg_start']} -> {env.get('loadavg_end')}. Accuracies are of the "
                 "fitted data against the truth (Viterbi path, Hungarian-matched states).")
    prof = ["| stage | " + " | ".join(f"{v} N={n}" for v in doc["profiles"]
                                      for n in doc["profiles"][v]) + " |",
            "|---|" + "---:|" * sum(len(x) for x in doc["profiles"].values())]
    for label in STAGES:
        cells = [f"{doc['profiles'][v][n]['profile'].get(label, 0.0):.0%}"
                 for v in doc["profiles"] for n in doc["profiles"][v]]
        prof.append(f"| {label.strip()}{' (part of M-step)' if label.startswith(' ') else ''}"
                    f" | " + " | ".join(cells) + " |")
    cells = [f"{doc['profiles'][v][n]['em_iterations']}" for v in doc["profiles"]
             for n in doc["profiles"][v]]
    prof.append("| EM iterations (screening + final) | " + " | ".join(cells) + " |")
    cells = [f"{doc['profiles'][v][n]['profile_total_s']:.1f}" for v in doc["profiles"]
             for n in doc["profiles"][v]]
    prof.append("| profiled fit (s, with the profiler's overhead) | " + " | ".join(cells) + " |")
    return {"hmmglm-growth": "\n".join(lines), "hmmglm-growth-profile": "\n".join(prof)}


if __name__ == "__main__":
    sys.exit(main())
