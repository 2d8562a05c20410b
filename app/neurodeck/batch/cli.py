"""``neurodeck batch ANALYSIS --inputs GLOB|LIST --param K=V ... --out DIR``."""

from __future__ import annotations

import argparse
import sys
import threading


def configure_cli(sub) -> None:
    p = sub.add_parser(
        "batch", help="run an analysis over many files on dask.distributed",
        description="Run ANALYSIS on every input (a local dask cluster sized to this machine, "
                    "or --scheduler). Writes one result per input and summary.csv to --out; "
                    "inputs whose result is current are skipped, so a batch can be restarted.")
    p.add_argument("analysis")
    p.add_argument("--inputs", "-i", action="append", required=True, metavar="GLOB|LIST",
                   help="glob pattern, file, or comma-separated files (repeatable)")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V")
    p.add_argument("--out", "-o", required=True, metavar="DIR")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running dask scheduler (tcp://host:8786)")
    p.add_argument("--workers", "-w", type=int, metavar="N",
                   help="local workers (default: one per core, at most one per input)")
    p.add_argument("--threads", action="store_true",
                   help="local workers as threads of this process instead of processes")
    p.add_argument("--force", action="store_true", help="recompute current results too")
    p.add_argument("--quiet", "-q", action="store_true")


def cmd_batch(args: argparse.Namespace) -> int:
    from ..cli import parse_params
    from .runner import run_batch

    lock = threading.Lock()
    done = [0]

    def report(path: str, state: str, fraction: float, message: str) -> None:
        if args.quiet or state in ("queued", "running"):
            return
        with lock:
            done[0] += 1
            extra = f"  {message}" if state == "failed" else ""
            print(f"[{done[0]:>4}] {state:<7} {path}{extra}", file=sys.stderr, flush=True)

    rep = run_batch(args.analysis, args.inputs, parse_params(args.param), args.out,
                    scheduler=args.scheduler, workers=args.workers,
                    processes=not args.threads, force=args.force, on_progress=report)
    n_ok = len(rep.items) - len(rep.failed)
    reused = sum(i.reused for i in rep.items)
    print(f"{n_ok}/{len(rep.items)} ok ({reused} current, skipped), {len(rep.failed)} failed "
          f"in {rep.wall_seconds:.1f} s; summary: {rep.summary}")
    return 1 if rep.failed else 0
