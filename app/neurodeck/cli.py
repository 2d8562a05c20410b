"""The ``neurodeck`` command.

``neurodeck``                      start the GUI (on bundled sample data)
``neurodeck FILE [FILE...]``       start the GUI with files (or folders: studies) open
``neurodeck COMMAND ...``          a sub-command: ``info``, ``plugins``, ``analyses``,
                                   ``transforms``, ``run``, ``transform``, ``batch``,
                                   ``pipeline``, ``install-plugin``, ``remove-plugin``,
                                   ``new-plugin``, and those plugins add
                                   (``neurodeck --help`` lists them all)

Every sub-command, the built-in ones included, is a ``Command`` contribution
(``neurodeck.commands`` is the core's own plugin). A word that is neither a command nor an
existing file is an error, not a GUI start.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Sequence
from typing import Any

from . import api
from ._version import __version__
from .errors import NeurodeckError
from .plugin_api.lazy import resolve


def commands(pm) -> dict[str, Any]:
    """Commands by name (the plugin manager keeps the built-in one of two with one name and
    reports the other in ``neurodeck plugins``)."""
    return {cmd.name: cmd for cmd in pm.contributions("commands")}


def _parser(table: dict[str, Any]) -> tuple[argparse.ArgumentParser, dict[str, Any]]:
    parser = argparse.ArgumentParser(
        prog="neurodeck", description="Open neuroscience data, run analyses, view results. "
        "With no command: the GUI (on bundled sample data), or the files given.")
    parser.add_argument("--version", action="version", version=f"neurodeck {__version__}")
    parser.add_argument("--safe-mode", action="store_true",
                        help="start with third-party plugins disabled")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    usable: dict[str, Any] = {}
    for name, cmd in table.items():
        try:
            p = sub.add_parser(name, help=cmd.help, description=cmd.help)
            resolve(cmd.configure)(p)
            usable[name] = cmd
        except Exception as exc:  # noqa: BLE001 - a broken plugin command must not break the CLI
            print(f"warning: command {name!r} from plugin {cmd.plugin!r} is broken: {exc}",
                  file=sys.stderr)
    return parser, usable


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    safe = "--safe-mode" in argv
    rest = [a for a in argv if a != "--safe-mode"]
    first = rest[0] if rest else None
    if first is None:
        return _gui([], safe)
    pm = api.plugin_manager(safe_mode=safe)
    table = commands(pm)
    if first not in table and not first.startswith("-"):
        files = [a for a in rest if not a.startswith("-")]
        missing = [f for f in files if not os.path.exists(f)]
        if not missing:
            return _gui(rest, safe)
        close = difflib.get_close_matches(first, list(table), n=3)
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        print(f"neurodeck: error: {missing[0]!r} is neither a command nor an existing file"
              f"{hint}. Commands: {', '.join(sorted(table))}; `neurodeck --help` explains them.",
              file=sys.stderr)
        return 2
    parser, usable = _parser(table)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(resolve(usable[args.command].main)(args) or 0)
    except NeurodeckError as exc:
        print(f"neurodeck: error: {exc}", file=sys.stderr)
        return 2
    except KeyError as exc:
        print(f"neurodeck: error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neurodeck: interrupted", file=sys.stderr)
        return 130


def _gui(files: list[str], safe: bool) -> int:
    from .gui.app import main as gui_main

    return gui_main(files, safe_mode=safe)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
