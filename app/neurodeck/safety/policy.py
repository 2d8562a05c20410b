"""What a read may do: the memory budget, outside references, the probe's time limit.

The policy in force is a context variable, so one thread opening a file with
``allow_external=True`` does not relax another thread's read. Defaults come from the
user's settings (``memory_budget``, ``probe_timeout_s``, ``probe``), then from the
environment (``NEURODECK_MEMORY_BUDGET``, ``NEURODECK_PROBE_TIMEOUT``,
``NEURODECK_PROBE=0``), then from the machine.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

#: Default budget as a fraction of physical memory. Eager readers need the decoded copy
#: plus the working copies of an analysis (typically 2-4x) and the rest of the app.
BUDGET_FRACTION = 1 / 8
DEFAULT_TIMEOUT_S = 60.0
#: Options that belong to the read policy, not to any reader.
POLICY_OPTIONS = ("memory_budget", "allow_external")


def physical_memory() -> int:
    """Bytes of physical memory (8 GiB where the platform does not say)."""
    with contextlib.suppress(ValueError, OSError, AttributeError):
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    with contextlib.suppress(Exception):  # Windows
        import ctypes

        class _Status(ctypes.Structure):
            _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                        ("ullTotalPhys", ctypes.c_ulonglong)] + [
                (f"_f{i}", ctypes.c_ulonglong) for i in range(6)]

        status = _Status()
        status.dwLength = ctypes.sizeof(_Status)
        if ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore
            return int(status.ullTotalPhys)
    return 8 * 2**30


def parse_bytes(value: Any) -> int:
    """``1e9``, ``"2GiB"``, ``"500 MB"`` -> bytes."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        out = float(value)
    else:
        text = str(value).strip().lower().replace(" ", "")
        units = {"tib": 2**40, "gib": 2**30, "mib": 2**20, "kib": 2**10, "tb": 1e12,
                 "gb": 1e9, "mb": 1e6, "kb": 1e3, "t": 2**40, "g": 2**30, "m": 2**20,
                 "k": 2**10, "b": 1}
        scale = next((v for u, v in units.items() if text.endswith(u)), 1)
        number = text[: -len(next((u for u in units if text.endswith(u)), ""))] or text
        out = float(number) * scale
    if not out > 0 or out != out or out == float("inf"):
        raise ValueError(f"a memory budget must be a positive number of bytes, got {value!r}")
    return int(out)


@dataclass(frozen=True)
class Policy:
    memory_budget: int
    allow_external: bool = False
    probe: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S


def _setting(key: str) -> Any:
    try:
        from ..settings import Settings

        return Settings().get(key)
    except Exception:  # noqa: BLE001 - unreadable settings never stop a read
        return None


def default_policy() -> Policy:
    budget = _setting("memory_budget") or os.environ.get("NEURODECK_MEMORY_BUDGET")
    try:
        budget_bytes = parse_bytes(budget) if budget else int(
            physical_memory() * BUDGET_FRACTION)
    except ValueError:
        budget_bytes = int(physical_memory() * BUDGET_FRACTION)
    timeout = _setting("probe_timeout_s") or os.environ.get("NEURODECK_PROBE_TIMEOUT")
    try:
        timeout_s = float(timeout) if timeout else DEFAULT_TIMEOUT_S
    except ValueError:
        timeout_s = DEFAULT_TIMEOUT_S
    probe = _setting("probe")
    if probe is None:
        probe = os.environ.get("NEURODECK_PROBE", "1") not in ("0", "false", "no")
    return Policy(budget_bytes, False, bool(probe), max(timeout_s, 1.0))


_CURRENT: contextvars.ContextVar[Policy | None] = contextvars.ContextVar(
    "neurodeck_read_policy", default=None)


def current() -> Policy:
    """The policy of the read in progress (the defaults outside one)."""
    return _CURRENT.get() or default_policy()


def refuse_from_file(options: dict[str, Any], what: str) -> None:
    """Options that relax the read policy are the user's consent, given when they open a
    file themselves: a workspace, pipeline or history record cannot carry them."""
    from ..errors import NeurodeckError

    asked = sorted(k for k in POLICY_OPTIONS if k in (options or {}))
    if asked:
        raise NeurodeckError(
            f"{what} asks to relax neurodeck's safety checks ({', '.join(asked)}); that is "
            "only taken from you, not from a file: open the data yourself with those options "
            "if you trust it")


def split_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(policy options, reader options) of the keywords given to ``open``."""
    policy = {k: options[k] for k in POLICY_OPTIONS if k in options}
    rest = {k: v for k, v in options.items() if k not in POLICY_OPTIONS}
    return policy, rest


@contextlib.contextmanager
def exactly(pol: Policy) -> Iterator[Policy]:
    """Run under ``pol`` as given (the probe worker: the app's policy, settings unread)."""
    token = _CURRENT.set(pol)
    try:
        yield pol
    finally:
        _CURRENT.reset(token)


@contextlib.contextmanager
def using(**changes: Any) -> Iterator[Policy]:
    """Run a read under the current policy with ``changes`` (``memory_budget``,
    ``allow_external``, ``probe``, ``timeout_s``); ``None`` values keep the default."""
    base = current()
    changes = {k: v for k, v in changes.items() if v is not None}
    if "memory_budget" in changes:
        changes["memory_budget"] = parse_bytes(changes["memory_budget"])
    if "allow_external" in changes:
        changes["allow_external"] = bool(changes["allow_external"])
    policy = replace(base, **changes)
    token = _CURRENT.set(policy)
    try:
        yield policy
    finally:
        _CURRENT.reset(token)
