"""The headless Python API: everything the GUI does, callable from scripts."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._version import __version__
from .data.base import Dataset
from .data.result import Result
from .errors import InputError, ParameterError
from .jobs.progress import Progress
from .plugin_api.contributions import Analysis
from .plugin_api.lazy import resolve
from .plugin_api.manager import PluginInfo, PluginManager
from .readers import open_path

_MANAGER: PluginManager | None = None


def plugin_manager(*, safe_mode: bool | None = None) -> PluginManager:
    """The process-wide plugin manager, discovered on first use."""
    global _MANAGER
    if _MANAGER is None:
        if safe_mode is None:
            safe_mode = os.environ.get("NEURODECK_SAFE_MODE", "") not in ("", "0")
        _MANAGER = PluginManager(safe_mode=safe_mode)
        _MANAGER.discover()
    return _MANAGER


def set_plugin_manager(pm: PluginManager | None) -> None:
    """Replace the process-wide manager (tests, safe mode, embedding apps)."""
    global _MANAGER
    _MANAGER = pm


def open(path: str | os.PathLike[str], *, reader: str | None = None,
         **options: Any) -> Dataset | list[Dataset]:  # noqa: A001 - mirrors builtins.open
    """Open a file with the plugin reader that fits it; returns neurodeck datasets."""
    return open_path(plugin_manager(), path, reader=reader, **options)


def analyses() -> list[Analysis]:
    """Every analysis contributed by the enabled plugins."""
    return list(plugin_manager().contributions("analyses"))


def plugins() -> list[PluginInfo]:
    """Every discovered plugin, with version, status and errors."""
    return list(plugin_manager().info.values())


def run(analysis_id: str, *inputs: Dataset | str | os.PathLike[str],
        progress: Progress | None = None, **params: Any) -> Result:
    """Run an analysis on datasets (or file paths) with keyword parameters.

    Returns a :class:`~neurodeck.data.result.Result` carrying provenance.
    """
    pm = plugin_manager()
    spec = pm.analysis(analysis_id)
    datasets = [_as_dataset(x) for x in inputs]
    values = spec.schema.resolve(params)
    return execute(spec, datasets, values, progress, pm.plugin_version(spec.plugin))


def execute(spec: Analysis, datasets: list[Dataset], values: Mapping[str, Any],
            progress: Progress | None = None, plugin_version: str = "") -> Result:
    """Run a resolved analysis on datasets with validated values (the GUI's entry point)."""
    check_inputs(spec, datasets)
    progress = progress or Progress()
    progress.update(0.0, "starting")
    out = resolve(spec.run)(datasets, dict(values), progress)
    progress.update(1.0, "done")
    return make_result(spec, out, datasets, values, plugin_version)


def check_inputs(spec: Analysis, datasets: list[Dataset]) -> None:
    lo, hi = spec.n_inputs
    if not lo <= len(datasets) <= hi:
        want = str(lo) if lo == hi else f"{lo} to {hi}"
        raise InputError(f"analysis {spec.id!r} takes {want} input(s), got {len(datasets)}")
    for ds in datasets:
        if not spec.accepts_dataset(ds):
            raise InputError(
                f"analysis {spec.id!r} accepts {', '.join(spec.accepts)}; "
                f"{ds.name} is {ds.kind}"
            )


def make_result(spec: Analysis, out: Mapping[str, Any] | Result, inputs: list[Dataset],
                params: Mapping[str, Any], plugin_version: str = "") -> Result:
    """Wrap an analysis's output with its provenance."""
    import numpy as np

    prov = {
        "analysis": spec.id,
        "plugin": spec.plugin,
        "plugin_version": plugin_version,
        "parameters": {k: _jsonable(v) for k, v in params.items()},
        "inputs": [
            {"name": ds.name, "kind": ds.kind,
             "path": str(ds.source) if ds.source else None,
             "sha256": ds.fingerprint()}
            for ds in inputs
        ],
        "neurodeck_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if isinstance(out, Result):
        prov = {**prov, **{k: v for k, v in out.provenance.items() if k == "extra"}}
        return Result(dict(out), prov, name=f"{spec.id} of {_names(inputs)}", meta=out.meta)
    if not isinstance(out, Mapping):
        raise TypeError(f"analysis {spec.id!r} returned {type(out).__name__}, not a mapping")
    return Result(out, prov, name=f"{spec.id} of {_names(inputs)}")


def _names(inputs: list[Dataset]) -> str:
    return ", ".join(ds.name for ds in inputs) or "nothing"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def _as_dataset(x: Dataset | str | os.PathLike[str]) -> Dataset:
    if isinstance(x, Dataset):
        return x
    if isinstance(x, (str, Path, os.PathLike)):
        out = open(x)
        if isinstance(out, list):
            if len(out) != 1:
                raise ParameterError(f"{x} holds {len(out)} datasets; open it and pick one")
            out = out[0]
        return out
    raise InputError(f"{x!r} is neither a dataset nor a file path")
