"""What a batch will do: the inputs, where each result goes, and which are already current.

A result is *current* when its provenance says it was made by the same analysis, with
the same parameters, from an input with the same sha256, by the same plugin and
neurodeck versions. Anything else (or an unreadable file) is recomputed.
"""

from __future__ import annotations

import glob
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..hashing import file_sha256


@dataclass
class Task:
    """One input of a batch and the result file it makes."""

    input: Path
    output: Path
    sha256: str | None = None  # "sha256:<hex>" of the input file, as provenance stores it


def expand_inputs(specs: str | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Files from glob patterns, paths, or a comma-separated list; sorted, no duplicates."""
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


def output_names(inputs: Iterable[Path]) -> dict[Path, str]:
    """A result file name per input: its stem, with parent folders added where stems
    clash (``sub-01_eeg.h5``, ``s2_run1.h5``), so names do not depend on other runs."""
    inputs = list(inputs)
    depth = {p: 0 for p in inputs}

    def name(p: Path) -> str:
        parts = [*p.parent.parts[len(p.parent.parts) - depth[p]:], p.name.split(".")[0]]
        return "_".join(x.strip("/\\") for x in parts if x.strip("/\\")) or "input"

    while True:
        by_name: dict[str, list[Path]] = {}
        for p in inputs:
            by_name.setdefault(name(p), []).append(p)
        clashes = [ps for ps in by_name.values() if len(ps) > 1]
        if not clashes:
            return {p: name(p) + ".h5" for p in inputs}
        grown = False
        for ps in clashes:
            for p in ps:
                if depth[p] < len(p.parent.parts):
                    depth[p] += 1
                    grown = True
        if not grown:  # same path twice cannot happen (deduplicated); be safe anyway
            return {p: f"{name(p)}_{i}.h5" for i, p in enumerate(inputs)}


def plan(inputs: Iterable[Path], out_dir: Path) -> list[Task]:
    names = output_names(inputs)
    return [Task(p, out_dir / names[p], _fingerprint(p)) for p in names]


def _fingerprint(path: Path) -> str | None:
    return "sha256:" + file_sha256(path) if path.is_file() else None


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


def expected_provenance(analysis: str, values: Mapping[str, Any], plugin_version: str,
                        neurodeck_version: str) -> dict[str, Any]:
    # Round-trip through JSON: what the result file holds after Result.save.
    return {"analysis": analysis,
            "parameters": json.loads(json.dumps(dict(values), default=str)),
            "plugin_version": plugin_version, "neurodeck_version": neurodeck_version}


def is_current(task: Task, expected: Mapping[str, Any]) -> bool:
    """Whether ``task.output`` exists and was made from this input by this analysis,
    these parameters and these versions."""
    if task.sha256 is None or not task.output.is_file():
        return False
    prov = read_provenance(task.output)
    if prov is None:
        return False
    inputs = prov.get("inputs") or [{}]
    return (all(prov.get(k) == v for k, v in expected.items())
            and inputs[0].get("sha256") == task.sha256)
