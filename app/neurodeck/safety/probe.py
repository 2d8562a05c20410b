"""Open untrusted files first in a warm worker process, with time and memory limits.

A reader is native code at the bottom (scipy's MAT parser, MNE's FIF directory scan,
HDF5, zlib): a crafted file can crash it, make it loop or make it allocate without end,
and in the app's own process that costs the user the app. So before the app opens a
file, the same open (the same readers, options and policy) runs in
:mod:`~neurodeck.safety.worker`, followed by what the app reads right after opening (the
summary, the first and last page). The app then opens the file itself only if the worker
finished cleanly; otherwise the user gets a :class:`~neurodeck.errors.ReadError` naming
the file and why (crash, time limit, memory budget, a reference outside the folder, an
attempt to run code). A clean read error in the worker is raised in the app as it was.

The worker stays warm between files (one at a time, in order), and a file that passed
is not probed again until its size or modification time changes.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import logging
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ..errors import LayoutChoiceNeeded, NotMine, ReadError
from . import policy, worker
from .errors import ExternalReference, Implausible, MemoryBudgetExceeded, UnsafeFile, human_bytes

_BOOT = ("import json, os, sys; sys.path[:] = json.loads(os.environ['NEURODECK_PROBE_PATH']); "
         "from neurodeck.safety.worker import main; main()")
log = logging.getLogger("neurodeck.safety")
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_MAX_THREADS")
_CACHE_SIZE = 1024


def in_worker() -> bool:
    return worker.CHILD


def worker_command() -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    env["NEURODECK_PROBE_PATH"] = json.dumps(sys.path)
    env.update({k: "1" for k in _THREAD_ENV})
    env["PYTHONUNBUFFERED"] = "1"
    if getattr(sys, "frozen", False):
        env[worker.RUN_ENV] = "1"  # packaging/launcher.py turns the app into the worker
        return [sys.executable], env
    return [sys.executable, "-I", "-B", "-c", _BOOT], env


def rss_bytes(pid: int) -> int | None:
    """Resident memory of a process (Linux /proc, else psutil when installed)."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import psutil

        return int(psutil.Process(pid).memory_info().rss)
    except Exception:  # noqa: BLE001 - no watchdog where nothing can measure
        return None


START_TIMEOUT_S = 60.0


class ProbeUnavailable(RuntimeError):  # noqa: N818 - says what happened
    """The worker process could not be started (a broken installation, a frozen app
    without the launcher hook): files are then opened unprobed, with a warning logged."""


class Worker:
    """One worker process and the thread that collects its replies."""

    def __init__(self) -> None:
        cmd, env = worker_command()
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
        log = os.environ.get("NEURODECK_PROBE_LOG")
        self._stderr = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=env, creationflags=flags)
        self._replies: queue.Queue[bytes | None] = queue.Queue()
        self._count = 0  # requests sent
        threading.Thread(target=self._pump, daemon=True, name="neurodeck-probe").start()
        try:
            ready = self._replies.get(timeout=START_TIMEOUT_S)
        except queue.Empty:
            ready = None
        if not ready or b'"ready"' not in ready:
            self.kill()
            raise ProbeUnavailable(f"the probe worker did not start ({' '.join(cmd[:2])})")

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._replies.put(line)
        self._replies.put(None)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            self.proc.wait(5)
        if self._stderr is not subprocess.DEVNULL:
            self._stderr.close()

    def ask(self, request: dict[str, Any], timeout_s: float, memory_limit: int) -> dict[str, Any]:
        """Send ``request`` and wait for its answer. Answers carry the request's number, so
        an answer to an abandoned request is never taken for this one's; a wait that ends
        by an exception (a cancelled job) stops the worker, which may still be busy."""
        self._count += 1
        number = self._count
        data = pickle.dumps({**request, "request": number})
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(struct.pack("<Q", len(data)) + data)
            self.proc.stdin.flush()
        except OSError:
            return self._died()
        try:
            return self._answer(number, time.monotonic() + timeout_s, memory_limit)
        except BaseException:
            self.kill()
            raise

    def _answer(self, number: int, deadline: float, memory_limit: int) -> dict[str, Any]:
        while True:
            try:
                line = self._replies.get(timeout=0.05)
            except queue.Empty:
                if time.monotonic() > deadline:
                    self.kill()
                    return {"status": "timeout"}
                rss = rss_bytes(self.proc.pid)
                if rss is not None and rss > memory_limit:
                    self.kill()
                    return {"status": "memory"}
                continue
            if line is None:
                return self._died()
            try:
                reply = json.loads(line)
            except ValueError:
                reply = None
            if not isinstance(reply, dict) or not isinstance(reply.get("status"), str):
                self.kill()
                return {"status": "crash", "how": "it sent a garbled answer"}
            if reply.get("request") != number:  # the late answer to an earlier request
                continue
            return reply

    def _died(self) -> dict[str, Any]:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        rc = self.proc.returncode
        how = f"exit code {rc}"
        if rc is not None and rc < 0:
            with contextlib.suppress(ValueError):
                how = signal.Signals(-rc).name
        return {"status": "crash", "how": how}


_LOCK = threading.Lock()
_WORKER: Worker | None = None
_PASSED: OrderedDict[tuple, bool] = OrderedDict()


def _worker() -> Worker:
    global _WORKER
    if _WORKER is None or not _WORKER.alive():
        _WORKER = Worker()
    return _WORKER


@atexit.register
def shutdown() -> None:
    """Stop the warm worker (also at exit)."""
    global _WORKER
    with _LOCK:
        if _WORKER is not None:
            _WORKER.kill()
            _WORKER = None


def warm_up(modules: tuple[str, ...] = ("neurodeck.readers", "numpy", "h5py", "scipy.io",
                                        "mne", "nibabel")) -> None:
    """Start the worker and import the common reader libraries in it, in the background
    (the GUI calls this at start-up so that the first open does not wait for them)."""
    def run() -> None:
        with _LOCK, contextlib.suppress(Exception):
            _worker().ask({"op": "warm", "modules": list(modules), "sys_path": sys.path},
                          120.0, 1 << 62)

    threading.Thread(target=run, daemon=True, name="neurodeck-probe-warm").start()


# -- requests -----------------------------------------------------------------------------
def _ref_string(ref: Any) -> str | None:
    """A ``module:attribute`` string the worker can import for ``ref``, or None."""
    from ..plugin_api.lazy import resolve

    if ref is None or isinstance(ref, str):
        return ref
    module, qual = getattr(ref, "__module__", None), getattr(ref, "__qualname__", None)
    if not module or not qual or "<" in qual or module == "__main__":
        return None
    text = f"{module}:{qual}"
    try:
        return text if resolve(text) is ref else None
    except Exception:  # noqa: BLE001 - not importable: not probeable
        return None


def reader_specs(pm: Any) -> list[dict[str, Any]]:
    out = []
    for r in pm.contributions("readers"):
        spec = {f.name: getattr(r, f.name) for f in dataclasses.fields(r)}
        for key in ("read", "sniff", "members"):
            if spec.get(key) is not None:
                spec[key] = _ref_string(spec[key]) or "neurodeck.safety.worker:unprobeable"
        out.append(spec)
    return out


def _key(path: Path, extra: Any) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    pol = policy.current()
    return (os.path.realpath(path), st.st_size, st.st_mtime_ns, getattr(st, "st_ino", 0),
            pol.memory_budget, pol.allow_external, repr(extra))


def shipped(path: Path) -> bool:
    """Whether ``path`` is one of the sample files installed with the app (part of the app
    like its code, so not probed: the first open of the bundled sample does not wait for the
    worker to start and import its libraries)."""
    from ..paths import resources_dir

    try:
        real = Path(os.path.realpath(path))
        return (not Path(path).is_symlink() and real.is_file()
                and real.is_relative_to(Path(os.path.realpath(resources_dir() / "samples"))))
    except (OSError, ValueError):
        return False


def _run(path: Path, request: dict[str, Any], cache_extra: Any) -> None:
    if shipped(path):
        return
    pol = policy.current()
    key = _key(path, cache_extra)
    request.update(path=str(path), sys_path=list(sys.path), policy={
        "memory_budget": pol.memory_budget, "allow_external": pol.allow_external,
        "timeout_s": pol.timeout_s})
    with _LOCK:  # one probe at a time (GUI jobs open files from several threads)
        if key is not None and key in _PASSED:
            _PASSED.move_to_end(key)
            return
        try:
            w = _worker()
        except (ProbeUnavailable, OSError) as exc:
            # Refusing every file would make the app unusable; the in-process checks
            # (sizes, references, plausibility) still apply.
            log.warning("%s: opening %s without the probe", exc, path)
            return
        base = rss_bytes(w.proc.pid) or 0
        reply = w.ask(request, pol.timeout_s, base + pol.memory_budget + worker.SLACK_BYTES)
        if key is not None and reply.get("status") in ("ok", "unprobed"):
            _PASSED[key] = True
            while len(_PASSED) > _CACHE_SIZE:
                _PASSED.popitem(last=False)
    verdict(path, reply, pol)


def check_open(pm: Any, path: Path, reader: str | None, options: dict[str, Any]) -> None:
    """Probe ``open_path(pm, path, reader, **options)``; return if the app may run it."""
    specs = reader_specs(pm)
    try:
        pickle.dumps(options)
    except Exception:  # noqa: BLE001 - options the worker cannot receive: run unprobed
        return
    _run(path, {"op": "open", "reader": reader, "options": options, "readers": specs},
         (reader, sorted(options.items(), key=str), [(s["id"], s["read"]) for s in specs]))


def check_call(path: Path, ref: str, **kwargs: Any) -> None:
    """Probe ``resolve(ref)(path, **kwargs)`` (a loader outside the readers, such as
    :meth:`Result.load` or an analysis's model file); return if the app may run it."""
    _run(path, {"op": "call", "ref": ref, "kwargs": kwargs}, (ref, sorted(kwargs.items())))


# -- verdicts -------------------------------------------------------------------------------
_ERRORS = {"ReadError": ReadError, "NotMine": NotMine, "LayoutChoiceNeeded": LayoutChoiceNeeded,
           "MemoryBudgetExceeded": MemoryBudgetExceeded, "ExternalReference": ExternalReference,
           "Implausible": Implausible, "UnsafeFile": UnsafeFile}


def _rebuild(path: Path, err: dict[str, Any]) -> ReadError:
    """The worker's error as the same exception type (data only: nothing unpickled)."""
    cls = _ERRORS.get(str(err.get("cls")))
    if cls is None:
        kind, message = str(err.get("type", "Error")), str(err.get("message", ""))
        return ReadError(path, f"{kind}: {message}" if message else kind)
    exc = cls.__new__(cls)
    ReadError.__init__(exc, err.get("path", str(path)), str(err.get("cause", "unreadable")))
    for attr in ("option", "candidates", "nbytes", "budget", "target", "field", "value",
                 "reason"):
        if attr in err:
            setattr(exc, attr, err[attr])
    if cls is LayoutChoiceNeeded and not isinstance(getattr(exc, "candidates", None), list):
        exc.candidates = []
    return exc


def verdict(path: Path, reply: dict[str, Any], pol: policy.Policy) -> None:
    """Raise what the worker's reply means for the user; return when it read cleanly."""
    status = reply.get("status")
    if status in ("ok", "unprobed"):
        return
    if status == "error":
        raise _rebuild(path, reply.get("error") or {})
    if status == "memory":
        raise MemoryBudgetExceeded(path, "reading it", None, pol.memory_budget)
    if status == "timeout":
        raise UnsafeFile(path, "timeout", f"the reader did not finish within "
                         f"{pol.timeout_s:g} s, so it was stopped (a damaged or crafted file "
                         "can make a reader loop; raise the 'probe_timeout_s' setting if this "
                         "file is just very large)")
    if status == "violation":
        items = [v for v in reply.get("violations", []) if isinstance(v, dict)]
        code = [v for v in items if v.get("kind") == "code"]
        if code:
            raise UnsafeFile(path, "code", "reading it tried to run code or start a program "
                             f"({str(code[0].get('detail'))[:200]}); it was stopped")
        detail = str(items[0].get("detail", "")) if items else ""
        target = detail.split(" ", 1)[-1]
        raise ExternalReference(path, target, "the reader opened it" if detail.startswith(
            "read") else "the reader tried to write it")
    how = reply.get("how", "it stopped")
    raise UnsafeFile(path, "crash", f"the reader crashed on it ({how}); nothing was loaded "
                     "and the app is unaffected - the file is damaged or crafted")


def describe_budget() -> str:
    return human_bytes(policy.current().memory_budget)


def guarded(fn: Any) -> Any:
    """Decorate a loader ``fn(path, **kwargs)`` of untrusted files outside the readers (an
    analysis's model file, say) so that it runs in the probe worker first.

    The worker imports the same function by its module and name, so ``fn`` must be a
    module-level function; there the decorator lets the call through.
    """
    import functools

    ref = f"{fn.__module__}:{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(path: Any, *args: Any, **kwargs: Any) -> Any:
        if not args and policy.current().probe and not in_worker():
            try:
                pickle.dumps(kwargs)
            except Exception:  # noqa: BLE001 - keywords the worker cannot receive
                return fn(path, **kwargs)
            check_call(Path(path), ref, **kwargs)
        return fn(path, *args, **kwargs)

    return wrapper
