"""``neurodeck run`` (an analysis) and ``neurodeck transform`` (a transform), headless."""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from .. import api, engine
from ..errors import NeurodeckError
from ..jobs.progress import Progress, TextProgressBar
from .options import add_input_args, add_param_args, open_input, parse_pairs


def configure_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("analysis")
    p.add_argument("--input", "-i", action="append", required=True, metavar="FILE",
                   help="input file (repeatable); a folder is a study of its files")
    add_param_args(p)
    add_input_args(p)
    p.add_argument("--output", "-o", required=True, metavar="RESULT.h5")


def configure_transform(p: argparse.ArgumentParser) -> None:
    p.add_argument("transform")
    p.add_argument("--input", "-i", action="append", required=True, metavar="FILE")
    add_param_args(p)
    add_input_args(p)
    p.add_argument("--output", "-o", required=True, metavar="FILE",
                   help="where to write the new dataset (the extension picks the writer)")
    p.add_argument("--writer", help="force a writer by id")


def _execute(step: engine.Prepared, args: argparse.Namespace):
    progress = Progress()
    bar = None if args.quiet else TextProgressBar(sys.stderr)
    if bar:
        progress.add_listener(bar)
    try:
        inputs = [open_input(p, args) for p in args.input]
        return engine.execute(step, inputs, progress)
    finally:
        if bar:
            bar.close()


def _fail(what: str, exc: Exception) -> int:
    traceback.print_exc(file=sys.stderr)
    print(f"neurodeck: error: {what} failed: {exc}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    # Parameters are validated once, before any file is opened.
    step = engine.prepare(api.plugin_manager().analysis(args.analysis), parse_pairs(args.param))
    try:
        result = _execute(step, args)
    except NeurodeckError:
        raise
    except Exception as exc:  # noqa: BLE001 - report the analysis failure, not a crash
        return _fail(f"analysis {args.analysis!r}", exc)
    path = result.save(args.output)
    print(f"wrote {path} ({', '.join(f'{k} {list(v.shape)}' for k, v in result.items())})")
    return 0


def transform(args: argparse.Namespace) -> int:
    from ..writers import choose_writer, write_dataset

    pm = api.plugin_manager()
    step = engine.prepare(pm.transform(args.transform), parse_pairs(args.param))
    try:
        out = _execute(step, args)
    except NeurodeckError:
        raise
    except Exception as exc:  # noqa: BLE001
        return _fail(f"transform {args.transform!r}", exc)
    choose_writer(pm, out, args.output, args.writer)  # fails before writing anything
    path = write_dataset(pm, out, Path(args.output), args.writer)
    facts = out.summary()
    shown = ", ".join(f"{k} {facts[k]}" for k in ("kind", "rows", "samples", "epochs", "members")
                      if k in facts)
    print(f"wrote {path} ({shown})")
    return 0
