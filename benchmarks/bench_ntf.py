"""NTF benchmark: wall time per stage and peak memory; CP stage vs tensortools.

    python benchmarks/bench_ntf.py            # the issue's sizes (long on a laptop)
    python benchmarks/bench_ntf.py --quick    # same pipeline, 600 frames
    python benchmarks/bench_ntf.py --real     # also the full C. elegans run

Sizes: 100 neurons x 3000 frames x 10 animals and 300 x 3000 x 5 (planted traces).
The CP stage is compared with tensortools' ``ncp_hals`` at the same rank, tolerance
and iteration cap, from the same number of random starts, on the same tensor
(float64 for tensortools, as it requires). Results go to benchmarks/out/bench_ntf.json.
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
from neurodeck_ntf.synthetic import planted_traces

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


def bench_size(n_neurons, n_times, n_animals, rank, n_restarts, tol, max_iter,
               with_tensortools, max_mb):
    traces, _ = planted_traces(n_neurons=n_neurons, n_animals=n_animals, n_times=n_times,
                               n_components=rank, seed=0)
    data, _ = traces.aligned()
    row = {"size": f"{n_neurons}x{n_times}x{n_animals}", "rank": rank, "restarts": n_restarts}
    with PeakRSS() as mem:
        t = time.perf_counter()
        deriv = aff.derivatives(data, traces.sfreq)
        tensor = aff.AffinityTensor(deriv, max_bytes=max_mb * 2**20)
        tensor.materialize()
        row["affinity_s"] = time.perf_counter() - t
        t = time.perf_counter()
        fits = cp.fit_restarts(tensor, rank, n_restarts=n_restarts, tol=tol, max_iter=max_iter)
        row["cp_s"] = time.perf_counter() - t
        row["cp_error"] = fits[0].rel_error
        row["cp_iters"] = [f.n_iter for f in fits]
        t = time.perf_counter()
        for c in range(rank):
            w = aff.pairs_to_matrix(fits[0].factors[0][:, c], n_neurons)
            communities.detect(w, "sbm", min_strength=0.05)
        row["sbm_s"] = time.perf_counter() - t
    row["tensor_cached"] = tensor.cached
    row["tensor_mb"] = tensor.nbytes / 2**20
    row["peak_rss_mb"] = mem.delta
    if with_tensortools:
        import tensortools

        x, _ = tensor.dense()
        x = x.astype(np.float64)
        tensortools.ncp_hals(x[:50], rank, max_iter=2, verbose=False)  # numba JIT, untimed
        with PeakRSS() as mem_tt:
            t = time.perf_counter()
            ref = [tensortools.ncp_hals(x, rank, random_state=s, tol=tol, max_iter=max_iter,
                                        verbose=False) for s in range(n_restarts)]
            row["tt_cp_s"] = time.perf_counter() - t
        best = min(ref, key=lambda r: r.obj)
        row["tt_error"] = float(np.linalg.norm(x - best.factors.full()) / np.linalg.norm(x))
        row["tt_iters"] = [int(r.iterations) for r in ref] if hasattr(ref[0], "iterations") \
            else None
        row["tt_peak_rss_mb"] = mem_tt.delta + x.nbytes / 2**20  # x made before the block
        row["speedup_vs_tensortools"] = row["tt_cp_s"] / row["cp_s"]
    return row


def bench_real(path):
    """The full C. elegans run: 7 NeuroPAL animals, neurons identified in all of them."""
    import h5py

    import neurodeck
    from neurodeck.data import Traces

    arrays, labels, names = [], [], []
    with h5py.File(path) as f:
        for key in sorted(f):
            g = f[key]
            if "neuron_label" not in g:
                continue
            lab = [x.decode() if isinstance(x, bytes) else str(x) for x in g["neuron_label"][:]]
            labels.append([x if x else f"{key}:#{i}" for i, x in enumerate(lab)])
            arrays.append(g["traces_F_over_F20"][:])
            names.append(key)
            sfreq = float(g.attrs["sampling_rate_hz"])
    traces = Traces(arrays, labels, sfreq, animals=names, name="celegans")
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
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--no-tensortools-300", action="store_true",
                    help="skip tensortools at 300 neurons (needs ~3x the tensor in float64)")
    args = ap.parse_args()
    frames = 600 if args.quick else 3000
    rows = [bench_size(100, frames, 10, rank=4, n_restarts=2, tol=1e-4, max_iter=200,
                       with_tensortools=True, max_mb=4096),
            bench_size(300, frames, 5, rank=4, n_restarts=1, tol=1e-4, max_iter=100,
                       with_tensortools=not args.no_tensortools_300, max_mb=1024)]
    print(f"{'size':>14} {'affinity s':>10} {'CP s':>8} {'TT CP s':>8} {'ratio':>6} "
          f"{'err':>7} {'TT err':>7} {'SBM s':>6} {'peak MiB':>9} {'TT peak':>8} cached")
    for r in rows:
        print(f"{r['size']:>14} {r['affinity_s']:10.2f} {r['cp_s']:8.2f} "
              f"{r.get('tt_cp_s', float('nan')):8.2f} "
              f"{r.get('speedup_vs_tensortools', float('nan')):6.2f} {r['cp_error']:7.4f} "
              f"{r.get('tt_error', float('nan')):7.4f} {r['sbm_s']:6.2f} "
              f"{r['peak_rss_mb']:9.0f} {r.get('tt_peak_rss_mb', float('nan')):8.0f} "
              f"{r['tensor_cached']}")
    out = {"sizes": rows}
    if args.real:
        from neurodeck.testing import shared_data_dir

        root = shared_data_dir()
        if root is not None:
            out["celegans"] = bench_real(root / "calcium" / "celegans_wholebrain_dag2023.h5")
            print(json.dumps(out["celegans"], indent=1))
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_ntf.json").write_text(json.dumps(out, indent=1, default=float))


if __name__ == "__main__":
    main()
