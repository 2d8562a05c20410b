"""NTF benchmark: CP vs tensortools (interleaved), community detection on weighted LFR
graphs (with graph-tool, the authors' tool, where it is installed), the effect of a dense
background and of sparsifying it, and the C. elegans run end to end.

    python benchmarks/bench_ntf.py                  # everything (about 20-30 min here)
    python benchmarks/bench_ntf.py --quick          # 600 frames, 2 graphs a setting, 1 repeat
    python benchmarks/bench_ntf.py --only lfr,dense # some sections (merged into the file)

Writes ``benchmarks/results/ntf.json`` (``ntf-quick.json``); the tables in docs/ntf.md are
rendered from it by ``benchmarks/tables.py``.

**CP vs tensortools.** Planted traces (100 neurons x 3000 frames x 10 animals, and 300 x
3000 x 5; ``--quick``: 600 frames), rank 4, tol 1e-4. Every restart starts both tools from
the *same* factors (ours drawn, handed to tensortools' ``ncp_hals`` as its ``init``), with
the same stopping rule (improvement of the relative error below ``tol``) and iteration cap,
so both take the same path and the same iterations, and the fits can be compared restart by
restart. Rounds are interleaved, ours then tensortools, one round per restart (equal counts),
after an untimed warm-up of both on a small tensor (tensortools compiles with numba on first
use: that cold cost is timed separately). BLAS is single-threaded for both (2 shared cores,
where multi-threaded BLAS spin-waits). tensortools gets the tensor in float64 (it requires
it), built outside the timing. Peak memory: the largest resident-set growth during one fit
of each tool (sampled every 20 ms).

**LFR.** The authors' benchmark settings (dyballa/dynamic-connectomes ``benchmark.ipynb``:
N=125, kmax=100, tau1=2, tau2=1, one parameter varied around mu_t = mu_w = 0.5, beta=2,
<k>=25) plus both mixings low and both high, our own weighted LFR generator. NMI (sklearn)
of our SBM with each edge model (dc, ndc, select) and of Leiden against the planted
communities; with graph-tool (``benchmarks/ntf_graphtool_ref.py`` under a Python that has
it, e.g. Debian's ``python3-graph-tool``) also the authors' procedure: nested SBM, degree-
corrected and plain, lower description length kept, best NMI over the hierarchy's levels
(and the finest level's NMI, a flat partition like ours).

**Dense background.** An NTF component's graph is nearly complete (measured below on C.
elegans). To see what that does to the SBM, each LFR non-edge gets a background weight
(exponential, mean = a fraction of the mean edge weight), and the SBM runs on it as is and
after two sparsifications: the disparity filter (Serrano, Boguna & Vespignani 2009, PNAS
106:6483; alpha 0.05) and a global threshold keeping the planted density (an oracle).

**C. elegans.** ``neurodeck.run("ntf", ...)`` on the 7 NeuroPAL animals with the docs'
parameters: cold (a fresh process: imports, reading, the run) and warm (in-process repeats
after a warm-up); where the time goes, from the progress messages' time stamps; the edges of
each component's graph.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import RESULTS as RESULTS_DIR
from harness import environment, fmt_s, loadavg, stats, write_results

RESULTS = "ntf"
HERE = Path(__file__).resolve().parent
SECTIONS = ("cp", "lfr", "dense", "celegans")


class PeakRSS:
    """Peak resident memory over a block (sampled every 20 ms), in MiB above the start."""

    def __enter__(self):
        self.start = self._rss()
        self.peak = self.start
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._poll, daemon=True)
        self._t.start()
        return self

    @staticmethod
    def _rss() -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20

    def _poll(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, self._rss())
        self.delta = self.peak - self.start


def _mem_available_mb() -> float:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024
    return float("inf")


# -- CP vs tensortools ------------------------------------------------------------------
def bench_cp(n_neurons, n_times, n_animals, rank, n_restarts, tol, max_iter, max_mb=2048):
    import numpy as np
    import tensortools
    from neurodeck_ntf import affinity as aff
    from neurodeck_ntf import communities, cp
    from neurodeck_ntf.synthetic import planted_traces
    from tensortools.tensors import KTensor

    traces, _ = planted_traces(n_neurons=n_neurons, n_animals=n_animals, n_times=n_times,
                               n_components=rank, seed=0)
    data, _ = traces.aligned()
    row = {"size": [n_neurons, n_times, n_animals], "rank": rank, "restarts": n_restarts,
           "tol": tol, "max_iter": max_iter, "loadavg_start": loadavg()}
    with PeakRSS() as mem:
        t = time.perf_counter()
        deriv = aff.derivatives(data, traces.sfreq)
        tensor = aff.AffinityTensor(deriv, max_bytes=max_mb * 2**20)
        tensor.materialize()
        row["affinity_s"] = time.perf_counter() - t
    row.update(affinity_peak_mb=mem.delta, tensor_cached=tensor.cached,
               tensor_mb=tensor.nbytes / 2**20)
    norm = np.sqrt(cp._sum_squares(tensor))
    inits = [cp._init(tensor.shape, rank, np.random.default_rng(s), norm)
             for s in np.random.SeedSequence([0, rank]).spawn(n_restarts)]
    need = 2.2 * tensor.nbytes * 2 / 2**20 + 2048  # float64 tensor + its unfolded copy
    with_tt = _mem_available_mb() > need
    # Warm-up (untimed for the comparison): both on a small tensor; tensortools' first
    # call compiles with numba, which is its cold cost.
    small = np.random.default_rng(1).random((50, 4, 30))
    t = time.perf_counter()
    tensortools.ncp_hals(small, rank, max_iter=5, verbose=False)
    row["tt_cold_jit_s"] = time.perf_counter() - t
    cp.hals(cp.DenseTensor(small), rank, max_iter=5)
    x = None
    if with_tt:
        x = np.empty((tensor.n_pairs, tensor.n_animals * tensor.n_times))
        for blk in tensor.blocks():
            x[blk.lo:blk.hi] = blk.values
        x = x.reshape(tensor.shape)
    else:
        row["tt_skipped"] = f"needs ~{need:.0f} MiB, {_mem_available_mb():.0f} available"
    ours, ref = {"wall": [], "cpu": [], "iters": [], "errors": []}, \
        {"wall": [], "cpu": [], "iters": [], "errors": []}
    fits = []
    for k, init in enumerate(inits):  # one interleaved round per restart: ours, tensortools
        with PeakRSS() as mem:
            t, c = time.perf_counter(), time.process_time()
            fit = cp.hals(tensor, rank, tol=tol, max_iter=max_iter,
                          init=[f.copy() for f in init])
            ours["wall"].append(time.perf_counter() - t)
            ours["cpu"].append(time.process_time() - c)
        fits.append(fit)
        ours["iters"].append(fit.n_iter)
        ours["errors"].append(fit.rel_error)
        if k == 0:
            row["cp_peak_mb"] = mem.delta
        if x is None:
            continue
        with PeakRSS() as mem:
            t, c = time.perf_counter(), time.process_time()
            r = tensortools.ncp_hals(x, rank, init=KTensor([f.copy() for f in init]),
                                     tol=tol, max_iter=max_iter, verbose=False)
            ref["wall"].append(time.perf_counter() - t)
            ref["cpu"].append(time.process_time() - c)
        ref["iters"].append(int(r.iterations))
        ref["errors"].append(float(r.obj))  # its relative error at the end
        if k == 0:
            row["tt_peak_mb"] = mem.delta
        print(f"  restart {k}: ours {ours['wall'][-1]:.2f} s ({fit.n_iter} it, "
              f"{fit.rel_error:.5f}), tensortools {ref['wall'][-1]:.2f} s "
              f"({r.iterations} it, {float(r.obj):.5f})", flush=True)
    del x
    for name, rec in (("ours", ours), ("tensortools", ref)):
        if rec["wall"]:
            per_it = [w / i for w, i in zip(rec["wall"], rec["iters"], strict=True)]
            row[name] = {"wall": stats(rec["wall"]), "cpu": stats(rec["cpu"]),
                         "per_iter": stats(per_it), "iters": rec["iters"],
                         "errors": rec["errors"]}
    if ref["wall"]:
        row["ratio_wall"] = row["ours"]["wall"]["median"] / row["tensortools"]["wall"]["median"]
        row["ratio_per_restart"] = [a / b for a, b in zip(ours["wall"], ref["wall"],
                                                          strict=True)]
        row["max_abs_error_diff"] = float(np.max(np.abs(np.subtract(ours["errors"],
                                                                    ref["errors"]))))
    best = min(fits, key=lambda f: f.rel_error)
    for method in ("sbm", "leiden"):
        t = time.perf_counter()
        for c in range(rank):
            w = aff.pairs_to_matrix(best.factors[0][:, c], n_neurons)
            communities.detect(w, method, min_strength=0.05, seed=0)
        row[f"{method}_s"] = time.perf_counter() - t
    row["loadavg_end"] = loadavg()
    return row


# -- LFR ----------------------------------------------------------------------------------
# (mu_t, mu_w, beta, <k>): the notebook's settings plus both mixings low and both high.
LFR_SETTINGS = [
    (0.25, 0.25, 2, 25), (0.25, 0.5, 2, 25), (0.5, 0.5, 2, 25), (0.75, 0.5, 2, 25),
    (0.75, 0.75, 2, 25), (0.5, 0.25, 2, 25), (0.5, 0.75, 2, 25), (0.5, 0.5, 0.5, 25),
    (0.5, 0.5, 1, 25), (0.5, 0.5, 2, 10)]


def graph_tool_python() -> str | None:
    """A Python that imports graph_tool (Debian's python3-graph-tool), or None."""
    for exe in (os.environ.get("GRAPH_TOOL_PYTHON"), "/usr/bin/python3", shutil.which("python3")):
        if exe and Path(exe).exists():
            ok = subprocess.run([exe, "-c", "import graph_tool.all"], capture_output=True)
            if ok.returncode == 0:
                return exe
    return None


def run_graph_tool(graphs: list, exe: str) -> dict:
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "g.npz", Path(tmp) / "out.json"
        np.savez(src, **{f"w{i}": w for i, w in enumerate(graphs)})
        subprocess.run([exe, str(HERE / "ntf_graphtool_ref.py"), str(src), str(dst)],
                       check=True)
        return json.loads(dst.read_text())


def bench_lfr(n_graphs: int, settings: list[int] | None = None) -> dict:
    import numpy as np
    from neurodeck_ntf import communities, sbm
    from neurodeck_ntf.synthetic import weighted_lfr
    from sklearn.metrics import normalized_mutual_info_score as nmi

    exe = graph_tool_python()
    rows = []
    for index, (mu_t, mu_w, beta, k) in enumerate(LFR_SETTINGS):
        if settings is not None and index not in settings:
            continue
        r = {"setting": index, "mu_t": mu_t, "mu_w": mu_w, "beta": beta, "k": k, "dc": [],
             "ndc": [], "select": [], "selected": [], "leiden": [], "sbm_s": []}
        graphs, truths = [], []
        for seed in range(n_graphs):
            w, truth = weighted_lfr(mu_t=mu_t, mu_w=mu_w, beta=beta, avg_degree=k, seed=seed)
            graphs.append(w)
            truths.append(truth)
            t = time.perf_counter()
            fit = {m: sbm.fit(w, model=m, seed=seed) for m in sbm.EDGE_MODELS}
            r["sbm_s"].append(time.perf_counter() - t)
            for m, (labels, _) in fit.items():
                r[m].append(nmi(truth, labels))
            # "select" = the edge model with the higher ICL (what model="select" returns).
            chosen = max(fit, key=lambda m: fit[m][1]["icl"])
            r["selected"].append(chosen)
            r["select"].append(r[chosen][-1])
            r["leiden"].append(nmi(truth, communities.leiden(w, seed=seed)))
        if exe:
            ref = run_graph_tool(graphs, exe)
            r["graph_tool_version"] = ref["graph_tool"]
            r["gt_kept"], r["gt_best_level"], r["gt_level0"], r["gt_s"] = [], [], [], []
            for truth, g in zip(truths, ref["graphs"], strict=True):
                levels = g[g["kept"]]["levels"]
                scores = [nmi(truth, lev) for lev in levels] or [0.0]
                r["gt_kept"].append(g["kept"])
                r["gt_best_level"].append(max(scores))
                r["gt_level0"].append(scores[0])
                r["gt_s"].append(g["dc"]["s"] + g["ndc"]["s"])
        rows.append(r)
        print(f"mu_t {mu_t:.2f} mu_w {mu_w:.2f} beta {beta:3} k {k:2}  dc "
              f"{np.mean(r['dc']):.3f} ndc {np.mean(r['ndc']):.3f} select "
              f"{np.mean(r['select']):.3f} {r['selected']}  Leiden {np.mean(r['leiden']):.3f}"
              + (f"  graph-tool {np.mean(r['gt_best_level']):.3f} {r['gt_kept']}" if exe
                 else ""), flush=True)
    return {"n_graphs": n_graphs, "graph_tool": bool(exe), "rows": rows}


# -- dense background and sparsification ----------------------------------------------------
def disparity_filter(w, alpha: float = 0.05):
    """Serrano et al. 2009: keep an edge when, for either end, its share of the node's
    strength is unlikely under a uniform split of that strength over the node's k edges
    (p = (1 - share)^(k-1) < alpha)."""
    import numpy as np

    w = np.asarray(w, float)
    s = w.sum(1, keepdims=True)
    k = (w > 0).sum(1, keepdims=True)
    share = np.where(s > 0, w / np.where(s > 0, s, 1.0), 0.0)
    p = np.where(w > 0, (1 - share) ** np.maximum(k - 1, 1), 1.0)
    significant = np.minimum(p, p.T) < alpha
    return np.where(significant & (w > 0), w, 0.0)


def keep_density(w, density: float):
    """Keep the strongest pairs, as many as ``density`` of all pairs (the planted one)."""
    import numpy as np

    vals = w[np.triu_indices(len(w), 1)]
    cut = np.quantile(vals, 1 - density)
    return np.where(w > cut, w, 0.0)


def with_background(w, fraction: float, rng):
    import numpy as np

    if fraction == 0:
        return w
    bg = np.triu(rng.exponential(fraction * w[w > 0].mean(), w.shape), 1)
    return np.where(w > 0, w, bg + bg.T)


DENSE_SETTINGS = [(0.25, 0.25), (0.5, 0.5)]
BACKGROUNDS = [0.0, 0.1, 0.3]


def bench_dense(n_graphs: int) -> dict:
    import numpy as np
    from neurodeck_ntf import sbm
    from neurodeck_ntf.synthetic import weighted_lfr
    from sklearn.metrics import normalized_mutual_info_score as nmi

    rows = []
    for mu_t, mu_w in DENSE_SETTINGS:
        for frac in BACKGROUNDS:
            r = {"mu_t": mu_t, "mu_w": mu_w, "background": frac, "density": [],
                 "none": [], "disparity": [], "disparity_density": [], "oracle": []}
            for seed in range(n_graphs):
                w, truth = weighted_lfr(mu_t=mu_t, mu_w=mu_w, seed=seed)
                planted = float((w > 0)[np.triu_indices(len(w), 1)].mean())
                wd = with_background(w, frac, np.random.default_rng(100 + seed))
                r["density"].append(float((wd > 0)[np.triu_indices(len(w), 1)].mean()))
                for name, x in (("none", wd), ("disparity", disparity_filter(wd)),
                                ("oracle", keep_density(wd, planted))):
                    r[name].append(nmi(truth, sbm.fit(x, model="select", seed=seed)[0]))
                    if name == "disparity":
                        r["disparity_density"].append(
                            float((x > 0)[np.triu_indices(len(w), 1)].mean()))
            rows.append(r)
            print(f"mu {mu_t}/{mu_w} background {frac}: none {np.mean(r['none']):.3f} "
                  f"disparity {np.mean(r['disparity']):.3f} oracle {np.mean(r['oracle']):.3f}",
                  flush=True)
    return {"n_graphs": n_graphs, "rows": rows}


# -- C. elegans -------------------------------------------------------------------------------
CELEGANS_PARAMS = {"rank": list(range(1, 9)), "n_restarts": 5, "min_animals": 7}
_CELEGANS_CODE = """
import sys, time
t0 = time.perf_counter()
import h5py, neurodeck
path = sys.argv[1]
with h5py.File(path) as f:
    keys = [k for k in sorted(f) if "neuron_label" in f[k]]
traces = neurodeck.open(path, animals=keys)
res = neurodeck.run("ntf", traces, rank=list(range(1, 9)), n_restarts=5, min_animals=7)
print(time.perf_counter() - t0)
"""


def _celegans_traces(path):
    import h5py

    import neurodeck

    with h5py.File(path) as f:
        keys = [k for k in sorted(f) if "neuron_label" in f[k]]
    return neurodeck.open(path, animals=keys)  # one multi-animal Traces, labels aligned


def _stage(message: str) -> str:
    if message.startswith("rank"):
        return "CP " + message.split(",")[0].split(" (")[0]
    if message.startswith("communities"):
        return "communities"
    return "affinity"


def bench_celegans(path, repeats: int) -> dict:
    import numpy as np
    from neurodeck_ntf import sbm

    import neurodeck
    from neurodeck.jobs.progress import Progress

    out: dict = {"params": CELEGANS_PARAMS, "repeats": repeats}
    cold = subprocess.run([sys.executable, "-c", _CELEGANS_CODE, str(path)],
                          capture_output=True, text=True, check=True)
    out["cold_process_s"] = float(cold.stdout.strip().splitlines()[-1])
    traces = _celegans_traces(path)
    neurodeck.run("ntf", traces, **CELEGANS_PARAMS)  # warm-up (imports, caches)
    walls, cpus, stage_runs = [], [], []
    res = None
    for _ in range(repeats):
        marks: list[tuple[float, str]] = []
        progress = Progress(lambda f, m, marks=marks: marks.append((time.perf_counter(), m)))
        t, c = time.perf_counter(), time.process_time()
        res = neurodeck.run("ntf", traces, progress=progress, **CELEGANS_PARAMS)
        end = time.perf_counter()
        walls.append(end - t)
        cpus.append(time.process_time() - c)
        stages: dict[str, float] = {"setup": marks[0][0] - t if marks else 0.0}
        for (t0, m), (t1, _) in zip(marks, [*marks[1:], (end, "")], strict=True):
            stages[_stage(m)] = stages.get(_stage(m), 0.0) + (t1 - t0)
        stage_runs.append(stages)
    out["warm"] = {"wall": stats(walls), "cpu": stats(cpus)}
    out["stages_s"] = {k: float(np.median([s.get(k, 0.0) for s in stage_runs]))
                       for k in stage_runs[0]}
    out.update(rank=int(res["rank"]), neurons=len(res["neuron_labels"]),
               best_errors=np.round(res["rank_errors"][:, 0], 4).tolist(),
               mean_similarity=np.round(np.nanmean(res["rank_similarity"], 1), 3).tolist())
    comps = []
    names = res["neuron_labels"]
    for k in range(int(res["rank"])):
        w = np.asarray(res["affinity"][k], float)
        vals = w[np.triu_indices(len(w), 1)]
        _, info = sbm.fit(w, model="select", seed=0)
        tf = res["time_factors"][k]
        comm = res["communities"][k]
        comps.append({
            "pairs": int(vals.size), "edges": int((vals > 0).sum()),
            "above_1pct_max": float((vals > 0.01 * vals.max()).mean()),
            "above_10pct_max": float((vals > 0.1 * vals.max()).mean()),
            "median_over_max": float(np.median(vals) / vals.max()),
            "sbm_model": info["model"], "icl_by_model": info["icl_by_model"],
            "community_sizes": np.bincount(comm[comm >= 0]).tolist(),
            "animal_factor": np.round(res["animal_factors"][k], 2).tolist(),
            "time_peak_s": float(res["times"][np.nanargmax(tf)]),
            "top_neurons": names[np.argsort(-w.sum(1))[:7]].tolist()})
    out["components"] = comps
    return out


# -- main ----------------------------------------------------------------------------------------
def main() -> None:
    from threadpoolctl import threadpool_limits

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help=f"comma-separated sections of {SECTIONS}")
    ap.add_argument("--lfr-settings", default=None,
                    help="indices into LFR_SETTINGS to run (rows are merged into the file)")
    ap.add_argument("--lfr-graphs", type=int, default=None,
                    help="graphs per LFR setting (default 4, --quick 2)")
    ap.add_argument("--cp-frames", type=int, default=None,
                    help="frames of the CP sizes (default 3000, --quick 600); the table "
                         "shows the sizes run")
    args = ap.parse_args()
    only = [s for s in args.only.split(",") if s]
    doc: dict = {}  # the sections run now; merged into the results file at the end
    env = environment()
    frames = args.cp_frames or (600 if args.quick else 3000)
    with threadpool_limits(1):
        if "cp" in only:
            env["cp_threads"] = "BLAS 1 thread for both tools"
            doc["cp"] = {"rows": [
                bench_cp(100, frames, 10, rank=4, n_restarts=3, tol=1e-4, max_iter=200),
                bench_cp(300, frames, 5, rank=4, n_restarts=2 if not args.quick else 3,
                         tol=1e-4, max_iter=100)], "environment": dict(env)}
            for r in doc["cp"]["rows"]:
                print(json.dumps({k: v for k, v in r.items() if k not in ("ours",
                                                                          "tensortools")},
                                 default=float), flush=True)
        if "lfr" in only:
            settings = ([int(x) for x in args.lfr_settings.split(",")]
                        if args.lfr_settings else None)
            graphs = args.lfr_graphs or (2 if args.quick else 4)
            doc["lfr"] = {**bench_lfr(graphs, settings), "environment": dict(env)}
        if "dense" in only:
            doc["dense"] = {**bench_dense(2 if args.quick else 4), "environment": dict(env)}
    if "celegans" in only:
        from neurodeck.testing import shared_data_dir

        root = shared_data_dir()
        if root is not None:  # the ordinary BLAS threads: as a user runs it
            env_c = environment()
            doc["celegans"] = {**bench_celegans(
                root / "calcium" / "celegans_wholebrain_dag2023.h5", 1 if args.quick else 3),
                "environment": env_c}
            print(json.dumps({k: v for k, v in doc["celegans"].items()
                              if k != "components"}, default=float), flush=True)
    for section in doc.values():
        section["environment"]["loadavg_end"] = loadavg()
    # Keep the other sections' results (sections may run in separate processes).
    path = RESULTS_DIR / f"{RESULTS}{'-quick' if args.quick else ''}.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    merged = {k: v for k, v in old.items() if k in SECTIONS}
    if "lfr" in doc and "lfr" in merged:  # rows of other settings run separately stay
        mine = {r["setting"] for r in doc["lfr"]["rows"]}
        rows = [r for r in merged["lfr"]["rows"] if r.get("setting") not in mine]
        doc["lfr"]["rows"] = sorted(rows + doc["lfr"]["rows"], key=lambda r: r["setting"])
    merged.update(doc)
    write_results(RESULTS, merged, quick=args.quick, env=env)


# -- tables for docs/ntf.md ------------------------------------------------------------------
def _mean(xs) -> float:
    return sum(xs) / len(xs) if xs else float("nan")


def _spread(s: dict) -> str:
    return f"{fmt_s(s['median'])} ({fmt_s(s['min'])}\u2013{fmt_s(s['max'])})"


def _cp_table(doc: dict) -> str:
    rows = doc["cp"]["rows"]
    lines = ["| size (neurons x frames x animals) | tensor | restarts | iterations (both) | "
             "CP per restart, ours | CP per restart, tensortools | ours / tensortools | "
             "per iteration, ours / tt | max \\|error difference\\| | peak MiB ours / tt |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        n, t, a = r["size"]
        where = "in memory" if r["tensor_cached"] else "streamed"
        ours, tt = r["ours"], r.get("tensortools")
        its = ", ".join(str(i) for i in ours["iters"])
        if tt is None:
            lines.append(f"| {n} x {t} x {a} | {r['tensor_mb'] / 1024:.2f} GB, {where} | "
                         f"{r['restarts']} | {its} | {fmt_s(ours['wall']['median'])} | "
                         f"not run ({r.get('tt_skipped', '')}) | | | | "
                         f"{r['cp_peak_mb']:.0f} / - |")
            continue
        same = "" if ours["iters"] == tt["iters"] else f" / {', '.join(map(str, tt['iters']))}"
        lines.append(
            f"| {n} x {t} x {a} | {r['tensor_mb'] / 1024:.2f} GB, {where} | {r['restarts']} | "
            f"{its}{same} | {_spread(ours['wall'])} | {_spread(tt['wall'])} | "
            f"**{r['ratio_wall']:.2f}x** | {fmt_s(ours['per_iter']['median'])} / "
            f"{fmt_s(tt['per_iter']['median'])} | {r['max_abs_error_diff']:.0e} | "
            f"{r['cp_peak_mb']:.0f} / {r['tt_peak_mb']:.0f} |")
    env = doc["cp"]["environment"]
    loads = [x for r in rows for x in (r["loadavg_start"][:1] + r["loadavg_end"][:1])]
    lines.append("")
    lines.append(f"Conditions: {env.get('cpu_count')} cores shared with other jobs (1-minute "
                 f"load average {min(loads):.1f}-{max(loads):.1f} during the runs), BLAS 1 "
                 f"thread for both tools, rank 4, tol 1e-4, both warm (tensortools' first, "
                 f"numba-compiling call took {fmt_s(rows[0]['tt_cold_jit_s'])} on a small "
                 f"tensor and is not counted); medians over the restarts (min\u2013max), one "
                 f"interleaved round per restart; {env.get('date', '')[:10]}.")
    return "\n".join(lines)


def _lfr_table(doc: dict) -> str:
    lfr = doc["lfr"]
    gt = lfr.get("graph_tool")
    head = ("| mu_t | mu_w | beta | <k> | SBM dc | SBM ndc | SBM select | picked (dc/ndc) | "
            "Leiden |" + (" graph-tool, best level | graph-tool, finest level | "
                          "graph-tool kept (dc/ndc) |" if gt else ""))
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in lfr["rows"]:
        picked = f"{r['selected'].count('dc')}/{r['selected'].count('ndc')}"
        line = (f"| {r['mu_t']:.2f} | {r['mu_w']:.2f} | {r['beta']:g} | {r['k']} | "
                f"{_mean(r['dc']):.2f} | {_mean(r['ndc']):.2f} | {_mean(r['select']):.2f} | "
                f"{picked} | {_mean(r['leiden']):.2f} |")
        if gt:
            line += (f" {_mean(r['gt_best_level']):.2f} | {_mean(r['gt_level0']):.2f} | "
                     f"{r['gt_kept'].count('dc')}/{r['gt_kept'].count('ndc')} |")
        lines.append(line)
    rows = lfr["rows"]

    def mean_of(key: str) -> float:
        return _mean([_mean(r[key]) for r in rows])

    summary = (f"| mean | | | | {mean_of('dc'):.2f} | {mean_of('ndc'):.2f} | "
               f"{mean_of('select'):.2f} | | {mean_of('leiden'):.2f} |")
    if gt:
        summary += f" {mean_of('gt_best_level'):.2f} | {mean_of('gt_level0'):.2f} | |"
    lines.append(summary)
    sbm_s = [x for r in rows for x in r["sbm_s"]]
    note = (f"\nMean NMI over {lfr['n_graphs']} graphs per setting. SBM time per graph (dc and "
            f"ndc together) {fmt_s(min(sbm_s))}\u2013{fmt_s(max(sbm_s))}")
    if gt:
        gts = [x for r in rows for x in r["gt_s"]]
        note += (f"; graph-tool {rows[0].get('graph_tool_version')} (both models) "
                 f"{fmt_s(min(gts))}\u2013{fmt_s(max(gts))}")
    return "\n".join(lines) + note + f"; {lfr['environment'].get('date', '')[:10]}."


def _dense_table(doc: dict) -> str:
    lines = ["| mu_t | mu_w | background (x mean edge weight) | pairs with weight | "
             "SBM as is | disparity filter (alpha 0.05): pairs kept, NMI | "
             "oracle threshold (planted density) |", "|---|---|---|---|---|---|---|"]
    for r in doc["dense"]["rows"]:
        lines.append(f"| {r['mu_t']:.2f} | {r['mu_w']:.2f} | {r['background']:g} | "
                     f"{_mean(r['density']):.2f} | {_mean(r['none']):.2f} | "
                     f"{_mean(r['disparity_density']):.2f}, {_mean(r['disparity']):.2f} | "
                     f"{_mean(r['oracle']):.2f} |")
    return "\n".join(lines) + (f"\n\nSBM with `model=\"select\"`; mean NMI over "
                               f"{doc['dense']['n_graphs']} graphs per row.")


def _celegans_tables(doc: dict) -> dict[str, str]:
    c = doc["celegans"]
    warm = c["warm"]["wall"]
    stages = c["stages_s"]
    cp_total = sum(v for k, v in stages.items() if k.startswith("CP"))
    env = c["environment"]
    run = [f"- End to end, {c['neurons']} neurons x 7 animals x 800 frames, ranks 1-8 x 5 "
           f"restarts: **{fmt_s(warm['median'])}** warm (median of {warm['n']}, "
           f"{fmt_s(warm['min'])}\u2013{fmt_s(warm['max'])}; CPU "
           f"{fmt_s(c['warm']['cpu']['median'])}), {fmt_s(c['cold_process_s'])} cold (a fresh "
           f"process: imports, reading the file, the run). 1-minute load average "
           f"{env['loadavg_start'][0]:.1f} at the start"
           + (f", {env['loadavg_end'][0]:.1f} at the end" if "loadavg_end" in env else "")
           + f"; BLAS threads as installed ({env.get('cpu_count')} cores; the CP stage uses "
           "1 thread for tensors under 64 MiB).",
           f"- Where the time goes (median run): affinity {fmt_s(stages.get('affinity', 0))}, "
           f"CP {fmt_s(cp_total)} ("
           + ", ".join(f"{k[3:]} {fmt_s(v)}" for k, v in stages.items() if k.startswith("CP"))
           + f"), communities {fmt_s(stages.get('communities', 0))}.",
           "- Best relative errors by rank: " + ", ".join(f"{e:.3f}" for e in c["best_errors"])
           + "; mean restart similarity: " + ", ".join(f"{s:.2f}" for s in c["mean_similarity"])
           + f"; suggested rank {c['rank']}."]
    edges = ["| component | pairs | pairs with weight > 0 | > 1 % of max | > 10 % of max | "
             "median / max | SBM model kept | community sizes | strongest neurons |",
             "|---|---|---|---|---|---|---|---|---|"]
    for k, comp in enumerate(c["components"]):
        edges.append(f"| {k + 1} | {comp['pairs']} | {comp['edges']} "
                     f"({comp['edges'] / comp['pairs']:.1%}) | {comp['above_1pct_max']:.1%} | "
                     f"{comp['above_10pct_max']:.1%} | {comp['median_over_max']:.2f} | "
                     f"{comp['sbm_model']} | {'/'.join(map(str, comp['community_sizes']))} | "
                     f"{', '.join(comp['top_neurons'])} |")
    return {"ntf-celegans": "\n".join(run), "ntf-celegans-edges": "\n".join(edges)}


def tables(doc: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    if "cp" in doc:
        out["ntf-cp"] = _cp_table(doc)
    if "lfr" in doc:
        out["ntf-lfr"] = _lfr_table(doc)
    if "dense" in doc:
        out["ntf-dense"] = _dense_table(doc)
    if "celegans" in doc:
        out.update(_celegans_tables(doc))
    return out


if __name__ == "__main__":
    main()
