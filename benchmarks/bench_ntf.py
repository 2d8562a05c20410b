"""NTF benchmark: wall time per stage and peak memory; CP stage vs tensortools.

    python benchmarks/bench_ntf.py            # the issue's sizes (minutes)
    python benchmarks/bench_ntf.py --quick    # same pipeline, 600 frames
    python benchmarks/bench_ntf.py --lfr      # weighted LFR NMI table (SBM, Leiden)
    python benchmarks/bench_ntf.py --real     # also the full C. elegans run

Sizes: 100 neurons x 3000 frames x 10 animals and 300 x 3000 x 5 (planted traces).

Equal-fit CP comparison: every restart starts both tools from the *same* initial
factors (ours drawn, handed to tensortools' ``ncp_hals`` as its ``init`` KTensor), at
the same rank, tolerance and iteration cap; both use the same stopping rule
(improvement of the relative error below ``tol``). With random starts of their own
the tools land in different local minima by luck (at 100 neurons two restarts of
each found 0.641 vs 0.595), which says nothing about the solvers; with shared
starts the comparison is the same path computed two ways. tensortools gets the
tensor in float64 (it requires it), built block by block without a float32 copy.

BLAS runs single-threaded for both tools: this machine has 2 cores shared with
other jobs, where multi-threaded BLAS spin-waits. Peak memory is the largest
resident-set growth over a stage (sampled every 20 ms; /proc/self/statm).
Results go to benchmarks/out/bench_ntf.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import threading
import time
from pathlib import Path

import numpy as np
from neurodeck_ntf import affinity as aff
from neurodeck_ntf import communities, cp
from neurodeck_ntf.synthetic import planted_traces, weighted_lfr

OUT = Path(__file__).parent / "out"


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


def bench_size(n_neurons, n_times, n_animals, rank, n_restarts, tol, max_iter,
               with_tensortools, max_mb):
    traces, _ = planted_traces(n_neurons=n_neurons, n_animals=n_animals, n_times=n_times,
                               n_components=rank, seed=0)
    data, _ = traces.aligned()
    row = {"size": f"{n_neurons}x{n_times}x{n_animals}", "rank": rank,
           "restarts": n_restarts, "tol": tol, "max_iter": max_iter}
    total = PeakRSS().__enter__()
    with PeakRSS() as mem:
        t = time.perf_counter()
        deriv = aff.derivatives(data, traces.sfreq)
        tensor = aff.AffinityTensor(deriv, max_bytes=max_mb * 2**20)
        tensor.materialize()
        row["affinity_s"] = time.perf_counter() - t
    row["affinity_peak_mb"] = mem.delta
    row["tensor_cached"] = tensor.cached
    row["tensor_mb"] = tensor.nbytes / 2**20
    norm = np.sqrt(cp._sum_squares(tensor))
    inits = [cp._init(tensor.shape, rank, np.random.default_rng(s), norm)
             for s in np.random.SeedSequence([0, rank]).spawn(n_restarts)]
    fits, times = [], []
    with PeakRSS() as mem:
        for init in inits:
            t = time.perf_counter()
            fits.append(cp.hals(tensor, rank, tol=tol, max_iter=max_iter,
                                init=[f.copy() for f in init]))
            times.append(time.perf_counter() - t)
    row["cp_peak_mb"] = mem.delta
    row["cp_s"] = sum(times)
    row["cp_errors"] = [f.rel_error for f in fits]
    row["cp_iters"] = [f.n_iter for f in fits]
    best = min(fits, key=lambda f: f.rel_error)
    row["cp_error"] = best.rel_error
    with PeakRSS() as mem:
        t = time.perf_counter()
        for c in range(rank):
            w = aff.pairs_to_matrix(best.factors[0][:, c], n_neurons)
            communities.detect(w, "sbm", min_strength=0.05, seed=0)
        row["sbm_s"] = time.perf_counter() - t
        t = time.perf_counter()
        for c in range(rank):
            w = aff.pairs_to_matrix(best.factors[0][:, c], n_neurons)
            communities.detect(w, "leiden", min_strength=0.05, seed=0)
        row["leiden_s"] = time.perf_counter() - t
    row["communities_peak_mb"] = mem.delta
    total.__exit__()
    row["peak_mb"] = total.delta  # whole pipeline (ours), above the traces in memory
    if with_tensortools:
        need = 2.2 * tensor.nbytes * 2 / 2**20 + 2048  # float64 tensor + unfolded copy
        del deriv
        if _mem_available_mb() < need:
            row["tt_skipped"] = f"needs ~{need:.0f} MiB, {_mem_available_mb():.0f} available"
            return row
        import tensortools
        from tensortools.tensors import KTensor

        tensortools.ncp_hals(np.random.rand(20, 3, 4), rank, max_iter=2, verbose=False)  # JIT
        with PeakRSS() as mem_tt:
            x = np.empty((tensor.n_pairs, tensor.n_animals * tensor.n_times))
            for blk in tensor.blocks():
                x[blk.lo:blk.hi] = blk.values
            x = x.reshape(tensor.shape)
            ref, tt_times = [], []
            for init in inits:
                t = time.perf_counter()
                ref.append(tensortools.ncp_hals(x, rank, init=KTensor([f.copy() for f in init]),
                                                tol=tol, max_iter=max_iter, verbose=False))
                tt_times.append(time.perf_counter() - t)
        del x
        row["tt_cp_s"] = sum(tt_times)
        row["tt_errors"] = [float(r.obj) for r in ref]  # its relative error at the end
        row["tt_iters"] = [int(r.iterations) for r in ref]
        row["tt_error"] = min(row["tt_errors"])
        row["tt_peak_mb"] = mem_tt.delta
        row["speedup_vs_tensortools"] = row["tt_cp_s"] / row["cp_s"]
        row["max_abs_error_diff"] = float(np.max(np.abs(np.subtract(row["cp_errors"],
                                                                    row["tt_errors"]))))
    return row


# The paper's weighted LFR settings (dyballa/dynamic-connectomes benchmark.ipynb:
# N=125, kmax=100, tau1=2, tau2=1; one parameter varied at a time around mu_t = mu_w
# = 0.5, beta=2, <k>=25) plus both mixings low and both high.
LFR_SETTINGS = [  # (mu_t, mu_w, beta, <k>)
    (0.25, 0.25, 2, 25), (0.25, 0.5, 2, 25), (0.5, 0.5, 2, 25), (0.75, 0.5, 2, 25),
    (0.75, 0.75, 2, 25), (0.5, 0.25, 2, 25), (0.5, 0.75, 2, 25), (0.5, 0.5, 0.5, 25),
    (0.5, 0.5, 1, 25), (0.5, 0.5, 2, 10)]


def bench_lfr(n_graphs: int = 4) -> list[dict]:
    from neurodeck_ntf import sbm
    from sklearn.metrics import normalized_mutual_info_score as nmi

    rows = []
    for mu_t, mu_w, beta, k in LFR_SETTINGS:
        r = {"mu_t": mu_t, "mu_w": mu_w, "beta": beta, "k": k, "sbm": [], "leiden": [],
             "sbm_s": [], "sbm_cpu_s": []}
        for seed in range(n_graphs):
            w, truth = weighted_lfr(mu_t=mu_t, mu_w=mu_w, beta=beta, avg_degree=k, seed=seed)
            t, c = time.perf_counter(), time.process_time()
            r["sbm"].append(nmi(truth, sbm.fit(w, seed=seed)[0]))
            r["sbm_s"].append(time.perf_counter() - t)
            r["sbm_cpu_s"].append(time.process_time() - c)
            r["leiden"].append(nmi(truth, communities.leiden(w, seed=seed)))
        rows.append(r)
        print(f"mu_t {mu_t:.2f} mu_w {mu_w:.2f} beta {beta:3} k {k:2}  SBM "
              f"{np.mean(r['sbm']):.3f} {np.round(r['sbm'], 2)}  Leiden "
              f"{np.mean(r['leiden']):.3f}  SBM {np.mean(r['sbm_s']):.2f} s/graph "
              f"({np.mean(r['sbm_cpu_s']):.2f} s CPU)", flush=True)
    return rows


def bench_real(path):
    """The full C. elegans run: 7 NeuroPAL animals, neurons identified in all of them."""
    import h5py

    import neurodeck

    with h5py.File(path) as f:
        keys = [k for k in sorted(f) if "neuron_label" in f[k]]
    traces = neurodeck.open(path, animals=keys)  # one multi-animal Traces, labels aligned
    t = time.perf_counter()
    res = neurodeck.run("ntf", traces, rank=list(range(1, 9)), n_restarts=5, min_animals=7)
    out = {"wall_s": time.perf_counter() - t, "rank": int(res["rank"]),
           "neurons": len(res["neuron_labels"]),
           "best_errors": np.round(res["rank_errors"][:, 0], 4).tolist(),
           "mean_similarity": np.round(np.nanmean(res["rank_similarity"], 1), 3).tolist(),
           "components": []}
    names_arr = res["neuron_labels"]
    for k in range(int(res["rank"])):
        strength = res["affinity"][k].sum(1)
        top = names_arr[np.argsort(-strength)[:8]].tolist()
        comm = res["communities"][k]
        groups = {int(c): names_arr[comm == c].tolist() for c in np.unique(comm) if c >= 0}
        tf = res["time_factors"][k]
        out["components"].append({
            "animal_factor": np.round(res["animal_factors"][k], 2).tolist(),
            "time_peak_s": float(res["times"][np.argmax(tf)]),
            "time_active_fraction": float((tf > 0.5).mean()),
            "top_neurons": top, "communities": groups})
    return out


def main() -> None:
    from threadpoolctl import threadpool_limits

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--lfr", action="store_true", help="only the LFR table")
    ap.add_argument("--no-tensortools-300", action="store_true",
                    help="skip tensortools at 300 neurons (float64 tensor + a copy)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    if args.lfr:
        with threadpool_limits(1):
            rows = bench_lfr()
        (OUT / "bench_ntf_lfr.json").write_text(json.dumps(rows, indent=1, default=float))
        return
    frames = 600 if args.quick else 3000
    with threadpool_limits(1):
        rows = [bench_size(100, frames, 10, rank=4, n_restarts=3, tol=1e-4, max_iter=200,
                           with_tensortools=True, max_mb=2048)]
        print(json.dumps(rows[-1], default=float), flush=True)
        rows.append(bench_size(300, frames, 5, rank=4, n_restarts=2, tol=1e-4, max_iter=100,
                               with_tensortools=not args.no_tensortools_300, max_mb=2048))
        print(json.dumps(rows[-1], default=float), flush=True)
    print(f"{'size':>14} {'affinity s':>10} {'CP s':>8} {'TT CP s':>8} {'ratio':>6} "
          f"{'err':>7} {'TT err':>7} {'SBM s':>6} {'Leiden s':>8} {'peak MiB':>9} "
          f"{'TT peak':>8} cached")
    for r in rows:
        print(f"{r['size']:>14} {r['affinity_s']:10.2f} {r['cp_s']:8.2f} "
              f"{r.get('tt_cp_s', float('nan')):8.2f} "
              f"{r.get('speedup_vs_tensortools', float('nan')):6.2f} {r['cp_error']:7.4f} "
              f"{r.get('tt_error', float('nan')):7.4f} {r['sbm_s']:6.2f} {r['leiden_s']:8.2f} "
              f"{r['peak_mb']:9.0f} {r.get('tt_peak_mb', float('nan')):8.0f} "
              f"{r['tensor_cached']}")
    out = {"sizes": rows}
    if args.real:
        from neurodeck.testing import shared_data_dir

        root = shared_data_dir()
        if root is not None:
            out["celegans"] = bench_real(root / "calcium" / "celegans_wholebrain_dag2023.h5")
            print(json.dumps(out["celegans"], indent=1))
    (OUT / "bench_ntf.json").write_text(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
