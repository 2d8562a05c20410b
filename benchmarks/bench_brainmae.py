"""BrainMAE inference throughput: numpy (what the app ships) vs the PyTorch CPU twin.

Workload (issues 7 and 18): subjects of 100 regions x 1,200 frames, the shipped
checkpoint's architecture with random weights (the same weights in both engines). Per
subject both engines run the forward passes the analysis runs: one unmasked pass
(embeddings only: encoder and temporal transformer) and ceil(N / m) masked passes
(reconstruction, mask_ratio 0.5). The two
engines are timed in one process, interleaved (numpy, torch, numpy, ...), with equal
repeats after a warm-up call each, at 1 thread (BLAS and torch) and again at 2. Results
must agree to 1e-5 (max absolute difference, recorded). The numpy row "full analysis"
is ``run_scan`` as ``neurodeck.run`` calls it (baselines and bookkeeping included).

Peak memory is measured apart: each engine runs in its own subprocess, and the peak RSS
above the post-import baseline is its own.

Run: ``python benchmarks/bench_brainmae.py [--quick]`` (quick: 3 repeats of 2 subjects
instead of 7 of 6); writes benchmarks/results/brainmae[-quick].json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

from harness import compare, environment, fmt_spread, write_results

RESULTS = "brainmae"
N_REGIONS, N_FRAMES, MASK_RATIO = 100, 1200, 0.5


def _setup(threads: int):
    """Config, numpy model, torch twin (same weights) and inputs."""
    import numpy as np
    from neurodeck_brainmae import checkpoint
    from neurodeck_brainmae.config import Architecture, BrainMAEConfig
    from neurodeck_brainmae.model_np import NumpyBrainMAE, expected_shapes

    shipped = checkpoint.load_config(checkpoint.SHIPPED.with_suffix(".json")).architecture
    arch = Architecture(**{**shipped.__dict__, "n_regions": N_REGIONS})
    cfg = BrainMAEConfig(arch, tr=0.72)
    rng = np.random.default_rng(0)
    weights = {}
    for k, shape in expected_shapes(arch).items():
        w = rng.standard_normal(shape) / np.sqrt(shape[-1])
        if "norm" in k and k.endswith(".weight"):
            w = 1.0 + 0.1 * w
        weights[k] = w.astype(np.float32)
    data = [rng.standard_normal((N_REGIONS, N_FRAMES)) for _ in range(8)]
    return cfg, weights, NumpyBrainMAE(cfg, weights), data


def _passes(cfg, x):
    import numpy as np
    from neurodeck_brainmae.infer import cut, mask_passes, normalise, segment_starts

    tau = cfg.architecture.segment_length
    z = normalise(x)[0]
    starts = segment_starts(N_FRAMES, tau)
    vis = mask_passes(len(starts), N_REGIONS, MASK_RATIO, np.random.default_rng(1))
    return cut(z, starts, tau)[None], vis, (starts / tau)[None]


def _engines(cfg, weights, model, threads: int):
    import numpy as np
    import torch
    from neurodeck_brainmae.torch_model import TorchBrainMAE

    torch.set_num_threads(threads)
    net = TorchBrainMAE(cfg).eval()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})

    def run_numpy(x):
        segs, vis, pos = _passes(cfg, x)
        out = [model.forward(segs, None, pos, decode=False)[1]]
        out += [model.forward(segs, vis[k:k + 1], pos)[0] for k in range(vis.shape[0])]
        return out

    def run_torch(x):
        segs, vis, pos = _passes(cfg, x)
        with torch.inference_mode():
            s, p = torch.from_numpy(segs), torch.from_numpy(pos)
            out = [net(s, None, p, decode=False)[1].numpy()]
            out += [net(s, torch.from_numpy(vis[k:k + 1]), p)[0].numpy()
                    for k in range(vis.shape[0])]
        return out

    def run_full(x):
        from neurodeck_brainmae.infer import run_scan

        return run_scan(model, x, MASK_RATIO, np.random.default_rng(1))

    return run_numpy, run_torch, run_full


def timing(threads: int, n_subjects: int, repeats: int) -> dict:
    import numpy as np
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads):
        cfg, weights, model, data = _setup(threads)
        run_numpy, run_torch, run_full = _engines(cfg, weights, model, threads)
        subjects = data[:n_subjects]
        diff = max(float(np.abs(a - b).max())
                   for a, b in zip(run_numpy(data[0]), run_torch(data[0]), strict=True))
        res = compare({"numpy": lambda: [run_numpy(x) for x in subjects],
                       "torch": lambda: [run_torch(x) for x in subjects],
                       "numpy_full": lambda: [run_full(x) for x in subjects]},
                      repeats=repeats)
    out = {"threads": threads, "subjects": n_subjects, "max_abs_diff": diff}
    for name, rec in res.items():
        out[name] = {"wall": rec["wall"], "cpu": rec["cpu"],
                     "subjects_per_s": n_subjects / rec["wall"]["median"]}
    out["numpy_over_torch"] = out["numpy"]["subjects_per_s"] / out["torch"]["subjects_per_s"]
    return out


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def memory_worker(engine: str) -> dict:
    """Peak RSS of one engine on 2 subjects, in a fresh process (1 thread)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        cfg, weights, model, data = _setup(1)
        if engine == "numpy":
            import numpy as np
            from neurodeck_brainmae.infer import run_scan

            def one(x):
                return run_scan(model, x, MASK_RATIO, np.random.default_rng(1))
        else:
            run_torch = _engines(cfg, weights, model, 1)[1]
            one = run_torch
        base = _maxrss_mb()  # after imports, model and input data
        for x in data[:2]:
            one(x)
        return {"engine": engine, "peak_rss_mb": _maxrss_mb(),
                "peak_above_baseline_mb": _maxrss_mb() - base}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="3 repeats of 2 subjects")
    ap.add_argument("--memory-worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_worker:
        print(json.dumps(memory_worker(args.memory_worker)))
        return
    env = environment()
    n, repeats = (2, 3) if args.quick else (6, 7)
    rows = [timing(t, n, repeats) for t in (1, 2)]
    memory = []
    for engine in ("numpy", "torch"):
        out = subprocess.run([sys.executable, __file__, "--memory-worker", engine],
                             capture_output=True, text=True, check=True,
                             cwd=Path(__file__).parent)
        memory.append(json.loads(out.stdout.strip().splitlines()[-1]))
    doc = {"workload": {"regions": N_REGIONS, "frames": N_FRAMES, "mask_ratio": MASK_RATIO,
                        "repeats": repeats, "subjects_per_repeat": n},
           "timing": rows, "memory": memory}
    write_results(RESULTS, doc, quick=args.quick, env=env)
    for r in rows:
        print(f"{r['threads']} thread(s): numpy {r['numpy']['subjects_per_s']:.2f} /s, torch "
              f"{r['torch']['subjects_per_s']:.2f} /s, ratio {r['numpy_over_torch']:.2f}, "
              f"max |diff| {r['max_abs_diff']:.1e}")


def tables(doc: dict) -> dict[str, str]:
    """The docs table (docs/brainmae.md, marker ``brainmae``)."""
    env = doc["environment"]
    lines = ["| threads | engine | subjects/s | wall per subject, median (min-max) | "
             "CPU s per subject |", "|---|---|---|---|---|"]
    names = {"numpy": "numpy (forward passes)", "torch": "PyTorch CPU twin (same passes)",
             "numpy_full": "numpy, full analysis (+ baselines)"}
    for r in doc["timing"]:
        n = r["subjects"]
        for key, label in names.items():
            rec = r[key]
            per = {k: v / n for k, v in rec["wall"].items() if k in ("median", "min", "max")}
            lines.append(f"| {r['threads']} | {label} | {rec['subjects_per_s']:.2f} | "
                         f"{fmt_spread(per)} | {rec['cpu']['median'] / n:.3f} |")
    ratios = ", ".join(f"{r['numpy_over_torch']:.2f}x at {r['threads']} thread(s)"
                       for r in doc["timing"])
    diff = max(r["max_abs_diff"] for r in doc["timing"])
    mem = {m["engine"]: m for m in doc["memory"]}
    lines += ["", f"numpy / PyTorch throughput: {ratios}; largest difference between the two "
              f"engines' outputs {diff:.1e}. Peak memory (own process, 1 thread, 2 subjects): "
              f"numpy {mem['numpy']['peak_rss_mb']:.0f} MB "
              f"({mem['numpy']['peak_above_baseline_mb']:.0f} MB above its post-import "
              f"baseline), PyTorch {mem['torch']['peak_rss_mb']:.0f} MB "
              f"({mem['torch']['peak_above_baseline_mb']:.0f} MB). "
              f"{doc['workload']['repeats']} interleaved repeats of "
              f"{doc['workload']['subjects_per_repeat']} subjects; load average "
              f"{env['loadavg_start']} at the start, {env['loadavg_end']} at the end, "
              f"{env['cpu_count']} cores, numpy {env['numpy']}."]
    return {"brainmae": "\n".join(lines)}


if __name__ == "__main__":
    main()
