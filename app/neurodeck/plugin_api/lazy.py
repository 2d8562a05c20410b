"""``"package.module:attribute"`` references, imported on first use.

Plugins declare contributions with such strings so that start-up imports none
of their heavy modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

Ref = str | Callable[..., Any]


def resolve(ref: Ref) -> Any:
    """Import and return the object a reference names (callables pass through)."""
    if not isinstance(ref, str):
        return ref
    module, _, attr = ref.partition(":")
    if not module or not attr:
        raise ValueError(f"reference {ref!r} is not of the form 'package.module:attribute'")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj
