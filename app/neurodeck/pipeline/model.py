"""The pipeline: its steps (validated), its file format, and running it on one dataset."""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import engine
from .._version import __version__
from ..data.base import Dataset
from ..data.result import Result
from ..errors import NeurodeckError
from ..jobs.progress import Progress
from ..plugin_api.contributions import Analysis
from ..plugin_api.manager import PluginManager
from .toml_out import dumps as toml_dumps

FORMAT = "neurodeck-pipeline"
VERSION = 1
#: A pipeline file larger than this is not a pipeline (nothing legitimate comes close).
MAX_BYTES = 1_000_000


class PipelineError(NeurodeckError):
    """A pipeline file is malformed, names an unknown step, or its steps do not chain."""


@dataclass
class Pipeline:
    """Transforms (each taking the previous output) and optionally a final analysis."""

    steps: list[engine.Prepared]
    name: str = ""
    #: How each input is opened: ``{"reader": id, "options": {...}}`` (optional).
    input: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.steps:
            raise PipelineError("a pipeline needs at least one step")
        for i, step in enumerate(self.steps):
            last = i == len(self.steps) - 1
            if isinstance(step.spec, Analysis) and not last:
                raise PipelineError(f"step {i + 1} ({step.id}) is an analysis: only the last "
                                    "step may be one (its result is not a dataset)")
            if step.spec.n_inputs[0] > 1:
                raise PipelineError(f"step {i + 1} ({step.id}) needs "
                                    f"{step.spec.n_inputs_text} inputs; pipeline steps take "
                                    "the previous step's output")
        # Whether each step accepts the previous one's output is checked when it runs:
        # kinds form a hierarchy (a recording is a timeseries) known to datasets only.

    @property
    def ends_in_analysis(self) -> bool:
        return isinstance(self.steps[-1].spec, Analysis)

    # -- running ----------------------------------------------------------------------------
    def run(self, dataset: Dataset, progress: Progress | None = None,
            keep: list[Dataset] | None = None) -> Dataset | Result:
        """Apply every step to ``dataset``; ``keep`` collects each step's output."""
        progress = progress or Progress()
        out: Dataset | Result = dataset
        n = len(self.steps)
        for i, step in enumerate(self.steps):
            sub = progress.sub(i / n, (i + 1) / n)
            sub.update(0.0, f"{i + 1}/{n} {step.id}")
            out = engine.execute(step, [out], sub)
            if keep is not None:
                keep.append(out)
        progress.update(1.0, "done")
        return out

    # -- identity ---------------------------------------------------------------------------------
    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": self.name,
                               "neurodeck_version": __version__}
        if self.input:
            doc["input"] = dict(self.input)
        doc["steps"] = [{**s.to_json(), "plugin": s.spec.plugin,
                         "plugin_version": s.plugin_version} for s in self.steps]
        return doc

    def key(self) -> str:
        """A hash of what the pipeline computes (steps, values, plugin and core versions)."""
        doc = self.to_doc()
        doc.pop("name", None)
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()

    def dumps(self, fmt: str = "toml") -> str:
        doc = self.to_doc()
        if fmt == "json":
            return json.dumps(doc, indent=2) + "\n"
        header = ("# A neurodeck pipeline: each [[steps]] entry is a transform applied to the\n"
                  "# previous step's output; the last may be an analysis. Run it with\n"
                  "#   neurodeck pipeline run THIS_FILE --inputs 'data/*.edf' --out results/\n")
        return header + toml_dumps(doc)

    def save(self, path: str | os.PathLike[str]) -> Path:
        from ..atomic import write_text_atomic

        path = Path(path)
        write_text_atomic(path, self.dumps("json" if path.suffix.lower() == ".json" else "toml"))
        return path

    def describe(self) -> list[str]:
        """One line per step, for ``pipeline show`` and the GUI."""
        lines = []
        for i, s in enumerate(self.steps, 1):
            params = ", ".join(f"{k}={v!r}" for k, v in s.values.items())
            lines.append(f"{i}. {s.kind} {s.id} ({s.spec.title}): {params or 'defaults'}")
        return lines


def from_doc(doc: Any, pm: PluginManager, where: str = "<pipeline>") -> Pipeline:
    """Validate a parsed pipeline document (every step against its plugin's schema)."""
    if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
        raise PipelineError(f"{where} is not a neurodeck pipeline (format = \"{FORMAT}\" "
                            "missing)")
    version = doc.get("version", VERSION)
    if not isinstance(version, int) or version > VERSION:
        raise PipelineError(f"{where}: pipeline version {version!r}; this neurodeck reads up "
                            f"to {VERSION}")
    steps_doc = doc.get("steps")
    if not isinstance(steps_doc, list) or not steps_doc:
        raise PipelineError(f"{where}: no [[steps]]")
    inp = doc.get("input", {})
    if not isinstance(inp, Mapping) or not set(inp) <= {"reader", "options"} \
            or not isinstance(inp.get("options", {}), Mapping) \
            or not isinstance(inp.get("reader", ""), (str, type(None))):
        raise PipelineError(f"{where}: [input] may hold only reader = \"id\" and [input.options]")
    from ..safety.policy import refuse_from_file

    try:
        refuse_from_file(dict(inp.get("options") or {}), where)
    except NeurodeckError as exc:
        raise PipelineError(str(exc)) from None
    steps = []
    for i, s in enumerate(steps_doc, 1):
        if not isinstance(s, Mapping):
            raise PipelineError(f"{where}: step {i} is not a table")
        kinds = [k for k in ("transform", "analysis") if k in s]
        if len(kinds) != 1 or not isinstance(s[kinds[0]], str):
            raise PipelineError(f"{where}: step {i} needs exactly one of transform = \"id\" or "
                                "analysis = \"id\"")
        extra = set(s) - {"transform", "analysis", "params", "plugin", "plugin_version"}
        if extra:
            raise PipelineError(f"{where}: step {i} has unknown field(s) "
                                f"{', '.join(sorted(extra))}")
        params = s.get("params", {})
        if not isinstance(params, Mapping):
            raise PipelineError(f"{where}: step {i}: params must be a table")
        try:
            spec = pm.step(kinds[0], s[kinds[0]])
        except KeyError as exc:
            raise PipelineError(f"{where}: step {i}: {exc.args[0]}") from None
        try:
            steps.append(engine.prepare(spec, dict(params), pm.plugin_version(spec.plugin)))
        except NeurodeckError as exc:
            raise PipelineError(f"{where}: step {i} ({spec.id}): {exc}") from None
    return Pipeline(steps, name=str(doc.get("name", "")), input=dict(inp))


def loads(text: str, pm: PluginManager | None = None, where: str = "<pipeline>",
          fmt: str | None = None) -> Pipeline:
    from ..api import plugin_manager

    if len(text) > MAX_BYTES:
        raise PipelineError(f"{where} is too large to be a pipeline ({len(text)} bytes)")
    fmt = fmt or ("json" if text.lstrip().startswith("{") else "toml")
    try:
        doc = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except (ValueError, RecursionError) as exc:
        raise PipelineError(f"{where} is not valid {fmt.upper()}: {exc}") from None
    return from_doc(doc, pm or plugin_manager(), where)


def load(path: str | os.PathLike[str], pm: PluginManager | None = None) -> Pipeline:
    """Read and validate a pipeline file (``.toml`` or ``.json``)."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise PipelineError(f"{path} is too large to be a pipeline")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError(f"Cannot read pipeline {path}: {exc}") from None
    return loads(text, pm, str(path), "json" if path.suffix.lower() == ".json" else "toml")
