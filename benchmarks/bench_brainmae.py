"""BrainMAE inference throughput: numpy (what the app ships) vs the PyTorch CPU twin.

Workload (issue 7): subjects of 100 regions x 1,200 frames, the shipped architecture
with random weights. Per subject both engines run the same forward passes the
analysis runs: one unmasked pass (embeddings) and ceil(1 / mask_ratio) masked passes
(reconstruction). Each engine runs in its own subprocess with the same thread count,
so peak memory (max RSS above the post-import baseline) is its own. The numpy row
"full analysis" adds the baselines and bookkeeping of ``neurodeck.run``.

Run: ``python benchmarks/bench_brainmae.py [--subjects 8] [--threads 1] [--quick]``;
prints a table and writes benchmarks/out/bench_brainmae.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

N_REGIONS, N_FRAMES, MASK_RATIO = 100, 1200, 0.5


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def worker(engine: str, n_subjects: int, threads: int) -> dict:
    import numpy as np
    from neurodeck_brainmae.config import Architecture, BrainMAEConfig
    from neurodeck_brainmae.infer import cut, mask_passes, normalise, segment_starts

    cfg = BrainMAEConfig(Architecture(n_regions=N_REGIONS), tr=0.72)
    rng = np.random.default_rng(0)
    data = [rng.standard_normal((N_REGIONS, N_FRAMES)) for _ in range(n_subjects)]
    tau = cfg.architecture.segment_length

    def inputs(x):
        z = normalise(x)[0]
        starts = segment_starts(N_FRAMES, tau)
        vis = mask_passes(len(starts), N_REGIONS, MASK_RATIO, np.random.default_rng(1))
        return cut(z, starts, tau)[None], vis, (starts / tau)[None]

    if engine == "torch":
        import torch
        from neurodeck_brainmae.torch_model import TorchBrainMAE

        torch.set_num_threads(threads)
        torch.manual_seed(0)
        net = TorchBrainMAE(cfg).eval()

        def one(x):
            segs, vis, pos = inputs(x)
            with torch.inference_mode():
                s, p = torch.from_numpy(segs), torch.from_numpy(pos)
                net(s, None, p)
                for k in range(vis.shape[0]):
                    net(s, torch.from_numpy(vis[k:k + 1]), p)
    else:
        from neurodeck_brainmae.model_np import NumpyBrainMAE, expected_shapes

        # Random weights drawn in numpy: the numpy engine never imports torch.
        model = NumpyBrainMAE(cfg, {
            k: (rng.standard_normal(shape) / np.sqrt(shape[-1])).astype(np.float32)
            for k, shape in expected_shapes(cfg.architecture).items()})

        if engine == "numpy-full":
            from neurodeck_brainmae.infer import run_scan

            def one(x):
                run_scan(model, x, MASK_RATIO, np.random.default_rng(1))
        else:
            def one(x):
                segs, vis, pos = inputs(x)
                model.forward(segs, None, pos)
                for k in range(vis.shape[0]):
                    model.forward(segs, vis[k:k + 1], pos)

    base = _maxrss_mb()  # after imports, model and input data
    one(data[0])  # warm-up: first-call allocations and lazy imports
    t0, c0 = time.perf_counter(), time.process_time()
    for x in data:
        one(x)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"engine": engine, "subjects": n_subjects, "threads": threads,
            "subjects_per_s": n_subjects / wall, "cpu_s_per_subject": cpu / n_subjects,
            "peak_rss_mb": _maxrss_mb(), "peak_above_baseline_mb": _maxrss_mb() - base}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="2 subjects")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    n = 2 if args.quick else args.subjects
    if args.worker:
        print(json.dumps(worker(args.worker, n, args.threads)))
        return
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    rows = []
    for engine in ("numpy", "torch", "numpy-full"):
        out = subprocess.run([sys.executable, __file__, "--worker", engine, "--subjects",
                              str(n), "--threads", str(args.threads)],
                             capture_output=True, text=True, env=env, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    ratio = rows[0]["subjects_per_s"] / rows[1]["subjects_per_s"]
    print(f"BrainMAE inference, {N_REGIONS} regions x {N_FRAMES} frames, mask_ratio "
          f"{MASK_RATIO}, {n} subjects, {args.threads} thread(s)")
    print(f"{'engine':<12}{'subjects/s':>12}{'CPU s/subject':>15}{'peak RSS MB':>13}"
          f"{'peak - base MB':>16}")  # base: after imports, model, data
    for r in rows:
        print(f"{r['engine']:<12}{r['subjects_per_s']:>12.2f}{r['cpu_s_per_subject']:>15.3f}"
              f"{r['peak_rss_mb']:>13.0f}{r['peak_above_baseline_mb']:>16.0f}")
    print(f"numpy / torch throughput ratio (same forward passes): {ratio:.2f}")
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "bench_brainmae.json").write_text(json.dumps(
        {"rows": rows, "numpy_over_torch": ratio, "regions": N_REGIONS, "frames": N_FRAMES,
         "mask_ratio": MASK_RATIO}, indent=1))


if __name__ == "__main__":
    main()
