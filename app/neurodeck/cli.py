"""The ``neurodeck`` command.

``neurodeck``                      start the GUI (on bundled sample data)
``neurodeck FILE [FILE...]``       start the GUI with files open
``neurodeck info FILE``            what the reader sees
``neurodeck plugins [--json]``     installed plugins, versions, status
``neurodeck analyses [--json]``    analyses with their parameter schemas
``neurodeck run ANALYSIS --input FILE ... --param K=V ... --output RESULT.h5``
``neurodeck batch ANALYSIS --inputs GLOB|LIST --param K=V ... --out DIR``   on dask
``neurodeck install-plugin WHEEL|NAME`` / ``remove-plugin NAME``   per-user plugins
``neurodeck new-plugin NAME``      a plugin project from the template
Plugins add sub-commands through the ``neurodeck_commands`` hook.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from . import api, templates
from ._version import __version__
from .batch import cli as batch_cli
from .errors import NeurodeckError
from .plugin_api import installer
from .plugin_api.lazy import resolve

BUILTIN_COMMANDS = ("info", "plugins", "analyses", "run", "batch",
                    "install-plugin", "remove-plugin", "new-plugin")


def _parser(pm) -> tuple[argparse.ArgumentParser, dict[str, Any]]:
    parser = argparse.ArgumentParser(
        prog="neurodeck", description="Open neuroscience data, run analyses, view results.")
    parser.add_argument("--version", action="version", version=f"neurodeck {__version__}")
    parser.add_argument("--safe-mode", action="store_true",
                        help="start with third-party plugins disabled")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("info", help="describe what the reader sees in a file")
    p.add_argument("file")
    p.add_argument("--reader", help="force a reader by id")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("plugins", help="list installed plugins")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("analyses", help="list analyses and their parameters")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("run", help="run an analysis headless")
    p.add_argument("analysis")
    p.add_argument("--input", "-i", action="append", required=True, metavar="FILE")
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V")
    p.add_argument("--output", "-o", required=True, metavar="RESULT.h5")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    batch_cli.configure_cli(sub)
    installer.configure_cli(sub)
    templates.configure_cli(sub)

    extra: dict[str, Any] = {}
    for cmd in pm.contributions("commands"):
        if cmd.name in BUILTIN_COMMANDS or cmd.name in extra:
            continue
        try:
            p = sub.add_parser(cmd.name, help=cmd.help)
            resolve(cmd.configure)(p)
            extra[cmd.name] = cmd
        except Exception as exc:  # noqa: BLE001 - a broken plugin command must not break the CLI
            print(f"warning: command {cmd.name!r} from plugin {cmd.plugin!r} is broken: {exc}",
                  file=sys.stderr)
    return parser, extra


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    safe = "--safe-mode" in argv
    known = set(BUILTIN_COMMANDS) | {"-h", "--help", "--version"}
    first = next((a for a in argv if a != "--safe-mode"), None)
    if first is None or (first not in known and not _is_plugin_command(first, safe)):
        # No sub-command: the GUI, with any files given.
        from .gui.app import main as gui_main

        return gui_main([a for a in argv if a != "--safe-mode"], safe_mode=safe)

    pm = api.plugin_manager(safe_mode=safe)
    parser, extra = _parser(pm)
    args = parser.parse_args(argv)
    try:
        if args.command in extra:
            return int(resolve(extra[args.command].main)(args) or 0)
        return {"info": cmd_info, "plugins": cmd_plugins, "analyses": cmd_analyses,
                "run": cmd_run, "batch": batch_cli.cmd_batch,
                "install-plugin": installer.cmd_install,
                "remove-plugin": installer.cmd_remove,
                "new-plugin": templates.cmd_new_plugin}[args.command](args)
    except NeurodeckError as exc:
        print(f"neurodeck: error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"neurodeck: error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neurodeck: interrupted", file=sys.stderr)
        return 130


def _is_plugin_command(name: str, safe: bool) -> bool:
    if name.startswith("-") or "." in name or "/" in name or "\\" in name:
        return False
    pm = api.plugin_manager(safe_mode=safe)
    return any(c.name == name for c in pm.contributions("commands"))


def cmd_info(args: argparse.Namespace) -> int:
    out = api.open(args.file, reader=args.reader)
    items = out if isinstance(out, list) else [out]
    summaries = [ds.summary() for ds in items]
    if args.json:
        print(json.dumps(summaries if isinstance(out, list) else summaries[0], indent=2,
                         default=str))
    else:
        for s in summaries:
            width = max(len(k) for k in s)
            for k, v in s.items():
                print(f"{k:<{width}}  {v}")
            print()
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    infos = api.plugins()
    if args.json:
        print(json.dumps([i.to_json() for i in infos], indent=2))
        return 0
    for i in sorted(infos, key=lambda i: i.name):
        origin = "built-in" if i.builtin else (i.distribution or "registered")
        print(f"{i.name:<14} {i.version:<10} {i.status:<9} {origin}")
        for err in i.errors:
            print("    " + err.strip().splitlines()[-1])
    return 0


def cmd_analyses(args: argparse.Namespace) -> int:
    specs = api.analyses()
    if args.json:
        print(json.dumps([a.to_json() for a in specs], indent=2, default=str))
        return 0
    for a in sorted(specs, key=lambda a: a.id):
        print(f"{a.id:<12} {a.title}  [{', '.join(a.accepts)}]  ({a.plugin})")
        for p in a.params:
            print(f"    {p.name:<16} {p.type_name:<8} default={p.default!r:<10} {p.help}")
    return 0


def parse_params(pairs: Sequence[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise NeurodeckError(f"--param {pair!r} is not of the form NAME=VALUE")
        out[key.strip()] = value
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from .jobs.progress import Progress, TextProgressBar

    params = parse_params(args.param)
    spec = api.plugin_manager().analysis(args.analysis)
    spec.schema.resolve(params)  # fail on bad parameters before opening any file
    progress = Progress()
    bar = None if args.quiet else TextProgressBar(sys.stderr)
    if bar:
        progress.add_listener(bar)
    try:
        result = api.run(args.analysis, *args.input, progress=progress, **params)
    except NeurodeckError:
        raise
    except Exception as exc:  # noqa: BLE001 - report the analysis failure, not a crash
        if bar:
            bar.close()
        traceback.print_exc(file=sys.stderr)
        print(f"neurodeck: error: analysis {args.analysis!r} failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if bar:
            bar.close()
    path = result.save(args.output)
    print(f"wrote {path} ({', '.join(f'{k} {list(v.shape)}' for k, v in result.items())})")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
