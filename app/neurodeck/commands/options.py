"""Command-line arguments shared by the commands: ``--param``, ``--option``, ``--member``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from ..errors import NeurodeckError


def parse_pairs(pairs: Sequence[str], flag: str = "--param") -> dict[str, str]:
    """``["K=V", ...]`` -> ``{"K": "V"}`` (values stay text: the schema coerces them)."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise NeurodeckError(f"{flag} {pair!r} is not of the form NAME=VALUE")
        out[key.strip()] = value
    return out


def literal(text: str) -> Any:
    """A reader option from the command line: a number, true/false/none, a JSON list, or text."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (int, float, list)) else text


def reader_options(pairs: Sequence[str]) -> dict[str, Any]:
    return {k: literal(v) for k, v in parse_pairs(pairs, "--option").items()}


def add_input_args(p: argparse.ArgumentParser, *, many: bool = True) -> None:
    p.add_argument("--option", action="append", default=[], metavar="K=V",
                   help="reader option for the input(s), e.g. data_key=traces or sfreq=10")
    p.add_argument("--member", metavar="KEY|INDEX",
                   help="one member of a multi-member input (subject, animal, group)")
    p.add_argument("--reader", help="force a reader by id")


def add_param_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--param", "-p", action="append", default=[], metavar="K=V",
                   help="parameter value (repeatable); see `neurodeck analyses`/`transforms`")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def open_input(path: str, args: argparse.Namespace):
    """The dataset ``path`` holds, with the command's reader, options and member."""
    from .. import api
    from ..data.study import pick_one

    options = reader_options(getattr(args, "option", []) or [])
    member = getattr(args, "member", None)
    reader = getattr(args, "reader", None)
    out = api.open(path, reader=reader, member=member, **options)
    if isinstance(out, list):
        return pick_one(out, None, path)
    return out
