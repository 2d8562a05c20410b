"""The headless Python API: everything the GUI does, callable from scripts."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import engine
from .data.base import Dataset
from .data.result import Result
from .data.study import Study, pick_one
from .errors import InputError
from .jobs.progress import Progress
from .plugin_api.contributions import Analysis, Transform
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


def open(path: str | os.PathLike[str], *, reader: str | None = None,  # noqa: A001
         member: int | str | None = None, **options: Any) -> Dataset | list[Dataset]:
    """Open a file (or a folder, as a study) with the plugin reader that fits it.

    ``member`` picks one subject/animal/session of a multi-member file or folder (its key
    or index), opening only that one; ``options`` are the reader's keywords.
    """
    pm = plugin_manager()
    if member is None:
        return open_path(pm, path, reader=reader, **options)
    return open_study(path, reader=reader, **options).member(member)


def open_study(path: str | os.PathLike[str], *, reader: str | None = None,
               pattern: str | None = None, **options: Any) -> Study:
    """A study of many datasets: a folder of files (``pattern`` filters them, e.g.
    ``"sub-*/eeg/*.edf"``), a BIDS root, or a file holding several subjects/animals."""
    from .studies import study_from_file, study_from_folder

    pm = plugin_manager()
    path = Path(path).expanduser()
    if path.is_dir() and pattern is not None:
        return study_from_folder(pm, path, pattern=pattern)
    if path.is_dir():
        out = open_path(pm, path, reader=reader, **options)
        if isinstance(out, Study):
            return out
        from .studies import study_from_datasets

        return study_from_datasets(out if isinstance(out, list) else [out], name=path.name,
                                   source=path)
    return study_from_file(pm, path, reader=reader, **options)


def study(datasets: Sequence[Dataset | str | os.PathLike[str]], *, name: str = "study",
          meta: Sequence[Mapping[str, Any]] | None = None) -> Study:
    """A study from datasets (or files, opened lazily) with an optional metadata row each."""
    from .data.study import FileMember
    from .studies import study_from_datasets

    if all(isinstance(d, Dataset) for d in datasets):
        return study_from_datasets(list(datasets), name=name, meta=meta)  # type: ignore[arg-type]
    rows = list(meta) if meta is not None else [{} for _ in datasets]
    members = []
    for d, row in zip(datasets, rows, strict=True):
        if isinstance(d, Dataset):
            from .data.study import DatasetMember

            members.append(DatasetMember(d.name, dict(row), d.kind, dataset=d))
        else:
            p = Path(d)
            members.append(FileMember(p.name, dict(row), "", path=p))
    return Study(members, name=name)


def analyses() -> list[Analysis]:
    """Every analysis contributed by the enabled plugins."""
    return list(plugin_manager().contributions("analyses"))


def transforms() -> list[Transform]:
    """Every transform contributed by the enabled plugins."""
    return list(plugin_manager().contributions("transforms"))


def plugins() -> list[PluginInfo]:
    """Every discovered plugin, with version, status and errors."""
    return list(plugin_manager().info.values())


def run(analysis_id: str, *inputs: Dataset | str | os.PathLike[str],
        progress: Progress | None = None, **params: Any) -> Result:
    """Run an analysis on datasets (or file paths) with keyword parameters.

    A study (or a folder path) counts as its members for analyses taking several inputs.
    Returns a :class:`~neurodeck.data.result.Result` carrying provenance.
    """
    step = engine.prepare(plugin_manager().analysis(analysis_id), params)
    out = engine.execute(step, [as_dataset(x) for x in inputs], progress)
    assert isinstance(out, Result)
    return out


def transform(transform_id: str, *inputs: Dataset | str | os.PathLike[str],
              progress: Progress | None = None, **params: Any) -> Dataset:
    """Apply a transform; returns a new dataset (the inputs are never modified).

    Given a study, a one-input transform applies to every member (lazily) and returns a
    study.
    """
    step = engine.prepare(plugin_manager().transform(transform_id), params)
    return engine.execute(step, [as_dataset(x) for x in inputs], progress)


def execute(spec: Analysis | Transform, datasets: Sequence[Dataset],
            values: Mapping[str, Any], progress: Progress | None = None,
            plugin_version: str = "") -> Result | Dataset:
    """Run a step whose ``values`` were validated already (``spec.schema.resolve``)."""
    return engine.execute(engine.trusted(spec, values, plugin_version), list(datasets),
                          progress)


def as_dataset(x: Dataset | str | os.PathLike[str]) -> Dataset:
    """A dataset, or the one dataset a path holds (a folder opens as a study)."""
    if isinstance(x, Dataset):
        return x
    if isinstance(x, (str, Path, os.PathLike)):
        out = open(x)
        if isinstance(out, list):
            if len(out) != 1:
                raise InputError(f"{x} holds {len(out)} datasets "
                                 f"({', '.join(d.name for d in out)}); open it and pick one, "
                                 "or pass member=")
            out = out[0]
        return out
    raise InputError(f"{x!r} is neither a dataset nor a file path")


__all__ = ["analyses", "as_dataset", "execute", "open", "open_study", "pick_one", "plugins",
           "plugin_manager", "run", "set_plugin_manager", "study", "transform", "transforms"]
