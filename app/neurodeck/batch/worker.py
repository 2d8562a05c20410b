"""What runs for one input of a batch (importable, so dask pickles it by name).

The pipeline arrives as its document with values validated once by the client; the worker
binds them to the installed plugins' steps without validating again.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import traceback
from pathlib import Path
from typing import Any

THROTTLE_S = 0.25


def bind(doc: dict[str, Any]):
    """The :class:`~neurodeck.pipeline.Pipeline` of a document whose values are validated."""
    from .. import api, engine
    from ..pipeline import Pipeline

    pm = api.plugin_manager()
    steps = []
    for s in doc["steps"]:
        kind = "transform" if "transform" in s else "analysis"
        spec = pm.step(kind, s[kind])
        steps.append(engine.trusted(spec, s.get("params") or {}, pm.plugin_version(spec.plugin)))
    return Pipeline(steps, name=doc.get("name", ""), input=dict(doc.get("input") or {}))


def run_one(pipeline_doc: dict[str, Any], source_doc: dict[str, Any], output: str, key: str,
            topic: str | None = None, label: str | None = None) -> dict[str, Any]:
    """Open the source, run the pipeline, write the output (atomically) with its key.

    Never raises for a failing input: the error is returned, so one bad file does not stop
    the batch. Progress goes to the client as dask events on ``topic``.
    """
    from .. import api
    from ..data.result import Result
    from ..jobs.progress import Progress
    from ..writers import write_dataset
    from .plan import Source, record_path

    started = time.time()
    t0 = time.perf_counter()
    label = label or source_doc["path"]
    emit = _emitter(topic, label)
    emit(0.0, "started", "running")
    where = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    progress = Progress(lambda f, m: emit(f, m, "running"))
    try:
        pipeline = bind(pipeline_doc)
        source = Source.from_json(source_doc)
        if pipeline.input and not source.reader and not source.options:
            source.reader = pipeline.input.get("reader")
            source.options = dict(pipeline.input.get("options") or {})
        out = pipeline.run(source.open(), progress)
        record = {"key": key, "source": source.to_json(), "pipeline": pipeline_doc}
        if isinstance(out, Result):
            out.provenance["batch"] = record
            out.save(output)  # atomic: a killed worker never leaves a torn result
        else:
            write_dataset(api.plugin_manager(), out, Path(output))
            from ..atomic import write_text_atomic

            write_text_atomic(record_path(Path(output)),
                              json.dumps({**record, "derivation": out.derivation}, default=str))
        status, error, tb = "ok", "", ""
    except BaseException as exc:  # noqa: BLE001 - isolate every failure to its input
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        status, error, tb = "failed", f"{type(exc).__name__}: {exc}", traceback.format_exc()
    seconds = time.perf_counter() - t0
    emit(1.0, error or "done", status)
    return {"input": label, "output": output if status == "ok" else "", "status": status,
            "seconds": round(seconds, 4), "started": started, "worker": where,
            "error": error, "traceback": tb}


def run_many(calls: list[tuple], topic: str | None = None) -> list[dict[str, Any]]:
    """Several small inputs as one dask task (less scheduling overhead per input); each call
    is ``(pipeline_doc, source_doc, output, key, label)``."""
    return [run_one(doc, src, out, key, topic, label) for doc, src, out, key, label in calls]


def _emitter(topic: str | None, label: str):
    if topic is None:
        return lambda fraction, message, state: None
    if callable(topic):  # in-process runs: a direct callback
        return lambda fraction, message, state: topic(label, state, fraction, message)
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
        worker.log_event(topic, {"input": label, "fraction": float(fraction),
                                 "message": str(message), "state": state})

    return emit
