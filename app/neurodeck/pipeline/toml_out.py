"""A small TOML writer for pipeline documents (tables, arrays of tables, plain values).

Strings are written as JSON strings, which are valid TOML basic strings; ``None`` (an
optional parameter left unset) is written as ``"none"``, which the parameter schema reads
back as unset.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def _value(v: Any) -> str:
    if v is None:
        return '"none"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_key(str(k))} = {_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(str(v))


def _table(prefix: str, doc: Mapping[str, Any], out: list[str], header: str | None) -> None:
    scalars = {k: v for k, v in doc.items()
               if not isinstance(v, Mapping) and not _is_table_array(v)}
    if header is not None:
        out.append("")
        out.append(header)
    for k, v in scalars.items():
        out.append(f"{_key(k)} = {_value(v)}")
    for k, v in doc.items():
        name = f"{prefix}.{_key(k)}" if prefix else _key(k)
        if isinstance(v, Mapping):
            _table(name, v, out, f"[{name}]")
        elif _is_table_array(v):
            for item in v:
                _table(name, item, out, f"[[{name}]]")


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, Mapping) for x in v)


def dumps(doc: Mapping[str, Any]) -> str:
    out: list[str] = []
    _table("", doc, out, None)
    return "\n".join(out).strip("\n") + "\n"
