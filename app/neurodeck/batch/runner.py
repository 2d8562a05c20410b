"""Running a pipeline (or one analysis) over many inputs, on dask.distributed.

dask is imported only here, inside :func:`run_pipeline`, never when neurodeck or the GUI
starts. Small batches do not pay for a cluster: unless workers or a scheduler are named,
the first input runs in this process and the rest follow it here when that is quicker than
starting workers; otherwise a local cluster (kept for the process's next batch) runs them,
several tiny inputs per dask task.
"""

from __future__ import annotations

import atexit
import contextlib
import csv
import datetime as _dt
import io
import math
import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..jobs.progress import Progress
from .plan import Source, Task, expand_sources, is_current, plan
from .worker import run_one

COLUMNS = ("input", "member", "output", "status", "reused", "seconds", "started", "worker",
           "input_sha256", "key", "error")

#: ``on_progress(input, state, fraction, message)``; state is one of "queued", "running",
#: "skipped" (result already current), "ok" or "failed". Called from a dask thread.
ProgressCallback = Callable[[str, str, float, str], None]

#: Seconds a local cluster of worker processes takes to start here (measured by
#: benchmarks/bench_batch.py): below this much remaining work, inputs run in-process.
CLUSTER_START_S = 1.5
#: Tiny inputs are grouped so that one dask task holds at least this much work.
MIN_TASK_S = 0.25
#: The summary file is rewritten at most this often while a batch runs (and at its end).
CHECKPOINT_S = 0.5


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
    member: str = ""
    key: str = ""


@dataclass
class BatchReport:
    items: list[BatchItem]
    summary: Path
    wall_seconds: float
    workers: int
    mode: str = "dask"  # "dask", "in-process" or "none" (everything was current)

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
              params: Mapping[str, Any] | None, out_dir: str | os.PathLike[str],
              **kwargs: Any) -> BatchReport:
    """Run ``analysis`` on every input (parameters validated once, before any work);
    one result file per input and ``summary.csv``. See :func:`run_pipeline`."""
    from .. import api, engine
    from ..pipeline import Pipeline

    step = engine.prepare(api.plugin_manager().analysis(analysis), params or {})
    return run_pipeline(Pipeline([step], name=analysis), inputs, out_dir, **kwargs)


def run_pipeline(pipeline, inputs: str | Iterable[str | os.PathLike[str]],
                 out_dir: str | os.PathLike[str], *, scheduler: str | None = None,
                 workers: int | None = None, processes: bool = True, force: bool = False,
                 on_progress: ProgressCallback | None = None,
                 progress: Progress | None = None, reader: str | None = None,
                 options: Mapping[str, Any] | None = None, member: str | None = None,
                 timeout: float | None = None, output_suffix: str | None = None) -> BatchReport:
    """Run a :class:`~neurodeck.pipeline.Pipeline` on every input.

    Inputs are files, glob patterns or folders (a folder counts as its study's members).
    Outputs whose record is current (see :mod:`.plan`) are skipped unless ``force``;
    ``summary.csv`` keeps the rows of earlier runs and updates those of this one.
    ``scheduler`` is the address of a running dask cluster; ``workers`` sizes a local one;
    ``timeout`` fails (and restarts the worker of) any input running longer. ``progress``
    (the same :class:`~neurodeck.jobs.progress.Progress` as GUI jobs and the CLI bar) gets
    the fraction of inputs finished, and its cancel stops the batch: inputs not started are
    not run, and those running finish.
    """
    t0 = time.perf_counter()
    progress = progress or Progress()
    out = Path(out_dir).absolute()
    sources = expand_sources(inputs, reader=reader, options=options, member=member)
    suffix = output_suffix or _suffix(pipeline)
    tasks = plan(sources, out, pipeline.key(), suffix)
    out.mkdir(parents=True, exist_ok=True)
    user_notify = on_progress or (lambda *a: None)
    finished_n = [0]
    lock = threading.Lock()

    def notify(label: str, state: str, fraction: float, message: str) -> None:
        if state in ("ok", "failed", "skipped"):
            with lock:
                finished_n[0] += 1
                done = finished_n[0]
            progress.report(done / max(len(tasks), 1), f"{done}/{len(tasks)} inputs")
        user_notify(label, state, fraction, message)

    items: dict[int, BatchItem] = {}
    todo: list[Task] = []
    for t in tasks:
        if not force and is_current(t):
            items[id(t)] = _reused(t)
            notify(t.input.label, "skipped", 1.0, "result is current")
        else:
            todo.append(t)
            notify(t.input.label, "queued", 0.0, "")
    summary = out / "summary.csv"
    earlier = _read_rows(summary)

    last_write = [0.0]

    def checkpoint(force: bool = False) -> None:
        # At most every CHECKPOINT_S: each write is an fsync'd atomic rewrite, which cost
        # more than a tiny input's work; results carry their own records, so a crash loses
        # at most those summary rows, never a result (a re-run finds them current).
        now = time.monotonic()
        if force or now - last_write[0] >= CHECKPOINT_S:
            _write_summary(summary, tasks, items, earlier)
            last_write[0] = time.monotonic()

    doc = pipeline.to_doc()
    n_workers, mode = 0, "none"
    if todo and scheduler is None and workers is None and timeout is None:
        todo = _in_process(doc, todo, items, notify, progress, checkpoint)
        n_workers, mode = 1, "in-process"
    if todo and not progress.cancelled:
        n_workers = _run_on_dask(doc, todo, items, scheduler, workers, processes, notify,
                                 progress, checkpoint, timeout)
        mode = "dask"
    for t in todo:  # cancelled before they ran
        items.setdefault(id(t), _failed(t, "cancelled"))
    checkpoint(force=True)
    return BatchReport([items[id(t)] for t in tasks], summary, time.perf_counter() - t0,
                       n_workers, mode)


def _suffix(pipeline) -> str:
    if pipeline.ends_in_analysis:
        return ".h5"
    from .. import api

    made = pipeline.steps[-1].spec.produces
    for w in api.plugin_manager().contributions("writers"):
        if made and made[0] in w.accepts:
            return w.extensions[0]
    return ".h5"


def _call(doc: dict, t: Task) -> tuple:
    return (doc, t.input.to_json(), str(t.output), t.key)


def spare_cores() -> int:
    """Cores a local cluster could use now: the machine's, less what other processes keep
    busy (the 1-minute load average, not counting this process's own work)."""
    n = os.cpu_count() or 1
    try:
        busy = max(0.0, os.getloadavg()[0] - 1.0)
    except (OSError, AttributeError):  # no load average (Windows): assume an idle machine
        busy = 0.0
    return max(1, min(n, math.floor(n - busy + 0.5)))


def worth_a_cluster(seconds: list[float], remaining: int, cores: int) -> bool:
    """Whether starting worker processes beats running the ``remaining`` inputs here, from
    the times of those already run here. The first input also paid for imports, so it
    counts alone only when it by itself took longer than a cluster's start; later inputs
    are judged by their median. With one spare core a cluster cannot win."""
    if cores < 2 or remaining < 2 or not seconds:
        return False
    typical = seconds[0] if len(seconds) == 1 else statistics.median(seconds[1:])
    if len(seconds) == 1 and typical < CLUSTER_START_S:
        return False
    saved = typical * remaining * (1.0 - 1.0 / cores)
    return saved > 2 * CLUSTER_START_S


def _in_process(doc, todo: list[Task], items, notify, progress, checkpoint) -> list[Task]:
    """Run inputs here while that is quicker than starting workers; return the rest."""
    seconds: list[float] = []
    cores = spare_cores()
    for i, t in enumerate(todo):
        if progress.cancelled:
            return todo[i:]
        if worth_a_cluster(seconds, len(todo) - i, cores):
            return todo[i:]  # enough work left to pay for a cluster
        t_start = time.perf_counter()
        r = run_one(*_call(doc, t), topic=notify, label=t.input.label)
        seconds.append(time.perf_counter() - t_start)
        _finish(t, r, items, notify, checkpoint)
    return []


_CLUSTERS: dict[tuple, Any] = {}
_CLUSTER_LOCK = threading.Lock()


def _local_client(n: int, processes: bool):
    """A client of a local cluster of ``n`` single-threaded workers, kept for later batches."""
    from distributed import Client, LocalCluster

    with _CLUSTER_LOCK:
        key = (n, processes)
        cluster = _CLUSTERS.get(key)
        if cluster is not None and getattr(cluster, "status", None) is not None \
                and str(cluster.status).endswith("running"):
            return Client(cluster)
        with _worker_environment():
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                   dashboard_address=None)
        _CLUSTERS[key] = cluster
        return Client(cluster)


#: Environment variables dask's nanny sets in its workers that this cluster leaves out.
#: ``MALLOC_TRIM_THRESHOLD_=65536`` makes glibc hand freed memory back at once, but setting
#: it also turns off glibc's adaptive mmap threshold, so every numpy temporary above
#: 128 KiB is mapped and unmapped afresh (page faults on each): an analysis computed
#: 1.28x slower in a worker than in a plain process (wPLI of a 64-channel, 90-s
#: recording: 1.44 against 1.12 s; without it, 1.12 s in both).
DROPPED_WORKER_ENVIRON = ("MALLOC_TRIM_THRESHOLD_",)


def _worker_environment():
    """Dask configuration for the local cluster's worker processes (see above)."""
    import dask

    env = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    for name in DROPPED_WORKER_ENVIRON:
        env.pop(name, None)
    return dask.config.set({"distributed.nanny.pre-spawn-environ": env})


@atexit.register
def _close_clusters() -> None:
    for cluster in _CLUSTERS.values():
        with contextlib.suppress(Exception):
            cluster.close()
    _CLUSTERS.clear()


def _run_on_dask(doc, todo, items, scheduler, workers, processes, notify, progress,
                 checkpoint, timeout) -> int:
    from distributed import Client

    if scheduler:
        client = Client(scheduler)
    else:
        client = _local_client(workers or default_workers(len(todo)), processes)
    topic = f"neurodeck-batch-{uuid.uuid4().hex}"
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        finished: set[str] = set()
        running_since: dict[str, float] = {}
        lock = threading.Lock()  # events arrive on dask's thread, results on ours

        def on_event(event: tuple) -> None:
            msg = event[1]
            if isinstance(msg, dict) and msg.get("state") == "running":
                with lock:  # a late event must not follow the input's final state
                    if msg["input"] not in finished:
                        running_since.setdefault(msg["input"], time.monotonic())
                        notify(msg["input"], "running", msg["fraction"], msg["message"])

        client.subscribe_topic(topic, on_event)
        futures: dict[Any, list[Task]] = {}
        woke = threading.Event()
        pending: set[Any] = set()

        def submit(chunk: list[Task]) -> None:
            calls = [(*_call(doc, t), topic, t.input.label) for t in chunk]
            key = f"neurodeck-{chunk[0].output.stem}-{uuid.uuid4().hex[:8]}"
            if len(calls) == 1:
                fut = client.submit(run_one, *calls[0], key=key, pure=False, retries=0)
            else:
                from .worker import run_many

                fut = client.submit(run_many, [c[:4] + (c[5],) for c in calls], topic,
                                    key=key, pure=False, retries=0)
            futures[fut] = chunk
            pending.add(fut)
            fut.add_done_callback(lambda _f: woke.set())

        # Nothing timed yet (workers were named, so nothing ran here first): a first wave
        # of single inputs, two per worker, times the work; the rest follow in chunks
        # sized from those times, so tiny inputs do not each pay a task's overhead.
        later: list[Task] = []
        if timeout:
            first = todo
        elif _timed(items):
            first, later = [], todo
        else:
            first, later = todo[:2 * max(n_workers, 1)], todo[2 * max(n_workers, 1):]
        for chunk in _chunks(first, 1):
            submit(chunk)
        while pending or later:
            # sized once a worker has run a second input (each worker's first pays
            # for its imports), or when the first wave is done
            if later and (len(_timed(items)) > n_workers or not pending):
                for chunk in _chunks(later, _chunk_size(items, later, n_workers)):
                    submit(chunk)
                later = []
            woke.wait(0.5)
            woke.clear()
            done = {f for f in pending if f.done()}
            pending -= done
            for fut in done:
                for t, r in zip(futures[fut], _results(fut, futures[fut]), strict=True):
                    with lock:
                        finished.add(t.input.label)
                    _finish(t, r, items, notify, checkpoint)
            if timeout:
                now = time.monotonic()
                for fut in list(pending):
                    t = futures[fut][0]
                    began = running_since.get(t.input.label)
                    if began is not None and now - began > timeout:
                        pending.discard(fut)
                        _kill(client, fut)
                        with lock:
                            finished.add(t.input.label)
                        _finish(t, _failure(t, f"timed out after {timeout:g} s (the worker "
                                            "was restarted)"), items, notify, checkpoint)
            if progress.cancelled:
                client.cancel(list(pending))
                for t in [t for f in pending for t in futures[f]] + later:
                    items[id(t)] = _failed(t, "cancelled")
                    notify(t.input.label, "failed", 0.0, "cancelled")
                break
        return n_workers
    finally:
        client.close()


def _timed(items) -> list[float]:
    """Seconds of the inputs computed so far (here or on workers)."""
    return [i.seconds for i in items.values() if not i.reused and i.seconds > 0]


def _chunk_size(items, todo, n_workers: int) -> int:
    """Inputs per dask task: enough that each task holds >= MIN_TASK_S of work (from the
    inputs timed so far), without starving workers (at least four tasks per worker)."""
    timed = _timed(items)
    if not timed:
        return 1
    per = min(timed)  # the first inputs of a process also paid for its imports
    size = max(1, math.ceil(MIN_TASK_S / max(per, 1e-6)))
    return max(1, min(size, len(todo) // max(n_workers * 4, 1) or 1))


def _chunks(todo: list[Task], size: int) -> list[list[Task]]:
    return [todo[i:i + size] for i in range(0, len(todo), size)]


def _results(fut, tasks: list[Task]) -> list[dict[str, Any]]:
    try:
        r = fut.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker fails its inputs only
        return [_failure(t, f"{type(exc).__name__}: {exc}") for t in tasks]
    return r if isinstance(r, list) else [r]


def _kill(client, fut) -> None:
    """Cancel a hung input and restart the worker running it (a thread cannot be stopped)."""
    with contextlib.suppress(Exception):
        where = [w for w, keys in client.processing().items() if fut.key in keys]
        client.cancel([fut], force=True)
        if where:
            client.restart_workers(where, timeout=30)


def _failure(t: Task, error: str) -> dict[str, Any]:
    return {"input": t.input.label, "output": "", "status": "failed", "seconds": 0.0,
            "started": time.time(), "worker": "", "error": error, "traceback": ""}


def _finish(t: Task, r: dict[str, Any], items, notify, checkpoint) -> None:
    started = _dt.datetime.fromtimestamp(r["started"], _dt.UTC).isoformat(timespec="seconds")
    item = BatchItem(t.input.label, r["output"], r["status"], False, r["seconds"], started,
                     r["worker"], t.sha256 or "", r["error"], t.input.member or "", t.key)
    items[id(t)] = item
    _error_file(t, item, r.get("traceback", ""))
    notify(t.input.label, item.status, 1.0, item.error or "done")
    checkpoint()  # throttled: see run_pipeline


def _reused(t: Task) -> BatchItem:
    return BatchItem(t.input.label, str(t.output), "ok", reused=True,
                     input_sha256=t.sha256 or "", member=t.input.member or "", key=t.key)


def _failed(t: Task, error: str) -> BatchItem:
    return BatchItem(t.input.label, "", "failed", error=error, input_sha256=t.sha256 or "",
                     member=t.input.member or "", key=t.key)


def _error_file(t: Task, item: BatchItem, tb: str) -> None:
    """The full traceback of a failed input beside its output name; removed on success."""
    path = t.output.with_name(t.output.name.split(".")[0] + ".error.txt")
    if item.status == "ok":
        path.unlink(missing_ok=True)
        return
    write_text_atomic(path, f"{item.input}\n{item.error}\n\n{tb}")


def _read_rows(path: Path) -> list[dict[str, str]]:
    try:
        return read_summary(path)
    except (OSError, csv.Error, UnicodeDecodeError):
        return []


def _write_summary(path: Path, tasks: list[Task], items: Mapping[int, BatchItem],
                   earlier: list[dict[str, str]]) -> None:
    """This run's rows, after the earlier rows of inputs this run did not touch."""
    mine = {t.input.label for t in tasks}
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    w.writeheader()
    for row in earlier:
        if row.get("input") not in mine:
            w.writerow({c: row.get(c, "") for c in COLUMNS})
    for t in tasks:
        if id(t) in items:
            row = asdict(items[id(t)])
            row["reused"] = "yes" if row["reused"] else "no"
            w.writerow(row)
    write_text_atomic(path, buf.getvalue())


def read_summary(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


__all__ = ["BatchItem", "BatchReport", "COLUMNS", "Source", "default_workers", "read_summary",
           "run_batch", "run_pipeline"]
