"""The probe worker: opens untrusted files in a separate process, under limits.

Started by :mod:`neurodeck.safety.probe` and kept warm between files. It reads pickled
requests on stdin (from the app: trusted) and answers one JSON line each on a private
copy of stdout (to the app: never unpickled, since the file being read may have taken
this process over). Library output goes to stderr. While a request runs, the address
space is limited to what the process had plus the memory budget (POSIX), and
:data:`~neurodeck.safety.fsguard.GUARD` confines reads to the file's folder.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import struct
import sys
import traceback
from pathlib import Path
from typing import Any

from . import limits, policy
from .fsguard import GUARD

CHILD = False  # set in the worker process: readers then run unprobed here
SLACK_BYTES = 1 << 30  # imports and library buffers on top of the budget
RUN_ENV = "NEURODECK_RUN_PROBE"


class Unprobeable(BaseException):  # noqa: N818 - a BaseException: readers' ``except
    """A reader the worker cannot import (defined in the app's own session): the app
    runs it unprobed.  (Not an Exception, so readers' ``except Exception`` lets it by.)"""


def unprobeable(*args: Any, **kwargs: Any) -> Any:
    raise Unprobeable


class _Readers:
    """Stands in for the plugin manager: the app's reader list, sent with the request."""

    def __init__(self, specs: list[dict[str, Any]]):
        from ..plugin_api.contributions import Reader

        self._readers = [Reader(**s) for s in specs]

    def contributions(self, kind: str) -> list[Any]:
        return list(self._readers) if kind == "readers" else []

    def __getattr__(self, name: str) -> Any:
        # Anything beyond the reader list (a folder opened as a study...) is the app's.
        raise Unprobeable


def _vm_size() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        return None
    return None


@contextlib.contextmanager
def _address_space(budget: int):
    """Limit this process's address space to its current size + budget + slack."""
    try:
        import resource
    except ImportError:  # Windows: the app's watchdog limits resident memory instead
        yield
        return
    size = _vm_size()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limited = False
    if size is not None:
        want = size + budget + SLACK_BYTES
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
            limited = True
    try:
        yield
    finally:
        if limited:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def touch(out: Any) -> None:
    """What the app does right after opening: summary, first and last page or volume."""
    for ds in out if isinstance(out, list) else [out]:
        ds.summary()
        n = getattr(ds, "n_times", None) if ds.is_a("timeseries") else None
        if isinstance(n, int) and n > 0:
            ds.get_data(0, min(n, 64))
            ds.get_data(max(n - 64, 0), n)
        if ds.is_a("fmri") and getattr(ds, "n_volumes", 0):
            ds.volume(0)
            img = getattr(ds, "img", None)
            nbytes = limits.declared_nbytes(ds.shape, img.get_data_dtype().itemsize) \
                if img is not None else 0.0
            if nbytes <= policy.current().memory_budget:  # else it stays lazy: see fmri io
                ds.volume(ds.n_volumes - 1)


def encode_error(exc: BaseException) -> dict[str, Any]:
    from ..errors import ReadError

    if not isinstance(exc, ReadError):
        return {"cls": "other", "type": type(exc).__name__, "message": str(exc)[:2000]}
    out: dict[str, Any] = {"cls": "ReadError", "path": exc.path, "cause": exc.cause[:4000]}
    for cls in ("LayoutChoiceNeeded", "NotMine", "MemoryBudgetExceeded", "ExternalReference",
                "Implausible", "UnsafeFile"):
        if any(c.__name__ == cls for c in type(exc).__mro__):
            out["cls"] = cls
            break
    for attr in ("option", "candidates", "nbytes", "budget", "target", "field", "reason"):
        if hasattr(exc, attr):
            value = getattr(exc, attr)
            with contextlib.suppress(TypeError, ValueError):
                json.dumps(value)
                out[attr] = value
    if hasattr(exc, "value"):
        out["value"] = repr(exc.value)[:200]
    return out


def handle(req: dict[str, Any]) -> dict[str, Any]:
    from .. import readers
    from .references import check_hdf5, hdf5_offset

    sys.path[:] = [p for p in req.get("sys_path", sys.path)]
    if req["op"] == "warm":
        for mod in req.get("modules", []):
            with contextlib.suppress(Exception):
                __import__(mod)
        return {"status": "ok"}
    path = Path(req["path"])
    pol = req["policy"]
    status: dict[str, Any]
    result = None
    pinned = policy.Policy(int(pol["memory_budget"]), bool(pol["allow_external"]), False,
                           float(pol["timeout_s"]))
    GUARD.arm(path, reads_anywhere=pinned.allow_external)
    try:
        with _address_space(pinned.memory_budget), policy.exactly(pinned):
            try:
                if req["op"] == "open":
                    result = readers._dispatch(_Readers(req["readers"]), path, req["reader"],
                                               req["options"], strict=True)
                else:
                    from ..plugin_api.lazy import resolve

                    if hdf5_offset(path) is not None:
                        check_hdf5(path)
                    result = resolve(req["ref"])(path, **req.get("kwargs", {}))
                items = result if isinstance(result, list) else [result]
                if req.get("touch", True) and items and all(hasattr(d, "is_a") for d in items):
                    touch(result)
                status = {"status": "ok"}
            except Unprobeable:
                status = {"status": "unprobed"}
            except MemoryError:
                status = {"status": "memory"}
            except RecursionError as exc:
                status = {"status": "error", "error": {
                    "cls": "ReadError", "path": str(path),
                    "cause": f"its structure is nested too deeply to read ({exc})"}}
            except Exception as exc:  # noqa: BLE001 - reported to the app, which raises it
                status = {"status": "error", "error": encode_error(exc)}
    except MemoryError:
        status = {"status": "memory"}
    finally:
        violations = GUARD.disarm()
        result = None  # freed by reference counting (a full gc pass costs ~80 ms)
    if violations:
        status = {"status": "violation",
                  "violations": [{"kind": v.kind, "detail": v.detail} for v in violations]}
    return status


def _read_request(stream) -> dict[str, Any] | None:  # noqa: ANN001
    head = stream.read(8)
    if len(head) < 8:
        return None
    (size,) = struct.unpack("<Q", head)
    return pickle.loads(stream.read(size))  # from the app itself, never from a file


def main() -> None:
    global CHILD
    CHILD = True
    reply = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything a library prints goes to stderr, not into the replies
    sys.stdout = sys.stderr
    GUARD.install()
    reply.write(json.dumps({"status": "ready"}) + "\n")
    reply.flush()
    stdin = sys.stdin.buffer
    while True:
        req = _read_request(stdin)
        if req is None:
            return
        try:
            out = handle(req)
        except BaseException as exc:  # noqa: BLE001 - the worker itself must keep answering
            out = {"status": "error", "error": {
                "cls": "other", "type": type(exc).__name__,
                "message": "".join(traceback.format_exception_only(exc)).strip()[:2000]}}
        out["request"] = req.get("request")  # the app matches answers to its requests
        reply.write(json.dumps(out) + "\n")
        reply.flush()


def run_if_requested() -> None:
    """In the frozen app: act as the probe worker when started so (never returns then)."""
    if os.environ.get(RUN_ENV) != "1":
        return
    del os.environ[RUN_ENV]
    main()
    sys.exit(0)
