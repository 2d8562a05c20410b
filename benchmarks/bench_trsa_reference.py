"""tRSA: how far our defaults are from the authors' code (Lin & Kriegeskorte 2024) on the
92-image data, and what each setting costs. The evidence behind the defaults in
docs/rsa.md.

Data: the 92-image set (Kriegeskorte et al. 2008; ../shared/data/rsa/rsa_92images.h5):

- transforms on the 8 hIT RDMs (4 subjects x 2 sessions) at several (l, u);
- identification of two groups, hIT fMRI (8 RDMs, 4 subjects) and similarity judgements
  (16 RDMs, 16 subjects), leave-one-subject-out over an 11 x 11 (l, u) grid, for our
  defaults and with one setting changed at a time (identify = euclidean makes the whole
  setting the authors' code);
- the three bootstraps at (l, u) = (0.1, 0.5): interval, its centre, and time.

Writes ``benchmarks/results/trsa_reference.json``; ``--quick`` (100 bootstrap samples, a
6 x 6 grid) writes ``trsa_reference-quick.json``. Run:
``python benchmarks/bench_trsa_reference.py [--quick]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

RESULTS = "trsa_reference"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "rsa" / "rsa_92images.h5"
LUS = [(0.1, 0.5), (0.0, 0.05), (0.4, 0.6), (0.2, 0.8), (0.0, 1.0)]
OURS = {"scale": "rank", "geodesic": "reference", "identify": "correlation"}
AUTHORS = {"scale": "rank", "geodesic": "reference", "identify": "euclidean"}


def load():
    import h5py
    from neurodeck_rsa.rdm import to_vectors

    with h5py.File(SHARED) as f:
        hit = to_vectors(f["brain_hIT_rdms"][()].astype(float))
        beh = to_vectors(f["behaviour_rdms"][()].astype(float))
    groups = np.array(["hIT"] * 8 + ["judgements"] * 16)
    subjects = np.array(["BE", "BE", "KO", "KO", "SN", "SN", "TI", "TI",
                         *[f"j{i}" for i in range(16)]])
    return hit, np.vstack([hit, beh]), groups, subjects


def transforms(hit: np.ndarray) -> list[dict]:
    """GT raw vs rank, and geodesic zero_edges vs reference, on the hIT RDMs."""
    from neurodeck_rsa import topology
    from scipy.stats import spearmanr

    rows = []
    for lo, hi in LUS:
        raw = topology.gt_transform(hit, lo, hi, scale="raw")
        rank = topology.gt_transform(hit, lo, hi, scale="rank")
        d = np.abs(raw - rank)
        ours = topology.geodesic(rank, method="zero_edges")
        ref = topology.geodesic(rank, method="reference")
        rsat = topology.geodesic(rank, method="rsatoolbox")
        zero = rank == 0
        # pairs GT calls identical: 0 in ours; the reference gives them path lengths > 0
        with warnings.catch_warnings():  # an all-0 RDM has no rank correlation
            warnings.simplefilter("ignore")
            rho = np.nanmean([spearmanr(a, b)[0] if np.ptp(a) > 0 else np.nan
                              for a, b in zip(ours, ref, strict=True)])
        rows.append({
            "lower": lo, "upper": hi,
            "gt_max_abs_diff": float(d.max()), "gt_mean_abs_diff": float(d.mean()),
            "gt_frac_diff_gt_0.05": float((d > 0.05).mean()),
            "frac_pairs_gt0": float(zero.mean()),
            "frac_pairs_disconnected_reference": float(np.isinf(rsat).mean()),
            "frac_pairs_disconnected_ours": float(
                np.isnan(topology.geodesic(rank, "nan", method="zero_edges")).mean()),
            "geodesic_spearman_ours_vs_reference": float(rho),
            # zero-length edges joining every condition collapse the geodesic RDM to 0
            "ours_constant_rdms": int((np.ptp(ours, axis=1) == 0).sum()),
            "n_rdms": int(ours.shape[0])})
    return rows


def identification_maps(v, groups, subjects, n_grid: int) -> list[dict]:
    from neurodeck_rsa import identification as ident

    steps = np.linspace(0, 1, n_grid)
    variants = {"defaults": OURS,
                "scale = raw": {**OURS, "scale": "raw"},
                "geodesic = zero_edges": {**OURS, "geodesic": "zero_edges"},
                "identify = euclidean (the authors' code)": AUTHORS}
    maps = {}
    rows = []
    for name, s in variants.items():
        for evaluate in ("rgtm", "rgdm"):
            if evaluate == "rgtm" and name == "geodesic = zero_edges":
                continue
            t0 = time.process_time()
            res = ident.identification(
                v, groups, subjects, steps, steps, scale=s["scale"],
                geodesic=s["geodesic"] if evaluate == "rgdm" else None,
                classifier=s["identify"], n_bootstrap=0)
            cpu = time.process_time() - t0
            acc = res["accuracy"]
            maps[(name, evaluate)] = acc
            base = maps.get(("defaults", evaluate))
            ok = np.isfinite(acc) & np.isfinite(base)
            rows.append({"variant": name, "evaluate": evaluate, "cpu_s": cpu,
                         "mean_accuracy": float(np.nanmean(acc)),
                         "min_accuracy": float(np.nanmin(acc)),
                         "cells": int(np.isfinite(acc).sum()),
                         "cells_differing": int((acc[ok] != base[ok]).sum()),
                         "max_abs_diff": float(np.abs(acc[ok] - base[ok]).max())})
    return rows


def bootstraps(v, groups, subjects, n_boot: int) -> list[dict]:
    from neurodeck_rsa import identification as ident
    from neurodeck_rsa import topology

    g_names, g_idx = np.unique(groups, return_inverse=True)
    s_names, s_idx = np.unique(subjects, return_inverse=True)
    rows = []
    for mode in ("subjects", "subjects_stimuli", "reference"):
        for _name, s in (("ours", OURS), ("authors", AUTHORS)):
            t0, c0 = time.perf_counter(), time.process_time()
            res = ident.identification(v, groups, subjects, [0.1], [0.5], scale=s["scale"],
                                       classifier=s["identify"], bootstrap=mode,
                                       n_bootstrap=n_boot, seed=0)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            # the centre of the bootstrap distribution, from the same draws
            t = topology.gt_transform(v, 0.1, 0.5, scale=s["scale"])
            pooled = s["identify"] == "euclidean"
            if mode == "subjects":
                _, per, _ = ident._cell(t, g_idx, s_idx, g_names.size, s["identify"], pooled,
                                        [], 92)
                rng = np.random.default_rng(0)
                pick = rng.integers(0, s_names.size, (n_boot, s_names.size))
                boot = (per[0][pick].sum(1) / per[1][pick].sum(1) if pooled
                        else (per[0][pick] / per[1][pick]).mean(1))
            else:
                draws = ident.draw(v.shape[0], s_idx, 92, mode, n_boot,
                                   np.random.default_rng(0))
                _, _, boot = ident._cell(t, g_idx, s_idx, g_names.size, s["identify"], pooled,
                                         draws, 92)
            rows.append({"bootstrap": mode, "classifier": s["identify"],
                         "accuracy": float(res["accuracy"][0, 0]),
                         "ci": [float(x) for x in res["accuracy_ci"][:, 0, 0]],
                         "boot_mean": float(np.nanmean(boot)),
                         "wall_s": wall, "cpu_s": cpu})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 samples, 6 x 6 grid")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import environment, write_results

    env = environment()
    hit, v, groups, subjects = load()
    out = {"transforms": transforms(hit),
           "identification": identification_maps(v, groups, subjects, 6 if args.quick else 11),
           "bootstrap": bootstraps(v, groups, subjects, 100 if args.quick else 1000),
           "n_grid": 6 if args.quick else 11, "n_bootstrap": 100 if args.quick else 1000}
    for key in ("transforms", "identification", "bootstrap"):
        for row in out[key]:
            print(row, flush=True)
    write_results(RESULTS, out, quick=args.quick, env=env)


def tables(doc: dict) -> dict[str, str]:
    """The docs' tables (docs/rsa.md) from a results file."""
    t = ["| (l, u) | GT raw vs rank: max / mean abs diff | pairs with GT = 0 | "
         "disconnected pairs: reference / zero_edges | zero_edges geodesic RDMs all 0 | "
         "geodesic Spearman zero_edges vs reference |", "|---|---|---|---|---|---|"]
    for r in doc["transforms"]:
        t.append(f"| ({r['lower']:g}, {r['upper']:g}) | {r['gt_max_abs_diff']:.3f} / "
                 f"{r['gt_mean_abs_diff']:.3f} | {100 * r['frac_pairs_gt0']:.1f}% | "
                 f"{100 * r['frac_pairs_disconnected_reference']:.1f}% / "
                 f"{100 * r['frac_pairs_disconnected_ours']:.1f}% | "
                 f"{r['ours_constant_rdms']} of {r['n_rdms']} | "
                 f"{r['geodesic_spearman_ours_vs_reference']:.3f} |")
    g = doc["n_grid"]
    i = [f"| setting | identify from | mean accuracy over the {g} x {g} grid | lowest | "
         "cells differing from the defaults | largest difference |",
         "|---|---|---|---|---|---|"]
    for r in doc["identification"]:
        i.append(f"| {r['variant']} | {r['evaluate']} | {r['mean_accuracy']:.3f} | "
                 f"{r['min_accuracy']:.3f} | {r['cells_differing']} of {r['cells']} | "
                 f"{r['max_abs_diff']:.3f} |")
    b = [f"| bootstrap ({doc['n_bootstrap']} samples) | classifier | accuracy | mean of the "
         "bootstrap accuracies | 95% interval | CPU time (one cell) |",
         "|---|---|---|---|---|---|"]
    for r in doc["bootstrap"]:
        b.append(f"| {r['bootstrap']} | {r['classifier']} | {r['accuracy']:.3f} | "
                 f"{r['boot_mean']:.3f} | [{r['ci'][0]:.3f}, {r['ci'][1]:.3f}] | "
                 f"{r['cpu_s']:.2f} s |")
    return {"trsa-transforms": "\n".join(t), "trsa-identification": "\n".join(i),
            "trsa-bootstrap": "\n".join(b)}


if __name__ == "__main__":
    main()
