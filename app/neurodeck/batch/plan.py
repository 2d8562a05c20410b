"""What a batch will do: its inputs, where each output goes, and which are already current.

An input is a *source*: a file, or one member of a folder study or a multi-member file
(the file plus the reader options that open that member). An output is *current* when the
record stored with it carries the same key: a hash of the pipeline (steps, parameters,
plugin and core versions) and of the source (the file's sha256, reader, options, member).
Anything else (or an unreadable output) is recomputed.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..hashing import file_sha256


@dataclass
class Source:
    """One input of a batch: a file, or one member of it."""

    path: Path
    reader: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    member: str | None = None  # the member's key in its study (None: the whole file)
    meta: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None  # the study folder this member was found in

    @property
    def label(self) -> str:
        """How the summary and progress name it: the path, plus ``#member``."""
        return str(self.path) + (f"#{self.member}" if self.member and self.folder is None
                                 else "")

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "reader": self.reader, "options": dict(self.options),
                "member": self.member, "meta": dict(self.meta)}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Source:
        return cls(Path(doc["path"]), doc.get("reader"), dict(doc.get("options") or {}),
                   doc.get("member"), dict(doc.get("meta") or {}))

    def fingerprint(self) -> str | None:
        """``sha256:<file>`` plus the options that pick what is read (None: not a file)."""
        if not self.path.is_file():
            return None
        base = "sha256:" + file_sha256(self.path)
        extra = json.dumps([self.reader, sorted(self.options.items()),
                            self.member if self.folder is None else None], default=str)
        return base if extra == '[null, [], null]' else \
            base + ":" + hashlib.sha256(extra.encode()).hexdigest()[:16]

    def open(self):
        """The dataset this source names."""
        from .. import api
        from ..data.study import pick_one

        out = api.open(self.path, reader=self.reader, **self.options)
        return pick_one(out, None, self.path)


@dataclass
class Task:
    """One source of a batch and the output it makes."""

    input: Source
    output: Path
    sha256: str | None = None  # the source's fingerprint
    key: str = ""  # what makes the output current (see module doc)


def expand_inputs(specs: str | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files (and folders) from glob patterns, paths, or comma-separated lists; sorted,
    no duplicates."""
    if isinstance(specs, (str, os.PathLike)):
        specs = [specs]
    items: list[str] = []
    for s in specs:
        s = os.fspath(s)
        items += [p for p in s.split(",") if p.strip()] if "," in s and not os.path.exists(s) \
            else [s]
    out: dict[Path, None] = {}
    for item in items:
        item = os.path.expanduser(item.strip())
        matches = sorted(glob.glob(item, recursive=True)) if glob.has_magic(item) else [item]
        if not matches:
            raise InputError(f"no file matches {item!r}")
        for m in matches:
            if not os.path.exists(m):
                raise InputError(f"input {m} does not exist")
            out[Path(m).absolute()] = None
    if not out:
        raise InputError("no inputs given")
    return sorted(out)


def expand_sources(specs: str | Iterable[str | os.PathLike[str] | Source], *,
                   reader: str | None = None, options: Mapping[str, Any] | None = None,
                   member: str | None = None) -> list[Source]:
    """Sources from input specs: files as they are, folders as the members of their study,
    ``member`` picking one member of each multi-member file; Sources pass through."""
    from .. import api
    from ..data.study import FileMember

    options = dict(options or {})
    out: list[Source] = []
    if not isinstance(specs, (str, os.PathLike)):
        specs = list(specs)
        out = [s for s in specs if isinstance(s, Source)]
        specs = [s for s in specs if not isinstance(s, Source)]
        if out and not specs:
            return out
    for p in expand_inputs(specs):
        if p.is_dir():
            study = api.open_study(p)
            files = [m for m in study.members if isinstance(m, FileMember)]
            if not files:
                raise InputError(f"{p} holds no files neurodeck reads")
            out += [Source(m.path.absolute(), m.reader or reader, {**options, **m.options},
                           m.key, dict(m.meta), p) for m in files]
        elif member is not None:
            study = api.open_study(p, reader=reader, **options)
            m = study.members[study.index(member)]
            if isinstance(m, FileMember):
                out.append(Source(p, m.reader, dict(m.options), m.key, dict(m.meta)))
            else:
                raise InputError(f"{p}: member {member!r} cannot be opened on its own")
        else:
            out.append(Source(p, reader, dict(options)))
    return out


def output_names(inputs: Iterable[Path | Source], suffix: str = ".h5") -> dict[Any, str]:
    """An output file name per input: its stem (and member), with parent folders added
    where names clash (``sub-01_eeg.h5``, ``s2_run1.h5``), so names do not depend on other
    runs."""
    inputs = list(inputs)

    def parts_of(x: Path | Source) -> tuple[Path, str]:
        if isinstance(x, Source):
            stem = x.path.name.split(".")[0]
            if x.member and x.folder is None:
                stem += "_" + "".join(c if c.isalnum() or c in "-_" else "_" for c in x.member)
            return x.path, stem
        return x, x.name.split(".")[0]

    depth = {id(x): 0 for x in inputs}

    def name(x: Path | Source) -> str:
        p, stem = parts_of(x)
        d = depth[id(x)]
        parts = [*p.parent.parts[len(p.parent.parts) - d:], stem] if d else [stem]
        return "_".join(s.strip("/\\") for s in parts if s.strip("/\\")) or "input"

    while True:
        by_name: dict[str, list[Any]] = {}
        for x in inputs:
            by_name.setdefault(name(x), []).append(x)
        clashes = [xs for xs in by_name.values() if len(xs) > 1]
        if not clashes:
            return {x: name(x) + suffix for x in inputs} if all(
                isinstance(x, Path) for x in inputs) else {id(x): name(x) + suffix
                                                           for x in inputs}
        grown = False
        for xs in clashes:
            for x in xs:
                if depth[id(x)] < len(parts_of(x)[0].parent.parts):
                    depth[id(x)] += 1
                    grown = True
        if not grown:  # the same file twice: number them
            named = {id(x): f"{name(x)}_{i}{suffix}" for i, x in enumerate(inputs)}
            return {x: named[id(x)] for x in inputs} if all(
                isinstance(x, Path) for x in inputs) else named


def plan(sources: list[Source], out_dir: Path, pipeline_key: str, suffix: str = ".h5"
         ) -> list[Task]:
    names = output_names(sources, suffix)
    tasks = []
    for s in sources:
        fp = s.fingerprint()
        key = hashlib.sha256(f"{pipeline_key}\n{fp}".encode()).hexdigest() if fp else ""
        tasks.append(Task(s, out_dir / names[id(s)], fp, key))
    return tasks


def record_path(output: Path) -> Path:
    """The JSON record beside a dataset output (results keep it in their provenance)."""
    return output.with_name(output.name + ".neurodeck.json")


def read_provenance(path: Path) -> dict[str, Any] | None:
    """The provenance of a result file without reading its arrays (None if unreadable)."""
    import h5py

    from ..data.result import FORMAT

    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != FORMAT:
                return None
            return json.loads(f.attrs.get("provenance", "{}"))
    except (OSError, ValueError):
        return None


def stored_key(output: Path) -> str | None:
    """The batch key stored with an output (in a result's provenance, or beside a dataset)."""
    if output.suffix.lower() == ".h5":
        prov = read_provenance(output)
        if prov is not None:
            return (prov.get("batch") or {}).get("key")
    rec = record_path(output)
    try:
        return json.loads(rec.read_text(encoding="utf-8")).get("key")
    except (OSError, ValueError, AttributeError):
        return None


def is_current(task: Task) -> bool:
    """Whether ``task.output`` exists and was made from this source by this pipeline."""
    if not task.key or not task.output.is_file():
        return False
    return stored_key(task.output) == task.key


def study_sources(study) -> list[Source]:
    """The file members of a study as batch sources (members already in memory cannot run
    in worker processes: they are refused with their names)."""
    from ..data.study import FileMember

    out, other = [], []
    for m in study.members:
        if isinstance(m, FileMember):
            out.append(Source(m.path.absolute(), m.reader, dict(m.options),
                              m.key, dict(m.meta), study.source if study.source and
                              Path(study.source).is_dir() else None))
        else:
            other.append(m.key)
    if other:
        raise InputError(f"{study.name}: members {', '.join(other[:5])} are not files, so they "
                         "cannot be sent to batch workers; run the analysis on the study "
                         "instead")
    return out
