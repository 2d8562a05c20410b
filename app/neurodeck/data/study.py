"""Studies: many datasets (subjects, sessions, runs, animals) with a table of their metadata.

A study opens in the time it takes to list its members: each member is a recipe for a
dataset (a file and the reader options that open it, a dataset already open, or a
transform of another study's member), opened only when an analysis or a view reaches it.
"""

from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import Dataset

#: Loaded members kept per study (members are re-opened when evicted: they are lazy anyway).
CACHE_SIZE = 4


@dataclass
class Member:
    """One member of a study: its key, its row of metadata and how to get its dataset."""

    key: str
    meta: dict[str, Any] = field(default_factory=dict)
    kind: str = ""  # the kind it will have when opened ("" when unknown until then)

    def load(self) -> Dataset:  # pragma: no cover - abstract
        raise NotImplementedError

    def fingerprint(self) -> str:
        return self.load().fingerprint()

    def describe(self) -> dict[str, Any]:
        """JSON facts that say where the member comes from (scripts, batch, provenance)."""
        return {"key": self.key, "meta": dict(self.meta), "kind": self.kind}


@dataclass
class FileMember(Member):
    """A file (or one member of a multi-member file, selected by reader ``options``)."""

    path: Path = Path()
    reader: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    pick: str | None = None  # name of the dataset to take when the file holds several

    def load(self) -> Dataset:
        from ..api import open as open_file

        out = open_file(self.path, reader=self.reader, **self.options)
        return pick_one(out, self.pick, self.path)

    def fingerprint(self) -> str:
        from ..hashing import file_sha256

        if self.path.is_file():
            extra = repr(sorted(self.options.items())) + repr(self.pick)
            return "sha256:" + file_sha256(self.path) + (
                "" if extra == "[]None" else ":" + hashlib.sha256(extra.encode()).hexdigest())
        return self.load().fingerprint()

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "path": str(self.path), "reader": self.reader,
                "options": dict(self.options), "pick": self.pick}


@dataclass
class DatasetMember(Member):
    """A dataset that is already open (a study built from selected entries)."""

    dataset: Dataset | None = None

    def load(self) -> Dataset:
        assert self.dataset is not None
        return self.dataset

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "name": self.dataset.name if self.dataset else None}


@dataclass
class DerivedMember(Member):
    """``make(source.member(index))``: e.g. a transform applied to each member, lazily."""

    source: Study | None = None
    index: int = 0
    make: Callable[[Dataset], Dataset] | None = None

    def load(self) -> Dataset:
        assert self.source is not None and self.make is not None
        return self.make(self.source.member(self.index))

    def describe(self) -> dict[str, Any]:
        assert self.source is not None
        return {**self.source.members[self.index].describe(), "key": self.key,
                "meta": dict(self.meta), "kind": self.kind}


def pick_one(out: Dataset | list[Dataset], name: str | None, path: object) -> Dataset:
    """The dataset named ``name`` (or the only one) among what a reader returned."""
    from ..errors import InputError

    items = out if isinstance(out, list) else [out]
    if name is not None:
        for ds in items:
            if ds.name == name:
                return ds
        raise InputError(f"{path} holds no dataset named {name!r} "
                         f"(it holds: {', '.join(d.name for d in items)})")
    if len(items) != 1:
        raise InputError(f"{path} holds {len(items)} datasets "
                         f"({', '.join(d.name for d in items)}): name the one to use")
    return items[0]


class Study(Dataset):
    """Many datasets of one study, with a metadata table (one row per member).

    ``study.member("sub-01")`` (or an index) opens one member; ``study.table()`` gives the
    rows; ``study.subset(group="patient")`` keeps the members whose metadata match.
    Analyses that take several inputs take a study as one input.
    """

    def __init__(self, members: Sequence[Member], *, name: str | None = None,
                 source: str | Path | None = None, meta: Mapping[str, Any] | None = None,
                 columns: Sequence[str] | None = None):
        super().__init__(name=name, source=source, meta=meta)
        self.members: list[Member] = list(members)
        keys = [m.key for m in self.members]
        if len(set(keys)) != len(keys):
            dup = sorted({k for k in keys if keys.count(k) > 1})
            raise ValueError(f"study members need distinct keys; repeated: {', '.join(dup[:5])}")
        self._index = {k: i for i, k in enumerate(keys)}
        seen: dict[str, None] = dict.fromkeys(columns or ())
        for m in self.members:
            seen.update(dict.fromkeys(m.meta))
        self.columns: list[str] = list(seen)
        self._cache: OrderedDict[int, Dataset] = OrderedDict()

    # -- kinds: a study of recordings is also a "study:recording" -------------------------
    @property
    def member_kind(self) -> str:
        kinds = {m.kind for m in self.members}
        return kinds.pop() if len(kinds) == 1 else ""

    @property
    def kinds(self) -> tuple[str, ...]:  # type: ignore[override]
        mk = self.member_kind
        return ("study", f"study:{mk}") if mk else ("study",)

    # -- members -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.members)

    def keys(self) -> list[str]:
        return [m.key for m in self.members]

    def index(self, key: int | str) -> int:
        if isinstance(key, int) and not isinstance(key, bool):
            if not -len(self) <= key < len(self):
                raise IndexError(f"{self.name} has {len(self)} members; no member {key}")
            return key % len(self)
        text = str(key)
        if text in self._index:
            return self._index[text]
        if text.lstrip("-").isdigit():
            return self.index(int(text))
        raise KeyError(f"{self.name} has no member {text!r} "
                       f"(members: {', '.join(self.keys()[:8])}{'...' if len(self) > 8 else ''})")

    def member(self, key: int | str) -> Dataset:
        """Open one member (by key or index); a few recently opened ones are kept."""
        i = self.index(key)
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        m = self.members[i]
        ds = m.load()
        ds.meta.setdefault("study", {"study": self.name, "member": m.key, **m.meta})
        self._cache[i] = ds
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return ds

    def datasets(self) -> MemberList:
        """The members as a lazy sequence of datasets (each opened when reached)."""
        return MemberList(self)

    def __iter__(self) -> Iterator[Dataset]:
        return iter(self.datasets())

    def table(self) -> list[dict[str, Any]]:
        """One row per member: ``member`` (its key), ``kind`` and the metadata columns."""
        return [{"member": m.key, "kind": m.kind, **{c: m.meta.get(c) for c in self.columns}}
                for m in self.members]

    def subset(self, keys: Sequence[str] | None = None, *, name: str | None = None,
               **where: Any) -> Study:
        """Members by key, or whose metadata equal ``where`` (a value or a list of values)."""
        chosen = [self.members[self.index(k)] for k in keys] if keys is not None else \
            list(self.members)
        for col, want in where.items():
            allowed = {str(v) for v in (want if isinstance(want, (list, tuple, set)) else [want])}
            chosen = [m for m in chosen if str(m.meta.get(col)) in allowed]
        return Study(chosen, name=name or f"{self.name} (subset)", source=self.source,
                     columns=self.columns)

    def map(self, make: Callable[[Dataset], Dataset], *, name: str, kind: str = "") -> Study:
        """A study whose members are ``make(member)``, computed when each is reached."""
        members = [DerivedMember(m.key, dict(m.meta), kind or m.kind, source=self, index=i,
                                 make=make) for i, m in enumerate(self.members)]
        return Study(members, name=name, source=self.source, columns=self.columns)

    # -- facts ---------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["members"] = len(self)
        kinds: dict[str, int] = {}
        for m in self.members:
            kinds[m.kind or "?"] = kinds.get(m.kind or "?", 0) + 1
        out["member_kinds"] = kinds
        if self.columns:
            out["columns"] = list(self.columns)
        return out

    def content_fingerprint(self) -> str:
        h = hashlib.sha256()
        for m in self.members:
            h.update(m.key.encode() + b"\0" + m.fingerprint().encode() + b"\n")
        return "sha256:" + h.hexdigest()


class MemberList(Sequence[Dataset]):
    """A study's members as a sequence of datasets, each opened on access."""

    def __init__(self, study: Study):
        self.study = study

    def __len__(self) -> int:
        return len(self.study)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self.study.member(j) for j in range(*i.indices(len(self)))]
        return self.study.member(i)


# -- building studies -------------------------------------------------------------------------

#: BIDS entity keys and the column each becomes.
BIDS_ENTITIES = {"sub": "subject", "ses": "session", "task": "task", "acq": "acquisition",
                 "run": "run", "rec": "reconstruction", "space": "space", "desc": "description"}
#: Files of a BIDS tree that describe data rather than hold it.
SIDECAR_SUFFIXES = ("_events.tsv", "_channels.tsv", "_electrodes.tsv", "_coordsystem.json",
                    "_scans.tsv", "_sessions.tsv", "participants.tsv", ".json", ".md", ".txt.bak")
#: Data files of multi-file formats, listed under their header file only: a file with one
#: of these suffixes is skipped when a file of the same stem with a header suffix is there.
COMPANIONS = {".eeg": (".vhdr", ".ahdr"), ".vmrk": (".vhdr", ".ahdr"), ".amrk": (".ahdr",),
              ".fdt": (".set",), ".dat": (".vhdr", ".hdr"), ".img": (".hdr",)}
#: At most this many directory entries are looked at when a folder is opened as a study.
SCAN_LIMIT = 200_000


def entities(name: str) -> dict[str, str]:
    """BIDS-style ``key-value`` pairs of a file name (``sub-01_task-rest_eeg.edf``)."""
    stem = name.split(".")[0]
    out: dict[str, str] = {}
    parts = stem.split("_")
    for part in parts:
        key, sep, value = part.partition("-")
        if sep and key in BIDS_ENTITIES and value:
            out[BIDS_ENTITIES[key]] = value
    if out and "-" not in parts[-1]:
        out["datatype"] = parts[-1]  # the BIDS suffix: eeg, meg, bold, ...
    return out


def folder_members(folder: Path, match: Callable[[Path], tuple[str | None, str] | None],
                   pattern: str | None = None) -> list[FileMember]:
    """Members for every file below ``folder`` that ``match(path)`` can read.

    ``match(path) -> (reader id, kind)`` or None. Keys are the paths relative to the
    folder; metadata are the BIDS entities of the name and the sub-folders (``folder1``...).
    Hidden files and BIDS sidecars are skipped.
    """
    import fnmatch

    root = Path(folder)
    found: list[FileMember] = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and d not in ("derivatives", "sourcedata", "code"))
        seen += len(dirnames) + len(filenames)
        if seen > SCAN_LIMIT:
            break
        here = Path(dirpath)
        candidates = sorted(filenames) + [d for d in dirnames if match(here / d)]
        present = set(filenames)
        for fname in candidates:
            if fname.startswith(".") or fname.endswith(SIDECAR_SUFFIXES):
                continue
            stem, dot, ext = fname.rpartition(".")
            if dot and any(stem + h in present for h in COMPANIONS.get("." + ext.lower(), ())):
                continue  # the data part of a header file listed on its own
            path = here / fname
            rel = path.relative_to(root).as_posix()
            if pattern and not fnmatch.fnmatch(rel, pattern) and not fnmatch.fnmatch(fname,
                                                                                      pattern):
                continue
            got = match(path)
            if got is None:
                continue
            if path.is_dir():
                dirnames[:] = [d for d in dirnames if d != fname]  # a folder-format recording
            reader, kind = got
            meta: dict[str, Any] = entities(fname)
            if not meta:  # no BIDS-style name: the sub-folders are the grouping
                for i, part in enumerate(Path(rel).parts[:-1], 1):
                    meta[f"folder{i}"] = part
            found.append(FileMember(rel, meta, kind, path=path, reader=reader))
    return found
