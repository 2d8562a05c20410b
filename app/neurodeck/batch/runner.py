"""Running an analysis over many inputs on a dask.distributed cluster.

dask is imported only here, inside :func:`run_batch`: never when neurodeck or the GUI
starts.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import io
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .._version import __version__
from ..atomic import write_text_atomic
from .plan import Task, expand_inputs, expected_provenance, is_current, plan
from .worker import run_one

COLUMNS = ("input", "output", "status", "reused", "seconds", "started", "worker",
           "input_sha256", "error")

#: ``on_progress(input, state, fraction, message)``; state is one of "queued", "running",
#: "skipped" (result already current), "ok" or "failed". Called from a dask thread.
ProgressCallback = Callable[[str, str, float, str], None]


@dataclass
class BatchItem:
    input: str
    output: str
    status: str  # "ok" or "failed"
    reused: bool = False
    seconds: float = 0.0
    started: str = ""
    worker: str = ""
    input_sha256: str = ""
    error: str = ""


@dataclass
class BatchReport:
    items: list[BatchItem]
    summary: Path
    wall_seconds: float
    workers: int

    @property
    def failed(self) -> list[BatchItem]:
        return [i for i in self.items if i.status != "ok"]

    @property
    def computed(self) -> list[BatchItem]:
        return [i for i in self.items if not i.reused]


def default_workers(n_tasks: int) -> int:
    """One single-threaded worker per core, no more than there are inputs."""
    return max(1, min(n_tasks, os.cpu_count() or 1))


def run_batch(analysis: str, inputs: str | Iterable[str | os.PathLike[str]],
              params: Mapping[str, Any] | None, out_dir: str | os.PathLike[str], *,
              scheduler: str | None = None, workers: int | None = None,
              processes: bool = True, force: bool = False,
              on_progress: ProgressCallback | None = None,
              cancel: threading.Event | None = None) -> BatchReport:
    """Run ``analysis`` on every input; one result file per input and ``summary.csv``.

    Inputs whose result is current (see :mod:`.plan`) are skipped unless ``force``.
    ``scheduler`` is the address of an existing dask cluster; otherwise a LocalCluster
    with ``workers`` (default: one per core) single-threaded workers is started.
    """
    from .. import api

    t0 = time.perf_counter()
    pm = api.plugin_manager()
    spec = pm.analysis(analysis)
    values = spec.schema.resolve(params or {})  # bad parameters fail before any work
    out = Path(out_dir).absolute()
    out.mkdir(parents=True, exist_ok=True)
    tasks = plan(expand_inputs(inputs), out)
    expected = expected_provenance(analysis, values, pm.plugin_version(spec.plugin),
                                   __version__)
    notify = on_progress or (lambda *a: None)
    items: dict[Path, BatchItem] = {}
    todo: list[Task] = []
    for t in tasks:
        if not force and is_current(t, expected):
            items[t.input] = BatchItem(str(t.input), str(t.output), "ok", reused=True,
                                       input_sha256=t.sha256 or "")
            notify(str(t.input), "skipped", 1.0, "result is current")
        else:
            todo.append(t)
            notify(str(t.input), "queued", 0.0, "")
    summary = out / "summary.csv"
    n_workers = 0
    if todo:
        n_workers = _run_on_dask(analysis, values, todo, items, scheduler, workers, processes,
                                 notify, cancel, lambda: _write_summary(summary, tasks, items))
    _write_summary(summary, tasks, items)
    return BatchReport([items[t.input] for t in tasks], summary, time.perf_counter() - t0,
                       n_workers)


def _run_on_dask(analysis, values, todo, items, scheduler, workers, processes, notify, cancel,
                 checkpoint) -> int:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        n = workers or default_workers(len(todo))
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                               dashboard_address=None)
        client = Client(cluster)
    topic = f"neurodeck-batch-{uuid.uuid4().hex}"
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))

        finished: set[str] = set()
        lock = threading.Lock()  # events arrive on dask's thread, results on ours

        def on_event(event: tuple) -> None:
            msg = event[1]
            if isinstance(msg, dict) and msg.get("state") == "running":
                with lock:  # a late event must not follow the input's final state
                    if msg["input"] not in finished:
                        notify(msg["input"], "running", msg["fraction"], msg["message"])

        client.subscribe_topic(topic, on_event)
        futures = {}
        for i, t in enumerate(todo):
            fut = client.submit(run_one, analysis, str(t.input), dict(values), str(t.output),
                                topic, key=f"neurodeck-{i}-{t.input.name}-{uuid.uuid4().hex[:8]}",
                                pure=False, retries=0)
            futures[fut] = t
        pending = set(futures)
        for fut in as_completed(futures):
            t = futures[fut]
            pending.discard(fut)
            items[t.input] = _item(t, fut)
            _error_file(t, items[t.input], fut)
            with lock:
                finished.add(str(t.input))
                notify(str(t.input), items[t.input].status, 1.0,
                       items[t.input].error or "done")
            checkpoint()  # the summary is current after every input, even if we die
            if cancel is not None and cancel.is_set():
                client.cancel(list(pending))
                for f in pending:
                    tt = futures[f]
                    items[tt.input] = BatchItem(str(tt.input), "", "failed", error="cancelled",
                                                input_sha256=tt.sha256 or "")
                    notify(str(tt.input), "failed", 0.0, "cancelled")
                break
        return n_workers
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _item(t: Task, fut) -> BatchItem:
    try:
        r = fut.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker fails its input only
        return BatchItem(str(t.input), "", "failed", error=f"{type(exc).__name__}: {exc}",
                         input_sha256=t.sha256 or "")
    started = _dt.datetime.fromtimestamp(r["started"], _dt.UTC).isoformat(timespec="seconds")
    return BatchItem(r["input"], r["output"], r["status"], False, r["seconds"], started,
                     r["worker"], t.sha256 or "", r["error"])


def _error_file(t: Task, item: BatchItem, fut) -> None:
    """The full traceback of a failed input beside its result name; removed on success."""
    path = t.output.with_suffix(".error.txt")
    if item.status == "ok":
        path.unlink(missing_ok=True)
        return
    tb = ""
    with contextlib.suppress(Exception):  # a dead worker: the error column says it all
        tb = fut.result().get("traceback", "")
    write_text_atomic(path, f"{item.input}\n{item.error}\n\n{tb}")


def _write_summary(path: Path, tasks: list[Task], items: Mapping[Path, BatchItem]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for t in tasks:
        if t.input in items:
            row = asdict(items[t.input])
            row["reused"] = "yes" if row["reused"] else "no"
            w.writerow(row)
    write_text_atomic(path, buf.getvalue())


def read_summary(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
