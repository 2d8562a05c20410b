"""``neurodeck batch ANALYSIS --inputs GLOB|LIST --param K=V ... --out DIR``."""

from __future__ import annotations

import argparse
import sys
import threading


def configure_targets(p: argparse.ArgumentParser) -> None:
    """Inputs, output folder and cluster options (shared with ``pipeline run``)."""
    p.add_argument("--inputs", "-i", action="append", required=True, metavar="GLOB|LIST",
                   help="glob pattern, file, folder (a study: its members), or "
                        "comma-separated files (repeatable)")
    p.add_argument("--out", "-o", required=True, metavar="DIR")
    p.add_argument("--option", action="append", default=[], metavar="K=V",
                   help="reader option for every input, e.g. sfreq=10")
    p.add_argument("--member", metavar="KEY|INDEX",
                   help="one member of each multi-member input file")
    p.add_argument("--reader", help="force a reader by id")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running dask scheduler (tcp://host:8786)")
    p.add_argument("--workers", "-w", type=int, metavar="N",
                   help="local workers (default: in this process when the batch is small, "
                        "else one per core, at most one per input)")
    p.add_argument("--threads", action="store_true",
                   help="local workers as threads of this process instead of processes")
    p.add_argument("--timeout", type=float, metavar="SECONDS",
                   help="fail any input that runs longer (its worker is restarted)")
    p.add_argument("--force", action="store_true", help="recompute current results too")
    p.add_argument("--quiet", "-q", action="store_true")


def configure(p: argparse.ArgumentParser) -> None:
    p.description = ("Run ANALYSIS on every input (in this process for small batches, else a "
                     "local dask cluster sized to this machine, or --scheduler). Writes one "
                     "result per input and summary.csv to --out; inputs whose result is "
                     "current are skipped, so a batch can be restarted.")
    p.add_argument("analysis")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V")
    configure_targets(p)


def reporter(args: argparse.Namespace):
    lock = threading.Lock()
    done = [0]

    def report(path: str, state: str, fraction: float, message: str) -> None:
        if args.quiet or state in ("queued", "running"):
            return
        with lock:
            done[0] += 1
            extra = f"  {message}" if state == "failed" else ""
            print(f"[{done[0]:>4}] {state:<7} {path}{extra}", file=sys.stderr, flush=True)

    return report


def target_kwargs(args: argparse.Namespace) -> dict:
    from ..commands.options import reader_options

    return dict(scheduler=args.scheduler, workers=args.workers, processes=not args.threads,
                force=args.force, on_progress=reporter(args), reader=args.reader,
                options=reader_options(args.option), member=args.member,
                timeout=args.timeout)


def print_report(rep) -> int:
    n_ok = len(rep.items) - len(rep.failed)
    reused = sum(i.reused for i in rep.items)
    print(f"{n_ok}/{len(rep.items)} ok ({reused} current, skipped), {len(rep.failed)} failed "
          f"in {rep.wall_seconds:.1f} s; summary: {rep.summary}")
    return 1 if rep.failed else 0


def cmd_batch(args: argparse.Namespace) -> int:
    from ..commands.options import parse_pairs
    from .runner import run_batch

    rep = run_batch(args.analysis, args.inputs, parse_pairs(args.param), args.out,
                    **target_kwargs(args))
    return print_report(rep)
