"""Checking what a plugin contributes before the app relies on it.

A contribution whose fields have the wrong types (``Reader(extensions=None)``,
``Analysis(accepts=None)``) would break every file open or ``neurodeck analyses`` far
from its cause; it is refused at discovery with a message naming the plugin and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

from .contributions import Analysis, Command, Reader, SampleData, Transform, View, Writer
from .params import Param

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:+-]{0,99}$")
COMMAND_RE = re.compile(r"^[a-z][a-z0-9-]{0,49}$")


def _is_ref(v: Any) -> bool:
    return callable(v) or (isinstance(v, str) and ":" in v and len(v) < 500)


def _is_strs(v: Any, *, empty: bool = True) -> bool:
    return isinstance(v, tuple) and (empty or bool(v)) and all(
        isinstance(x, str) and 0 < len(x) < 200 for x in v)


def _check(item: Any, rules: Mapping[str, Callable[[Any], bool]]) -> list[str]:
    bad = []
    for f in fields(item):
        rule = rules.get(f.name)
        if rule is not None and not rule(getattr(item, f.name)):
            bad.append(f"{f.name}={getattr(item, f.name)!r:.60}")
    return bad


_TEXT = (lambda v: isinstance(v, str) and len(v) < 20_000)  # noqa: E731
_ID = (lambda v: isinstance(v, str) and bool(ID_RE.match(v)))  # noqa: E731
_OPT_REF = (lambda v: v is None or _is_ref(v))  # noqa: E731
_INT = (lambda v: isinstance(v, int) and not isinstance(v, bool))  # noqa: E731


def _n_inputs(v: Any) -> bool:
    return (isinstance(v, tuple) and len(v) == 2 and _INT(v[0]) and v[0] >= 0
            and (v[1] is None or (_INT(v[1]) and v[1] >= max(v[0], 1))))


def _params(v: Any) -> bool:
    try:
        items = list(v)
    except TypeError:
        return False
    names = [p.name for p in items if isinstance(p, Param)]
    return len(names) == len(items) and len(set(names)) == len(names) and all(
        n.isidentifier() for n in names)


def _outputs(v: Any) -> bool:
    return isinstance(v, Mapping) and all(isinstance(k, str) and isinstance(d, str)
                                          for k, d in v.items())


RULES: dict[type, dict[str, Callable[[Any], bool]]] = {
    Reader: {"id": _ID, "title": _TEXT, "extensions": _is_strs, "read": _is_ref,
             "sniff": _OPT_REF, "produces": _is_strs, "priority": _INT, "members": _OPT_REF},
    Writer: {"id": _ID, "title": _TEXT, "extensions": lambda v: _is_strs(v, empty=False),
             "accepts": lambda v: _is_strs(v, empty=False), "write": _is_ref},
    Analysis: {"id": _ID, "title": _TEXT, "description": _TEXT, "reference": _TEXT,
               "category": _TEXT, "accepts": lambda v: _is_strs(v, empty=False),
               "run": _is_ref, "params": _params, "outputs": _outputs,
               "n_inputs": _n_inputs, "estimate": _OPT_REF},
    Transform: {"id": _ID, "title": _TEXT, "description": _TEXT, "reference": _TEXT,
                "category": _TEXT, "accepts": lambda v: _is_strs(v, empty=False),
                "produces": _is_strs, "run": _is_ref, "params": _params,
                "n_inputs": _n_inputs, "estimate": _OPT_REF},
    View: {"id": _ID, "title": _TEXT, "accepts": lambda v: _is_strs(v, empty=False),
           "widget": _is_ref, "priority": _INT},
    SampleData: {"id": _ID, "title": _TEXT, "description": _TEXT, "kind": _TEXT,
                 "path": lambda v: _is_ref(v) or isinstance(v, str)},
    Command: {"name": lambda v: isinstance(v, str) and bool(COMMAND_RE.match(v)),
              "help": _TEXT, "configure": _is_ref, "main": _is_ref},
}


def problems(item: Any) -> list[str]:
    """What is wrong with a contribution's fields (empty: nothing)."""
    rules = RULES.get(type(item))
    if rules is None:
        return [f"{item!r:.80} is not a contribution"]
    return _check(item, rules)
