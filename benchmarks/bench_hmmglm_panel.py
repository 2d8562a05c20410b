"""HMM-GLM robustness panel: does the default fit find the planted states?

24 planted datasets in a balanced random design over the number of states K (2, 3, 4,
5), neurons N (8, 16, 24, 40), the rate link (softplus, sigmoid), the coupling strength
(weak: the paper's strengths x 0.5; strong: x 1) and the density of connections (sparse:
the paper's 1/5 of pairs connected; dense: 3/5), each from its own seed
(``simulate.panel_truth``: the paper's generator; softplus weights scaled so that
each state's excitatory part has spectral radius <= 0.9, which keeps the rate stable).
Each dataset: 10 sequences x 2,000 bins.

The score is the state accuracy of the fit's Viterbi path (Hungarian-matched labels)
divided by the state accuracy of Viterbi decoding with the true parameters, on the
fitted data; the goal is a ratio >= 0.97 in at least 95% of the cases. Fits: the
analysis defaults with the generating link (one-hot prior, adaptive restarts, per-state
bias), the same with one start (what the restarts buy and cost), and the default with
``share_bias`` (the paper's shared bias; the generator shares it). Each case's fits run
interleaved (harness.compare, one repeat each). Also reported: weight correlation with
the truth, connection-class accuracy and balanced class accuracy (mean recall of
inhibitory / absent / excitatory), starts used, and the log-likelihood of the fit minus
that of the true parameters (positive: the fit explains the data better than the truth,
so a lower accuracy is the data's limit, not the optimiser's). The data's limit is
also measured directly: prior-free EM started at the true parameters converges to the
likelihood optimum nearest the truth, and its Viterbi accuracy ("EM from truth") is
what a perfect optimiser of the likelihood could reach there.

    python benchmarks/bench_hmmglm_panel.py [--quick] [--variants default,one_start]
    # quick: the first 6 cases; the results file is rewritten after every case
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace

import numpy as np
from harness import RESULTS as RESULTS_DIR
from harness import compare, environment, loadavg, write_results

RESULTS = "hmmglm_panel"
FACTORS = {
    "n_states": [2, 3, 4, 5],
    "n_neurons": [8, 16, 24, 40],
    "link": ["softplus", "sigmoid"],
    "coupling": ["weak", "strong"],
    "density": ["sparse", "dense"],
}
COUPLING = {"weak": 0.5, "strong": 1.0}
DENSITY = {"sparse": 0.2, "dense": 0.6}
N_CASES = 24
SEQUENCES, BINS = 10, 2000
TARGET = 0.97
VARIANTS = ("default", "one_start", "share_bias")
OVERRIDES: dict = {}  # analysis parameters set from the command line (--set)


def design(n_cases: int = N_CASES, seed: int = 16) -> list[dict]:
    """Every factor level equally often, levels shuffled independently per factor."""
    rng = np.random.default_rng(seed)
    cols = {k: rng.permutation(np.resize(np.asarray(v, dtype=object), n_cases))
            for k, v in FACTORS.items()}
    return [{"case": i, "seed": 100 + i, **{k: cols[k][i] for k in FACTORS}}
            for i in range(n_cases)]


def planted(case: dict):
    from neurodeck_hmmglm import fit, glm, simulate

    truth = simulate.panel_truth(case["n_states"], case["n_neurons"], case["link"],
                                 COUPLING[case["coupling"]], DENSITY[case["density"]],
                                 case["seed"])
    counts, states = simulate.sample(truth, SEQUENCES, BINS, seed=case["seed"] + 1000)
    return truth, fit.Data(*glm.stack(counts, truth.basis)), np.concatenate(states)


def decode(data, p, link):
    from neurodeck_hmmglm import fit, hmm

    log_em = fit.emissions(data, p, link)
    path = hmm.viterbi(log_em, data.lengths, p.transition, p.initial)
    return path, float(hmm.log_likelihood(log_em, data.lengths, p.transition,
                                          p.initial).sum())


def options(case: dict, variant: str):
    """The analysis defaults (as the GUI/CLI/API run them) with the case's link."""
    from neurodeck_hmmglm import HMMGLM
    from neurodeck_hmmglm.compute import fit_options

    params = HMMGLM.schema.resolve({"link": case["link"], **OVERRIDES})
    opts = fit_options(params)
    if variant == "share_bias":
        opts = replace(opts, share_bias=True)
    restarts = 1 if variant == "one_start" else params["n_restarts"]
    return opts, restarts, params["seed"]


def capped(fn, cap: float | None):
    """``fn(progress)``, cancelled once it has run ``cap`` seconds (None: unfinished)."""
    from neurodeck.errors import Cancelled
    from neurodeck.jobs.progress import Progress

    t0 = time.perf_counter()

    def listen(_fraction: float, _message: str) -> None:
        if cap is not None and time.perf_counter() - t0 > cap:
            progress.cancel()

    progress = Progress(listen)
    try:
        return fn(progress)
    except Cancelled:
        return None


def run_case(case: dict, variants: tuple[str, ...] = VARIANTS,
             cap: float | None = None) -> dict:
    from neurodeck_hmmglm import fit, simulate

    truth, data, z = planted(case)
    k = case["n_states"]
    p_true = fit.Params(truth.weights, truth.bias, truth.transition, np.full(k, 1.0 / k))
    true_path, true_ll = decode(data, p_true, truth.link)
    true_acc = simulate.state_accuracy(z, true_path, k)
    opts, _, _ = options(case, "default")
    oracle = fit.em(data, p_true, replace(opts, prior="none", weight_scale=0.0))
    oracle_path, oracle_ll = decode(data, oracle.params, truth.link)
    oracle_acc = simulate.state_accuracy(z, oracle_path, k)
    fns = {}
    for variant in variants:
        opts, restarts, seed = options(case, variant)
        fns[variant] = (lambda o=opts, r=restarts, s=seed: capped(
            lambda pr: fit.fit(data, k, o, r, s, progress=pr), cap))
    timed = compare(fns, repeats=1, warmup=False)
    out = {**case, "true_accuracy": true_acc, "true_log_likelihood": true_ll,
           "mean_count": float(data.y.mean()),
           "truth_em": {"state_accuracy": oracle_acc, "ratio": oracle_acc / true_acc,
                        "log_likelihood_minus_truth": oracle_ll - true_ll}}
    for variant, rec in timed.items():
        res = rec["value"]
        if res is None:  # stopped at the cap: counted as a failure
            out[variant] = {"finished": False, "ratio": float("nan"),
                            "wall_s": rec["wall"]["median"], "cpu_s": rec["cpu"]["median"]}
            continue
        path, ll = decode(data, res.params, truth.link)
        acc = simulate.state_accuracy(z, path, k)
        w = simulate.matched_weights(z, path, res.params.weights, k)
        out[variant] = {
            "state_accuracy": acc, "ratio": acc / true_acc,
            "weight_r": float(np.corrcoef(w.ravel(), truth.weights.ravel())[0, 1]),
            "class_accuracy": simulate.sign_accuracy(truth.weights, w),
            "balanced_class_accuracy": simulate.balanced_sign_accuracy(truth.weights, w),
            "log_likelihood_minus_truth": ll - true_ll,
            "starts": int(len(res.restart_objectives)),
            "restarts_agree": bool(res.restarts_agree), "converged": bool(res.converged),
            "em_iterations": int(len(res.log_posterior) - 1),
            "wall_s": rec["wall"]["median"], "cpu_s": rec["cpu"]["median"],
            "stage_s": res.seconds, "split_merge_moves": res.split_merge_moves,
            "ridge_scales": res.ridge_scales, "notes": res.notes, "finished": True,
        }
    return out


def summary(cases: list[dict], variant: str) -> dict:
    """Pass counts over all cases (an unfinished fit fails); ratio quantiles over the
    finished ones."""
    ratios = np.array([c[variant]["ratio"] for c in cases])
    done = ratios[np.isfinite(ratios)]
    out = {
        "cases": len(cases), "pass": int(np.sum(done >= TARGET)),
        "pass_fraction": float(np.sum(done >= TARGET) / len(ratios)),
        "unfinished": int(len(ratios) - len(done)),
        "ratio_min": float(done.min()), "ratio_p5": float(np.percentile(done, 5)),
        "ratio_median": float(np.median(done)),
    }
    if variant == "truth_em":  # a diagnostic, not a fit a user runs
        return out
    fin = [c[variant] for c in cases if c[variant]["finished"]]
    extra = sum(sum(f["stage_s"]["starts"][1:]) for f in fin)
    split = sum(f["stage_s"]["split_merge"] for f in fin)
    total = sum(f["wall_s"] for f in fin)
    return {**out,
            "flagged": int(sum(not f["restarts_agree"] or not f["converged"] for f in fin)),
            "extra_starts_share": extra / total if total else 0.0,
            "split_merge_share": split / total if total else 0.0,
            "split_merge_cases": int(sum(f["split_merge_moves"] > 0 for f in fin)),
            "wall_s_total": float(sum(c[variant]["wall_s"] for c in cases)),
            "starts_mean": float(np.mean([f["starts"] for f in fin]))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="the first 6 cases only")
    ap.add_argument("--variants", default=",".join(VARIANTS),
                    help=f"comma-separated fits per case (of {', '.join(VARIANTS)})")
    ap.add_argument("--cap", type=float, default=None,
                    help="stop a fit after this many seconds (it then counts as failed)")
    ap.add_argument("--cheap-first", action="store_true",
                    help="run the cases in order of K x N^2 (partial results stay useful)")
    ap.add_argument("--rerun-unfinished", action="store_true",
                    help="rerun the cases the results file has as unfinished (with --cap, "
                         "or none) and put them in its place")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="an analysis parameter other than its default (e.g. "
                         "weight_scale=0.3); the results go to hmmglm_panel-NAME-VALUE")
    args = ap.parse_args(argv)
    global RESULTS
    for item in args.set:
        name, value = item.split("=", 1)
        flag = value.lower() in ("true", "false")
        OVERRIDES[name] = value.lower() == "true" if flag else float(value)
        RESULTS += f"-{name}-{value}"
    if args.rerun_unfinished:
        return rerun_unfinished(args.cap, args.quick)
    variants = tuple(v for v in args.variants.split(",") if v)
    if "default" not in variants or set(variants) - set(VARIANTS):
        ap.error(f"variants: 'default' and any of {VARIANTS}")
    env = environment()
    cases = design()[:6] if args.quick else design()
    if args.cheap_first:
        cases = sorted(cases, key=lambda c: (c["n_states"] * c["n_neurons"] ** 2, c["case"]))
    done = []
    for case in cases:
        rec = run_case(case, variants, args.cap)
        done.append(rec)
        d = rec["default"]
        others = "  ".join(f"{v} x{rec[v]['ratio']:.3f}" for v in variants if v != "default")
        print(f"case {case['case']:2d} K={case['n_states']} N={case['n_neurons']:2d} "
              f"{case['link']:8s} {case['coupling']:6s} {case['density']:6s} "
              f"true {rec['true_accuracy']:.3f}  EM from truth x{rec['truth_em']['ratio']:.3f}"
              f"  default x{d['ratio']:.3f} ({d.get('starts', '-')} starts, "
              f"{d['wall_s']:.1f} s)  {others}", flush=True)
        summ = {v: summary(done, v) for v in variants}
        summ["truth_em"] = summary(done, "truth_em")
        write_results(RESULTS, {"settings": {"sequences": SEQUENCES, "bins": BINS,
                                             "target": TARGET, "coupling": COUPLING,
                                             "density": DENSITY, "variants": variants,
                                             "planned_cases": len(cases),
                                             "cap_s": args.cap},
                                "summary": summ, "cases": done}, quick=args.quick, env=env)
    for v, s in summ.items():
        print(f"{v}: {s['pass']}/{s['cases']} cases >= {TARGET} x truth, min "
              f"x{s['ratio_min']:.3f}, median x{s['ratio_median']:.3f}")
    return 0


def rerun_unfinished(cap: float | None, quick: bool) -> int:
    """Cases stopped at the cap, run again (e.g. uncapped at a lower load); the file keeps
    its first environment and lists the reruns with theirs."""
    path = RESULTS_DIR / f"{RESULTS}{'-quick' if quick else ''}.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    settings = doc["settings"]
    variants = tuple(settings["variants"])
    cases = doc["cases"]
    todo = [i for i, c in enumerate(cases) if not all(c[v]["finished"] for v in variants)]
    env = environment()
    for i in todo:
        case = {k: cases[i][k] for k in ("case", "seed", *FACTORS)}
        cases[i] = run_case(case, variants, cap)
        print(f"case {case['case']} rerun: default x{cases[i]['default']['ratio']:.3f} "
              f"({cases[i]['default']['wall_s']:.0f} s)", flush=True)
    settings.setdefault("reruns", []).append(
        {"cases": [cases[i]["case"] for i in todo], "cap_s": cap, "date": env["date"],
         "loadavg_start": env["loadavg_start"], "loadavg_end": loadavg()})
    summ = {v: summary(cases, v) for v in variants}
    summ["truth_em"] = summary(cases, "truth_em")
    first = {k: v for k, v in doc["environment"].items() if k not in ("loadavg_end", "argv")}
    end = doc["environment"].get("loadavg_end")
    write_results(RESULTS, {"settings": settings, "summary": summ, "cases": cases},
                  quick=quick, env={**first, "first_run_loadavg_end": end})
    return 0


def _label(c: dict) -> str:
    return (f"K={c['n_states']}, N={c['n_neurons']}, {c['link']}, {c['coupling']}, "
            f"{c['density']}")


def _ratio(x: float) -> str:
    return f"{x:.3f}" if np.isfinite(x) else "unfinished"


def tables(doc: dict) -> dict[str, str]:
    cases = doc["cases"]
    variants = [v for v in VARIANTS if v in doc["summary"]]
    names = {"default": "default (adaptive restarts)", "one_start": "default, one start",
             "share_bias": "default + share_bias"}
    env, cap = doc["environment"], doc["settings"].get("cap_s")
    lines = ["| fit | cases >= 0.97 x truth | unfinished | min ratio | 5th pct | median | "
             "flagged | starts (mean) | total time |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for v in variants:
        s = doc["summary"][v]
        lines.append(f"| {names[v]} | {s['pass']}/{s['cases']} | {s['unfinished']} | "
                     f"{s['ratio_min']:.3f} | {s['ratio_p5']:.3f} | {s['ratio_median']:.3f} | "
                     f"{s['flagged']} | {s['starts_mean']:.1f} | {s['wall_s_total']:.0f} s |")
    t = doc["summary"]["truth_em"]
    lines.append(f"| EM started at the true parameters (data limit) | {t['pass']}/{t['cases']} "
                 f"| - | {t['ratio_min']:.3f} | {t['ratio_p5']:.3f} | {t['ratio_median']:.3f} "
                 "| - | - | - |")
    d = doc["summary"]["default"]
    lines.append("")
    lines.append(
        f"Measured {env['date'][:10]}, {doc['settings']['sequences']} x "
        f"{doc['settings']['bins']} bins per dataset, {len(cases)} of "
        f"{doc['settings'].get('planned_cases', len(cases))} planned cases run "
        f"(cheapest first), {env.get('cpu_count')} shared cores, load "
        f"{env['loadavg_start']} -> {env.get('loadavg_end')}"
        + (f", each fit stopped after {cap:.0f} s of wall time (then counted as failed)"
           if cap else "")
        + "".join(f"; case(s) {', '.join(map(str, r['cases']))} rerun "
                  + (f"with a {r['cap_s']:.0f} s cap" if r["cap_s"] else "without a cap")
                  + f" at load {r['loadavg_start']} -> {r['loadavg_end']}"
                  for r in doc["settings"].get("reruns", []) if r["cases"])
        + ". Ratio = fit state accuracy / true-parameter Viterbi accuracy; flagged = the "
        "fit's own notes say it did not converge or its restarts disagree. Of the default "
        f"fits' time, {d['extra_starts_share']:.0%} went to the starts after the first"
        + (f" and {d['split_merge_share']:.0%} to split-and-merge (moves kept in "
           f"{d['split_merge_cases']} cases)" if d["split_merge_share"] > 0.005 else "")
        + ".")
    summary_md = "\n".join(lines)
    order = sorted(cases, key=lambda c: (np.nan_to_num(c["default"]["ratio"], nan=-1.0)))
    wl = ["| case | setting | truth acc | EM from truth | default ratio | LL fit - truth | "
          "starts | flagged | time |", "|---:|---|---:|---:|---:|---:|---:|---|---:|"]
    for c in order[:6]:
        f = c["default"]
        if f["finished"]:
            flag = "yes" if (not f["restarts_agree"] or not f["converged"]) else "no"
            more = (f"{f['log_likelihood_minus_truth']:+.0f} | {f['starts']} | {flag}")
        else:
            more = "- | - | -"
        wl.append(f"| {c['case']} | {_label(c)} | {c['true_accuracy']:.3f} | "
                  f"{c['truth_em']['ratio']:.3f} | {_ratio(f['ratio'])} | {more} | "
                  f"{f['wall_s']:.0f} s |")
    cl = ["| case | setting | truth acc | ratio | weight r | class acc | balanced | "
          "starts | time |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for c in sorted(cases, key=lambda c: c["case"]):
        f = c["default"]
        if f["finished"]:
            cl.append(f"| {c['case']} | {_label(c)} | {c['true_accuracy']:.3f} | "
                      f"{f['ratio']:.3f} | {f['weight_r']:.2f} | {f['class_accuracy']:.2f} | "
                      f"{f['balanced_class_accuracy']:.2f} | {f['starts']} | "
                      f"{f['wall_s']:.0f} s |")
        else:
            cl.append(f"| {c['case']} | {_label(c)} | {c['true_accuracy']:.3f} | unfinished "
                      f"| - | - | - | - | {f['wall_s']:.0f} s |")
    return {"hmmglm-panel-summary": summary_md, "hmmglm-panel-worst": "\n".join(wl),
            "hmmglm-panel-cases": "\n".join(cl), "hmmglm-panel-ridge": ridge_table()}


def ridge_table() -> str:
    """The default fit (its ridge s.d. chosen from the data) beside fixed s.d.s: one row
    per results file ``hmmglm_panel-weight_scale-S.json``, each written by
    ``--set fit_weight_scale=false --set weight_scale=S`` (or, before the data-chosen
    s.d. existed, by ``--set weight_scale=S``)."""
    rows = []
    paths = [(None, RESULTS_DIR / f"{RESULTS}.json")]
    paths += [(float(p.stem.rsplit("-", 1)[1]), p)
              for p in RESULTS_DIR.glob("hmmglm_panel-*weight_scale-*.json")
              if "fit_weight_scale-true" not in p.stem]
    for scale, path in paths:
        if not path.exists():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        fin = [c["default"] for c in doc["cases"] if c["default"]["finished"]]
        s = doc["summary"]["default"]
        if scale is None:
            chosen = [f["ridge_scales"]["final"] for f in fin if f.get("ridge_scales")]
            label = (f"from the data (default; chosen {min(chosen):.2g}-{max(chosen):.2g})"
                     if chosen else "default")
        else:
            label = f"{scale:g}{' (ML)' if scale == 0 else ''}, fixed"
        rows.append((-1.0 if scale is None else scale,
                     f"| {label} | "
                     f"{s['pass']}/{s['cases']} | {s['ratio_min']:.3f} | "
                     f"{s['ratio_median']:.4f} | "
                     f"{np.median([f['weight_r'] for f in fin]):.3f} | "
                     f"{np.median([f['class_accuracy'] for f in fin]):.3f} | "
                     f"{np.median([f['balanced_class_accuracy'] for f in fin]):.3f} | "
                     f"{s['wall_s_total']:.0f} s | {doc['environment']['loadavg_start'][0]} | "
                     f"{doc['environment']['date'][:10]} |"))
    head = ["| ridge s.d. (weight_scale) | cases >= 0.97 x truth | min ratio | median ratio | "
            "median weight r | median class acc | median balanced | total time | load | "
            "measured |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    return "\n".join(head + [r for _, r in sorted(rows)])


if __name__ == "__main__":
    sys.exit(main())
