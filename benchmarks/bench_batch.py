"""Batch benchmark: throughput of ``neurodeck batch`` with 1 and 2 dask workers.

    python benchmarks/bench_batch.py              # 40 inputs (the issue's size)
    python benchmarks/bench_batch.py --n 8        # quicker

Inputs: 40 copies of the bundled EEG recording (64 channels, 160 Hz, 125 s; each input
is opened with MNE and gets a full-length Pearson FC). Three runs, same inputs:

- reference: a plain sequential loop of ``neurodeck.run`` + ``Result.save`` in this
  process (no dask) - what a user would write by hand;
- ``run_batch`` on a LocalCluster of 1 and of 2 single-threaded worker *processes*
  (the CLI default), each timed end to end (cluster start and shutdown included, and
  also reported without them: first task start to last task end).

Scaling ratio = throughput(2 workers) / throughput(1 worker). This machine has 2 cores
shared with other jobs, so the ratio is bounded by 2 and lowered by whatever else runs.
Results go to benchmarks/out/bench_batch.json.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40)
    args = ap.parse_args()

    import neurodeck
    from neurodeck.batch import run_batch
    from neurodeck.paths import resource_path

    eeg = resource_path("samples", "eegmmidb_S001R04.edf")
    tmp = Path(tempfile.mkdtemp(prefix="nd-bench-batch-"))
    try:
        inputs = tmp / "in"
        inputs.mkdir()
        for i in range(args.n):
            shutil.copyfile(eeg, inputs / f"sub-{i:02d}_eeg.edf")
        files = sorted(inputs.glob("*.edf"))
        params = {"method": "pearson"}

        t0 = time.perf_counter()
        (tmp / "seq").mkdir()
        for f in files:
            neurodeck.run("fc", f, **params).save(tmp / "seq" / (f.stem + ".h5"))
        seq = time.perf_counter() - t0
        rows = [{"run": "sequential loop (reference)", "workers": 1, "wall_s": seq,
                 "tasks_s": seq, "per_input_s": seq / len(files)}]

        for workers in (1, 2):
            rep = run_batch("fc", str(inputs / "*.edf"), params, tmp / f"w{workers}",
                            workers=workers)
            assert not rep.failed, rep.failed[:1]
            starts = [_dt.datetime.fromisoformat(i.started).timestamp() for i in rep.items]
            span = max(s + i.seconds for s, i in zip(starts, rep.items, strict=True)) - min(
                starts)
            rows.append({"run": f"run_batch, {workers} worker process(es)", "workers": workers,
                         "wall_s": rep.wall_seconds, "tasks_s": span,
                         "per_input_s": sum(i.seconds for i in rep.items) / len(rep.items)})
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    for r in rows:
        r["throughput_per_s"] = args.n / r["wall_s"]
    w1, w2 = rows[1], rows[2]
    summary = {
        "n_inputs": args.n, "cpu_count": os.cpu_count(),
        "scaling_ratio_wall": w2["throughput_per_s"] / w1["throughput_per_s"],
        "scaling_ratio_tasks": w1["tasks_s"] / w2["tasks_s"],
        "batch1_vs_sequential_wall": w1["wall_s"] / rows[0]["wall_s"],
        "rows": rows,
    }
    print(f"{'run':<38} {'wall s':>8} {'tasks s':>8} {'inputs/s':>9} {'s/input':>8}")
    for r in rows:
        print(f"{r['run']:<38} {r['wall_s']:>8.2f} {r['tasks_s']:>8.2f} "
              f"{r['throughput_per_s']:>9.2f} {r['per_input_s']:>8.3f}")
    print(f"scaling 2 vs 1 worker: {summary['scaling_ratio_wall']:.2f}x end to end, "
          f"{summary['scaling_ratio_tasks']:.2f}x first-task-to-last-task; "
          f"1-worker batch / sequential loop: {summary['batch1_vs_sequential_wall']:.2f}")
    OUT.mkdir(exist_ok=True)
    (OUT / "bench_batch.json").write_text(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
