"""Shared method for every benchmark: interleaved timing, stated conditions, results files.

Rules (so a skeptic can re-run and get the same figures):

- A and B are interleaved (A B A B ...), with equal repeat counts, after one untimed warm-up
  call each (``cold`` is timed separately when it matters: ``Case(cold=True)``).
- Median and spread (min, max, interquartile range) of wall and process-CPU time are reported.
- The load average before and after, the cores, the BLAS threads and the versions are recorded.
- Each script writes ``benchmarks/results/<name>.json``; ``python benchmarks/tables.py``
  renders those files into the docs' tables (between ``<!-- bench:NAME -->`` markers), and a
  test checks that the docs match the files, so docs and measurements cannot drift.

Usage::

    from harness import Case, compare, write_results

    rows = compare({"neurodeck": lambda: ours(x), "rsatoolbox": lambda: ref(x)}, repeats=5)
    write_results("rsa", {"cases": [...]}, quick=args.quick)
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def loadavg() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # Windows
        return []


def blas_threads() -> dict[str, int]:
    """Threads each BLAS/OpenMP library in this process would use."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {}
    return {f"{i.get('internal_api')}:{Path(i.get('filepath', '')).name}": i.get("num_threads")
            for i in threadpool_info()}


def environment() -> dict[str, Any]:
    import numpy as np

    return {
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "blas_threads": blas_threads(),
        "loadavg_start": loadavg(),
    }


def stats(values: list[float]) -> dict[str, float]:
    vals = sorted(values)
    if len(vals) >= 4:
        q = statistics.quantiles(vals, n=4)
        iqr = q[2] - q[0]
    else:
        iqr = vals[-1] - vals[0]
    return {"median": statistics.median(vals), "min": vals[0], "max": vals[-1], "iqr": iqr,
            "n": len(vals)}


def compare(fns: Mapping[str, Callable[[], Any]], repeats: int = 5, *, warmup: bool = True,
            setup: Callable[[], Any] | None = None) -> dict[str, Any]:
    """Time each callable ``repeats`` times, interleaved (A B A B ...).

    Returns ``{name: {"wall": stats, "cpu": stats, "cold_s": first-call wall time or None,
    "value": last return value}}``; ``setup`` runs (untimed) before every call.
    """
    out: dict[str, dict[str, Any]] = {k: {"wall": [], "cpu": [], "cold_s": None, "value": None}
                                      for k in fns}
    if warmup:
        for name, fn in fns.items():
            if setup:
                setup()
            t0 = time.perf_counter()
            out[name]["value"] = fn()
            out[name]["cold_s"] = time.perf_counter() - t0
    for _ in range(repeats):
        for name, fn in fns.items():
            if setup:
                setup()
            t0, c0 = time.perf_counter(), time.process_time()
            out[name]["value"] = fn()
            out[name]["wall"].append(time.perf_counter() - t0)
            out[name]["cpu"].append(time.process_time() - c0)
    for rec in out.values():
        rec["wall"] = stats(rec["wall"])
        rec["cpu"] = stats(rec["cpu"])
    return out


def ratio(res: Mapping[str, Any], num: str, den: str, what: str = "wall") -> float:
    """``median(num) / median(den)``: e.g. ``ratio(r, "reference", "neurodeck")`` is the
    speed-up of neurodeck over the reference."""
    return res[num][what]["median"] / res[den][what]["median"]


def strip_values(res: Mapping[str, Any]) -> dict[str, Any]:
    """``compare`` output without the returned values (for JSON)."""
    return {k: {kk: vv for kk, vv in v.items() if kk != "value"} for k, v in res.items()}


def write_results(name: str, data: Mapping[str, Any], *, quick: bool = False,
                  env: Mapping[str, Any] | None = None) -> Path:
    """Write ``benchmarks/results/<name>[-quick].json`` with the environment and load."""
    env = dict(env or environment())
    env["loadavg_end"] = loadavg()
    env["argv"] = sys.argv[1:]
    doc = {"benchmark": name, "quick": quick, "environment": env, **data}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}{'-quick' if quick else ''}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, indent=1, default=_default) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    print(f"wrote {path.relative_to(HERE.parent)}")
    return path


def _default(value: Any) -> Any:
    try:
        import numpy as np

        if isinstance(value, np.generic):
            return value.item()
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(value)


def fmt_s(seconds: float) -> str:
    """Seconds for tables: 3 significant figures, in ms below 1 s."""
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def fmt_spread(st: Mapping[str, float]) -> str:
    """``median (min-max)`` of a stats dict, in seconds or ms."""
    return f"{fmt_s(st['median'])} ({fmt_s(st['min'])}\u2013{fmt_s(st['max'])})"
