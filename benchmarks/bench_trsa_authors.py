"""tRSA reference setting side by side with the authors' code (Lin & Kriegeskorte 2024;
github doerlbh/TopologicalRSA, ``utils_transform.py`` and ``utils_stats.py``).

Their code is never vendored: it runs in a scratch environment this script calls as a
subprocess (the same file, ``--authors-side``, which imports only numpy and their two
modules). Set it up once::

    python3 -m venv /tmp/ref-trsa
    /tmp/ref-trsa/bin/pip install numpy scipy networkx scikit-learn tqdm
    mkdir -p /tmp/ref-trsa/src   # then copy utils_transform.py and utils_stats.py of
                                 # doerlbh/TopologicalRSA (commit 18e5beb) into it

Inputs: random RDMs (6 subjects x 3 regions, 20 conditions: region prototype + noise), the
same rounded to quarters (heavy ties, incl. at the extremes), and the 92-image data (8 hIT
fMRI RDMs of 4 subjects + 16 similarity-judgement RDMs; ../shared/data/rsa). At 9 (l, u),
incl. their grid's u + 1e-5 offsets and l = u, we compare

- GT: their ``gt_transform(l, u)`` vs our ``scale=rank, quantiles=per_rdm``;
- the geodesic: their ``geodesic_transform(gd_type='twostep')`` vs ``geodesic=reference``;
- leave-one-subject-out accuracy: their ``loo_eval`` vs ``identify=euclidean``, each on
  its own transforms (end to end);
- bootstrap samples: their ``inner_boots`` (``handle_duplicate='drop'``) vs
  ``bootstrap=reference`` on the same RDM and stimulus draws.

Writes ``benchmarks/results/trsa_authors.json``; ``--quick`` (4 (l, u), 10 / 3 bootstrap
samples) writes ``trsa_authors-quick.json``. Run:
``python benchmarks/bench_trsa_authors.py [--quick] [--ref-python P] [--ref-src DIR]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

RESULTS = "trsa_authors"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "rsa" / "rsa_92images.h5"
LUS = [(0.0, 1.0), (0.1, 0.5), (0.2, 0.8), (0.05, 0.3), (0.5, 0.50001), (0.0, 0.05001),
       (0.3, 1.0), (0.9, 0.95001), (0.45, 0.55001)]
QUICK_LUS = [(0.1, 0.5), (0.2, 0.8), (0.5, 0.50001), (0.9, 0.95001)]
SETS = ("random", "tied", "92-image")


# -- the authors' side (scratch environment: numpy + their modules only) -------------------
def authors_side(inputs: str, output: str, src: str) -> None:
    sys.path.insert(0, src)
    warnings.filterwarnings("ignore")
    import networkx
    import scipy
    import sklearn
    from utils_stats import inner_boots, loo_eval
    from utils_transform import geodesic_transform, gt_transform

    d = np.load(inputs)
    out = {"versions": np.array(json.dumps({
        "numpy": np.__version__, "scipy": scipy.__version__, "networkx": networkx.__version__,
        "scikit-learn": sklearn.__version__}))}
    for s in range(len(SETS)):
        rdms, subj, grp = d[f"rdms_{s}"], d[f"subj_{s}"], d[f"grp_{s}"]
        seq = [{"subj_boots": r, "stim_boots": t}
               for r, t in zip(d[f"rows_{s}"], d[f"stims_{s}"], strict=True)]
        names = [str(g) for g in np.unique(grp)]
        t0 = time.process_time()
        for k, (lo, hi) in enumerate(d["lus"]):
            gt = np.array([gt_transform(r, l=lo, u=hi) for r in rdms])
            gd = []
            for g in gt:
                try:
                    gd.append(geodesic_transform(g, gd_type="twostep"))
                except ValueError:  # NaN in their GT (0/0 where the quantiles coincide)
                    gd.append(np.full(g.shape, np.nan))
            out[f"gt_{s}_{k}"], out[f"gd_{s}_{k}"] = gt, np.array(gd)
            for kind, t in (("gt", gt), ("gd", np.array(gd))):
                try:
                    acc = loo_eval(names, t, subj, grp)[0]
                except Exception:  # what their code refuses (NaN input, one class)
                    acc = np.nan
                boots = []
                for i in range(len(seq)):
                    try:
                        boots.append(inner_boots((i, seq, t, subj, grp, names, "drop",
                                                  len(seq))))
                    except Exception:
                        boots.append(np.nan)
                out[f"acc_{kind}_{s}_{k}"] = np.float64(acc)
                out[f"boot_{kind}_{s}_{k}"] = np.array(boots, float)
        out[f"cpu_{s}"] = np.float64(time.process_time() - t0)
        print(f"authors' code: {SETS[s]} done", flush=True)
    np.savez(output, **out)


# -- our side ----------------------------------------------------------------------------
def make_inputs(quick: bool) -> dict[str, np.ndarray]:
    import h5py
    from neurodeck_rsa.rdm import to_vectors

    rng = np.random.default_rng(7)
    n = 20
    p = n * (n - 1) // 2
    protos = rng.random((3, p))
    rnd = np.array([protos[g] + 0.4 * rng.random(p) for _ in range(6) for g in range(3)])
    rnd_grp = np.array([g + 1 for _ in range(6) for g in range(3)])
    rnd_subj = np.array([s for s in range(6) for _ in range(3)])
    with h5py.File(SHARED) as f:
        real = np.vstack([to_vectors(f["brain_hIT_rdms"][()].astype(float)),
                          to_vectors(f["behaviour_rdms"][()].astype(float))])
    real_grp = np.array([1] * 8 + [2] * 16)
    real_subj = np.array([0, 0, 1, 1, 2, 2, 3, 3, *range(4, 20)])
    sets = [(rnd, rnd_grp, rnd_subj, n), (np.round(rnd * 4) / 4, rnd_grp, rnd_subj, n),
            (real, real_grp, real_subj, 92)]
    out = {"lus": np.array(QUICK_LUS if quick else LUS)}
    for s, (rdms, grp, subj, n_cond) in enumerate(sets):
        n_boot = (3 if quick else 10) if n_cond == 92 else (10 if quick else 40)
        out.update({f"rdms_{s}": rdms, f"grp_{s}": grp, f"subj_{s}": subj,
                    f"rows_{s}": rng.integers(0, rdms.shape[0], (n_boot, rdms.shape[0])),
                    f"stims_{s}": rng.integers(0, n_cond, (n_boot, n_cond))})
    return out


def compare_sets(inputs: dict[str, np.ndarray], ref) -> list[dict]:
    from neurodeck_rsa import identification as ident
    from neurodeck_rsa import topology
    from neurodeck_rsa.rdm import n_from_pairs

    rows = []
    for s, name in enumerate(SETS):
        rdms, grp, subj = inputs[f"rdms_{s}"], inputs[f"grp_{s}"], inputs[f"subj_{s}"]
        n_cond = n_from_pairs(rdms.shape[1])
        g_idx = np.unique(grp, return_inverse=True)[1]
        s_idx = np.unique(subj, return_inverse=True)[1]
        n_g = int(g_idx.max()) + 1
        draws = [(np.bincount(r, minlength=rdms.shape[0]).astype(float), t)
                 for r, t in zip(inputs[f"rows_{s}"], inputs[f"stims_{s}"], strict=True)]
        row = {"set": name, "n_rdms": int(rdms.shape[0]), "n_conditions": int(n_cond),
               "n_lu": len(inputs["lus"]), "n_bootstrap": len(draws),
               "gt_max_abs_diff": 0.0, "geodesic_max_abs_diff": 0.0, "loso_cells": 0,
               "loso_max_abs_diff": 0.0, "boot_samples": 0, "boot_max_abs_diff": 0.0,
               "boot_refused_both": 0, "boot_refused_differ": 0, "gt_nan_lu": 0,
               "gt_nan_pairs": [], "ours_at_their_nan": [], "cells_their_code_refused": 0,
               "cells_refused_ours_defined": 0,
               "authors_cpu_s": float(ref[f"cpu_{s}"])}
        t0 = time.process_time()
        for k, (lo, hi) in enumerate(inputs["lus"]):
            gt = topology.gt_transform(rdms, lo, hi, scale="rank")
            gd = topology.geodesic(gt, method="reference")
            r_gt, r_gd = ref[f"gt_{s}_{k}"], ref[f"gd_{s}_{k}"]
            fin = np.isfinite(r_gt)
            row["gt_max_abs_diff"] = max(row["gt_max_abs_diff"],
                                         float(np.abs(gt - r_gt)[fin].max()))
            if not fin.all():
                row["gt_nan_lu"] += 1
                row["gt_nan_pairs"].append(int((~fin).sum()))
                row["ours_at_their_nan"] += sorted({float(x) for x in gt[~fin]})
            ok_rows = np.isfinite(r_gd).all(axis=1)
            if ok_rows.any():
                row["geodesic_max_abs_diff"] = max(
                    row["geodesic_max_abs_diff"],
                    float(np.abs(gd[ok_rows] - r_gd[ok_rows]).max()))
            for kind, ours, theirs in (("gt", gt, r_gt), ("gd", gd, r_gd)):
                acc_ref, boot_ref = float(ref[f"acc_{kind}_{s}_{k}"]), ref[f"boot_{kind}_{s}_{k}"]
                acc, _, boot = ident._cell(ours, g_idx, s_idx, n_g, "euclidean", True, draws,
                                           n_cond) if np.isfinite(ours).all() else (np.nan,) * 3
                if not (np.isfinite(theirs).all() and np.isfinite(acc_ref)):
                    # their code stops (NaN input; NearestCentroid: "all features have zero
                    # variance"): is our cell undefined as well?
                    row["cells_their_code_refused"] += 1
                    row["cells_refused_ours_defined"] += int(np.isfinite(acc))
                    continue
                row["loso_cells"] += 1
                row["loso_max_abs_diff"] = max(row["loso_max_abs_diff"], abs(acc - acc_ref))
                both = np.isfinite(boot) & np.isfinite(boot_ref)
                row["boot_samples"] += int(both.sum())
                row["boot_refused_both"] += int((np.isnan(boot) & np.isnan(boot_ref)).sum())
                row["boot_refused_differ"] += int((np.isnan(boot) != np.isnan(boot_ref)).sum())
                if both.any():
                    row["boot_max_abs_diff"] = max(row["boot_max_abs_diff"],
                                                   float(np.abs(boot - boot_ref)[both].max()))
        row["ours_cpu_s"] = time.process_time() - t0
        row["ours_at_their_nan"] = sorted(set(row["ours_at_their_nan"]))
        print(row, flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 (l, u), fewer samples")
    parser.add_argument("--ref-python", default="/tmp/ref-trsa/bin/python",
                        help="python of the scratch environment")
    parser.add_argument("--ref-src", default="/tmp/ref-trsa/src",
                        help="folder holding their utils_transform.py and utils_stats.py")
    parser.add_argument("--authors-side", nargs=2, metavar=("INPUTS", "OUTPUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.authors_side:
        authors_side(*args.authors_side, args.ref_src)
        return
    missing = [str(f) for f in (Path(args.ref_python), Path(args.ref_src) / "utils_transform.py",
                                Path(args.ref_src) / "utils_stats.py") if not f.exists()]
    if missing:
        sys.exit("the authors' code is not set up (missing: " + ", ".join(missing)
                 + "); see this script's docstring for the scratch environment")
    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import environment, write_results

    env = environment()
    inputs = make_inputs(args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        np.savez(Path(tmp) / "inputs.npz", **inputs)
        subprocess.run([args.ref_python, __file__, "--ref-src", args.ref_src,
                        "--authors-side", str(Path(tmp) / "inputs.npz"),
                        str(Path(tmp) / "authors.npz")], check=True)
        ref = dict(np.load(Path(tmp) / "authors.npz"))
    rows = compare_sets(inputs, ref)
    write_results(RESULTS, {"sets": rows, "lus": [list(x) for x in inputs["lus"]],
                            "authors_environment": json.loads(str(ref["versions"])),
                            "authors_commit": "18e5beb"}, quick=args.quick, env=env)


def tables(doc: dict) -> dict[str, str]:
    """The docs' table (docs/rsa.md) from a results file."""
    t = ["| RDMs | (l, u) | GT max abs diff | geodesic max abs diff | LOSO accuracy: cells "
         "compared, max abs diff | cells their code refused (ours defined there) | bootstrap "
         "samples: compared, max abs diff | samples both refused (refused by one only) | "
         "their GT NaN (0/0): at (l, u), pairs |",
         "|---|---|---|---|---|---|---|---|---|"]
    for r in doc["sets"]:
        nan = (f"{r['gt_nan_lu']} of {r['n_lu']}, "
               f"{min(r['gt_nan_pairs'])}-{max(r['gt_nan_pairs'])} pairs (ours: "
               f"{', '.join(f'{x:g}' for x in r['ours_at_their_nan'])})"
               if r["gt_nan_lu"] else "none")
        t.append(f"| {r['set']} ({r['n_rdms']} x {r['n_conditions']} conditions) | "
                 f"{r['n_lu']} | {r['gt_max_abs_diff']:.1e} | "
                 f"{r['geodesic_max_abs_diff']:.1e} | {r['loso_cells']}, "
                 f"{r['loso_max_abs_diff']:.1e} | {r['cells_their_code_refused']} "
                 f"({r['cells_refused_ours_defined']}) | {r['boot_samples']}, "
                 f"{r['boot_max_abs_diff']:.1e} | {r['boot_refused_both']} "
                 f"({r['boot_refused_differ']}) | {nan} |")
    e = doc["authors_environment"]
    t.append(f"\nTheir code at commit {doc['authors_commit']} in a scratch environment (numpy "
             f"{e['numpy']}, scipy {e['scipy']}, networkx {e['networkx']}, scikit-learn "
             f"{e['scikit-learn']}); ours in the project's, {doc['environment']['date'][:10]}. "
             "(l, u): " + ", ".join(f"({lo:g}, {hi:g})" for lo, hi in doc["lus"]) + ".")
    return {"trsa-authors": "\n".join(t)}


if __name__ == "__main__":
    main()
