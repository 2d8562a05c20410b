"""Reader options checked against what the reader declares, before it sees them.

A reader's options are the keyword parameters of its ``read`` function, typed by its
annotations (``sfreq: float | None``, ``data_key: str | None``). Options from anywhere the
user did not type them (a workspace, a pipeline, a colleague's script) must never reach a
library keyword they were not meant for: MNE's ``preload=<str>`` names a file to write.
So unknown names are refused (a ``**kwargs`` catch-all accepts nothing), and each value
must have the declared type (JSON values: no objects).
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from ..errors import NotMine, ReadError


def declared(fn: Callable[..., Any]) -> dict[str, Any]:
    """``{option name: annotation}`` of a read function (the first parameter is the path)."""
    sig = inspect.signature(fn)
    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable annotations: untyped, JSON scalars only
        hints = {}
    params = list(sig.parameters.values())[1:]
    return {p.name: hints.get(p.name, Any) for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def fits(hint: Any, value: Any) -> bool:
    """Whether a JSON-like ``value`` has the type ``hint`` says."""
    if hint is Any or hint is inspect.Parameter.empty:
        return value is None or isinstance(value, (str, int, float, bool))
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(h, value) for h in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if isinstance(hint, type) and issubclass(hint, PurePath):
        return isinstance(value, (str, PurePath))
    if origin in (list, tuple, Sequence) or hint in (list, tuple):
        if not isinstance(value, (list, tuple)):
            return False
        args = typing.get_args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:  # tuple[int, int]
            return len(args) == len(value) and all(fits(a, v) for a, v in zip(args, value,
                                                                              strict=True))
        inner = args[0] if args else Any
        return all(fits(inner, v) for v in value)
    if origin in (dict, Mapping) or hint is dict:
        args = typing.get_args(hint)
        inner = args[1] if len(args) == 2 else Any
        return isinstance(value, dict) and all(isinstance(k, str) and fits(inner, v)
                                               for k, v in value.items())
    return False  # a type a JSON value cannot be (an object the reader expects)


def _type_name(hint: Any) -> str:
    text = getattr(hint, "__name__", None) if not typing.get_args(hint) else None
    return text or str(hint).replace("typing.", "")


def check(reader_id: str, fn: Callable[..., Any], options: Mapping[str, Any],
          path: object) -> dict[str, Any]:
    """The options, if ``fn`` takes each name with a value of its type; else a ReadError
    that names the option, what the reader takes and the file (``NotMine`` for a name it
    does not take: when several readers share an extension, the options say which one the
    caller meant)."""
    if not options:
        return {}
    allowed = declared(fn)
    for name, value in options.items():
        if name not in allowed:
            takes = ", ".join(sorted(allowed)) or "no options"
            raise NotMine(path, f"the {reader_id} reader has no option {name!r} (it takes: "
                                f"{takes})")
        if not fits(allowed[name], value):
            raise ReadError(path, f"option {name!r} of the {reader_id} reader must be "
                                  f"{_type_name(allowed[name])}, not {value!r:.60}")
    return dict(options)
