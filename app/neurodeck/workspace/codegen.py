"""Python source for literals and calls, laid out as black / ``ruff format`` would.

A construct stays on one line when it fits in :data:`WIDTH`; otherwise it is exploded
one element per line with a trailing comma - the "magic trailing comma" that tells the
formatters to keep it exploded, so the output is stable under ``ruff format``.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH = 99
INDENT = "    "
_ONE_LINE = 10**9


@dataclass(frozen=True)
class Code:
    """Source text used as is (a name, an expression)."""

    text: str


@dataclass(frozen=True)
class Call:
    """``func(args)``; each argument is ``(prefix, value)``: prefix ``""``, ``"name="``
    or ``"**"``, value a :class:`Code`, a :class:`Call` or a JSON-like value."""

    func: str
    args: Sequence[tuple[str, Any]] = field(default_factory=tuple)


@dataclass(frozen=True)
class Var:
    """A variable in a statement a plugin writes for the exported script (data, never
    source text): ``Var("raw")`` is a name the step bound earlier, ``Var(0)`` the step's
    first input; ``attr`` is a dotted attribute path after it and ``key`` one literal
    subscript after that: ``Var("raw", "info", "sfreq")`` is ``raw.info["sfreq"]``."""

    name: str | int
    attr: str = ""
    key: Any = None


@dataclass(frozen=True)
class Stmt:
    """One statement of a transform's exported form: ``targets = call`` (or ``call`` alone).
    ``call.func`` is a dotted name whose first part is a module the transform declares, a
    name bound by an earlier statement, or an input written ``"@0"``, ``"@1"``...; the
    arguments are literals, :class:`Var` or nested :class:`Call` of the same kind."""

    call: Call
    targets: tuple[str, ...] = ()


def kwargs(values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Keyword arguments; names that are not identifiers go through ``**{...}``."""
    out: list[tuple[str, Any]] = []
    for k, v in values.items():
        if k.isidentifier() and not keyword.iskeyword(k):
            out.append((f"{k}=", v))
        else:
            out.append(("**", {k: v}))
    return out


def scalar(v: Any) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return f'float("{v}")'
    r = repr(v)
    if isinstance(v, str) and r.startswith("'") and '"' not in v:
        r = '"' + r[1:-1] + '"'  # double quotes, as the formatters write them
    return r


def render(node: Any, level: int = 0, lead: int = 0, tail: int = 0,
           width: int = WIDTH) -> str:
    """Source for ``node`` starting ``lead`` characters after the indentation of
    ``level``, followed by ``tail`` characters on its last line."""
    if isinstance(node, Code):
        return node.text
    if isinstance(node, Call):
        parts = [(p, v) for p, v in node.args]
        return _bracketed(f"{node.func}(", ")", parts, level, lead, tail, width, False)
    if isinstance(node, Mapping):
        parts = [(scalar(k) + ": ", v) for k, v in node.items()]
        return _bracketed("{", "}", parts, level, lead, tail, width, False)
    if isinstance(node, tuple):
        return _bracketed("(", ")", [("", v) for v in node], level, lead, tail, width,
                          len(node) == 1)
    if isinstance(node, list):
        return _bracketed("[", "]", [("", v) for v in node], level, lead, tail, width, False)
    return scalar(node)


def _bracketed(open_: str, close: str, parts: list[tuple[str, Any]], level: int, lead: int,
               tail: int, width: int, single_tuple: bool) -> str:
    flat = ", ".join(p + render(v, width=_ONE_LINE) for p, v in parts)
    one = open_ + flat + ("," if single_tuple else "") + close
    if not parts or ("\n" not in one and len(INDENT) * level + lead + len(one) + tail <= width):
        return one
    pad = INDENT * (level + 1)
    lines = [pad + p + render(v, level + 1, len(p), 1, width) + "," for p, v in parts]
    return open_ + "\n" + "\n".join(lines) + "\n" + INDENT * level + close


def assign(target: str, value: Any) -> str:
    return f"{target} = {render(value, 0, len(target) + 3)}"


def statement(value: Any) -> str:
    return render(value)
