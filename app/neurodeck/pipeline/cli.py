"""``neurodeck pipeline run|check|show STEPS.toml``."""

from __future__ import annotations

import argparse


def configure(p: argparse.ArgumentParser) -> None:
    from ..batch.cli import configure_targets

    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    r = sub.add_parser("run", help="run the pipeline over many inputs (dask.distributed)",
                       description="Apply the pipeline to every input; one output per input "
                                   "and summary.csv in --out (restartable).")
    r.add_argument("pipeline", metavar="STEPS.toml")
    configure_targets(r)
    for name, text in (("check", "validate the pipeline against the installed plugins"),
                       ("show", "print the steps and their parameters")):
        q = sub.add_parser(name, help=text)
        q.add_argument("pipeline", metavar="STEPS.toml")


def main(args: argparse.Namespace) -> int:
    from . import load

    pipeline = load(args.pipeline)
    if args.action in ("check", "show"):
        print(f"{args.pipeline}: {len(pipeline.steps)} step(s)"
              + (f" ({pipeline.name})" if pipeline.name else ""))
        for line in pipeline.describe():
            print("  " + line)
        return 0
    from ..batch.cli import print_report, target_kwargs
    from ..batch.runner import run_pipeline

    return print_report(run_pipeline(pipeline, args.inputs, args.out, **target_kwargs(args)))
