"""The function a dask worker runs for one input (importable, so it pickles by name)."""

from __future__ import annotations

import os
import socket
import threading
import time
import traceback
from typing import Any

THROTTLE_S = 0.25


def run_one(analysis: str, path: str, values: dict[str, Any], output: str,
            topic: str | None = None) -> dict[str, Any]:
    """Open ``path``, run ``analysis`` with validated ``values``, save to ``output``.

    Never raises for a failing input: the error is returned, so one bad file does not
    stop the batch. Progress goes to the client as dask events on ``topic``.
    """
    from .. import api
    from ..jobs.progress import Progress

    started = time.time()
    t0 = time.perf_counter()
    emit = _emitter(topic, path)
    emit(0.0, "started", "running")
    where = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    progress = Progress(lambda f, m: emit(f, m, "running"))
    try:
        result = api.run(analysis, path, progress=progress, **values)
        result.save(output)  # atomic: a killed worker never leaves a torn result
        status, error, tb = "ok", "", ""
    except BaseException as exc:  # noqa: BLE001 - isolate every failure to its input
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        status, error, tb = "failed", f"{type(exc).__name__}: {exc}", traceback.format_exc()
    seconds = time.perf_counter() - t0
    emit(1.0, error or "done", status)
    return {"input": path, "output": output if status == "ok" else "", "status": status,
            "seconds": round(seconds, 4), "started": started, "worker": where,
            "error": error, "traceback": tb}


def _emitter(topic: str | None, path: str):
    if topic is None:
        return lambda fraction, message, state: None
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return lambda fraction, message, state: None
    last = [0.0]

    def emit(fraction: float, message: str, state: str) -> None:
        now = time.monotonic()
        if state == "running" and 0 < fraction < 1 and now - last[0] < THROTTLE_S:
            return
        last[0] = now
        worker.log_event(topic, {"input": path, "fraction": float(fraction),
                                 "message": str(message), "state": state})

    return emit
