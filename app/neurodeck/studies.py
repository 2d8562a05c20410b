"""Opening studies: a folder of files, a multi-member file, or datasets already open.

Listing members reads no data: a folder study costs a directory walk and the readers'
extension tables; a multi-member file costs its reader's ``members(path)`` (a header read).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .data.base import Dataset
from .data.study import DatasetMember, FileMember, Study, folder_members
from .data.timeseries import Traces
from .errors import ReadError
from .plugin_api.lazy import resolve
from .plugin_api.manager import PluginManager
from .readers import candidate_readers


def _match(pm: PluginManager, path: Path) -> tuple[str | None, str] | None:
    """The reader (by extension) that would open ``path`` in a study, and its kind."""
    readers = candidate_readers(pm, path)
    if not readers and path.is_dir():  # folder formats (a suite2p plane, a CTF .ds...)
        from .readers import sniffing_readers

        readers = sniffing_readers(pm, path)
    if not readers:
        return None
    kinds = {k for r in readers for k in r.produces}
    kind = kinds.pop() if len(kinds) == 1 else ""
    # Several readers share the extension (.csv: traces or edge lists): the member is
    # opened like any file, each candidate tried in turn.
    return (readers[0].id if len(readers) == 1 else None), kind


def study_from_folder(pm: PluginManager, folder: str | os.PathLike[str], *,
                      pattern: str | None = None, name: str | None = None) -> Study:
    """Every readable file below ``folder`` (optionally matching a glob ``pattern``)."""
    folder = Path(folder)
    members = folder_members(folder, lambda p: _match(pm, p), pattern)
    if not members:
        raise ReadError(folder, "no file in this folder is of a kind neurodeck reads"
                        + (f" (pattern {pattern!r})" if pattern else ""))
    _merge_participants(folder, members)
    return Study(members, name=name or folder.name, source=folder)


def _merge_participants(folder: Path, members: Sequence[FileMember]) -> None:
    """BIDS ``participants.tsv`` columns join each member's row by subject."""
    table = folder / "participants.tsv"
    if not table.is_file() or table.stat().st_size > 50_000_000:
        return
    try:
        with open(table, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh, delimiter="\t"))
    except (OSError, UnicodeDecodeError, csv.Error):
        return
    by_subject = {}
    for row in rows:
        pid = str(row.get("participant_id", ""))
        by_subject[pid.removeprefix("sub-")] = {k: v for k, v in row.items()
                                                if k and k != "participant_id"}
    for m in members:
        extra = by_subject.get(str(m.meta.get("subject", "")))
        if extra:
            for k, v in extra.items():
                m.meta.setdefault(k, v)


def member_specs(pm: PluginManager, path: Path, reader: str | None = None
                 ) -> tuple[str, list[dict[str, Any]]] | None:
    """``(reader id, member dicts)`` when a reader lists several members in ``path``."""
    readers = ([r for r in pm.contributions("readers") if r.id == reader] if reader
               else candidate_readers(pm, path))
    for r in readers:
        if r.members is None:
            continue
        try:
            if isinstance(r.members, str) and path.is_file():
                from .safety import policy, probe

                if policy.current().probe and not probe.in_worker():
                    probe.check_call(path, r.members)  # a hostile file costs an error only
            specs = list(resolve(r.members)(path) or [])
        except Exception:  # noqa: BLE001 - "not a multi-member file" for this reader
            continue
        if len(specs) > 1:
            return r.id, specs
    return None


def study_from_file(pm: PluginManager, path: str | os.PathLike[str], *,
                    reader: str | None = None, **options: Any) -> Study:
    """The members of a multi-member file (groups, animals, sessions, series)."""
    from .readers import open_path

    path = Path(path)
    listed = member_specs(pm, path, reader)
    if listed is not None:
        rid, specs = listed
        members = [FileMember(str(s["key"]), dict(s.get("meta") or {}), str(s.get("kind", "")),
                              path=path, reader=rid,
                              options={**options, **dict(s.get("options") or {})})
                   for s in specs]
        return Study(members, name=path.name, source=path)
    out = open_path(pm, path, reader, **options)
    return study_from_datasets(out if isinstance(out, list) else [out], name=path.name,
                               source=path)


def study_from_datasets(datasets: Sequence[Dataset], *, name: str = "study",
                        source: str | os.PathLike[str] | None = None,
                        meta: Sequence[Mapping[str, Any]] | None = None) -> Study:
    """A study of datasets already open; a multi-animal ``Traces`` gives one per animal."""
    items: list[Dataset] = []
    for ds in datasets:
        if isinstance(ds, Traces) and ds.n_animals > 1:
            items += [ds.animal(i) for i in range(ds.n_animals)]
        elif isinstance(ds, Study):
            items += list(ds.datasets())
        else:
            items.append(ds)
    keys: list[str] = []
    for ds in items:
        key = ds.name.rsplit(":", 1)[-1] if ":" in ds.name else ds.name
        base, n = key, 2
        while key in keys:
            key, n = f"{base} ({n})", n + 1
        keys.append(key)
    rows = list(meta) if meta is not None else [{} for _ in items]
    members = [DatasetMember(k, dict(row), ds.kind, dataset=ds)
               for k, ds, row in zip(keys, items, rows, strict=True)]
    return Study(members, name=name, source=source)
