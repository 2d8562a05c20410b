"""The one execution path of analyses and transforms, for every front end.

The GUI, the CLI, batch workers, pipelines and the Python API all do the same two things:
:func:`prepare` validates a step's parameters once (the schema coerces and range-checks
them), and :func:`execute` runs the prepared step on datasets with a
:class:`~neurodeck.jobs.progress.Progress`. Studies given to a step that takes several
inputs become their members (opened as the step reaches them); a transform given a study
applies to each member lazily and returns a study.
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
import platform
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._version import __version__
from .data.base import Dataset
from .data.result import Result
from .data.study import Study
from .errors import InputError, PluginError
from .jobs.progress import Progress
from .plugin_api.contributions import Analysis, Transform
from .plugin_api.lazy import resolve

log = logging.getLogger("neurodeck")

Spec = Analysis | Transform

#: Set to "1" (the pytest plugin does) to make an analysis that returns undeclared or misses
#: required outputs fail, instead of logging a warning.
STRICT_ENV = "NEURODECK_STRICT_OUTPUTS"


@dataclass(frozen=True)
class Prepared:
    """A step with validated parameter values, ready to run on any number of inputs."""

    spec: Spec
    values: Mapping[str, Any]
    plugin_version: str = ""

    @property
    def kind(self) -> str:
        return "transform" if isinstance(self.spec, Transform) else "analysis"

    @property
    def id(self) -> str:
        return self.spec.id

    def to_json(self) -> dict[str, Any]:
        """``{"analysis"|"transform": id, "params": {...}}`` (history records, pipelines)."""
        return {self.kind: self.spec.id, "params": jsonable(dict(self.values))}


def prepare(spec: Spec, params: Mapping[str, Any] | None = None,
            plugin_version: str | None = None) -> Prepared:
    """Validate ``params`` against the step's schema (once) and bind them to it."""
    values = spec.schema.resolve(params or {})
    if plugin_version is None:
        plugin_version = _plugin_version(spec)
    return Prepared(spec, values, plugin_version)


def trusted(spec: Spec, values: Mapping[str, Any], plugin_version: str | None = None) -> Prepared:
    """Bind values that were validated already (by :func:`prepare` in another process)."""
    return Prepared(spec, dict(values), _plugin_version(spec) if plugin_version is None
                    else plugin_version)


def _plugin_version(spec: Spec) -> str:
    from .api import plugin_manager

    return plugin_manager().plugin_version(spec.plugin)


def execute(step: Prepared, inputs: Sequence[Dataset], progress: Progress | None = None
            ) -> Result | Dataset:
    """Run a prepared analysis (-> :class:`Result`) or transform (-> a new dataset)."""
    progress = progress or Progress()
    spec = step.spec
    if isinstance(spec, Transform) and _maps_over_study(spec, inputs):
        return _map_study(step, inputs[0])
    datasets = expand_inputs(spec, inputs)
    progress.update(0.0, "starting")
    out = resolve(spec.run)(datasets, dict(step.values), progress)
    progress.update(1.0, "done")
    made = make_derived(step, out, list(inputs)) if isinstance(spec, Transform) \
        else make_result(step, out, list(inputs))
    if progress.warnings:  # e.g. a fit that did not converge: shown with it, and logged
        made.meta["warnings"] = list(progress.warnings)
        if isinstance(made, Result):
            made.provenance["warnings"] = list(progress.warnings)
        for w in progress.warnings:
            log.warning("%s %s: %s", _what(spec), spec.id, w)
    return made


# -- inputs ------------------------------------------------------------------------------------
class Inputs(Sequence[Dataset]):
    """The datasets a step receives: direct inputs, and studies' members opened on access.

    Each dataset is checked against the step's accepted kinds when it is reached, so a study
    of 10,000 subjects costs nothing until the step reads them.
    """

    def __init__(self, spec: Spec, parts: Sequence[Dataset | Study]):
        self.spec = spec
        self._parts = list(parts)
        self._where: list[tuple[int, int | None]] = []
        for p, item in enumerate(self._parts):
            if isinstance(item, Study) and not spec.accepts_dataset(item):
                self._where += [(p, i) for i in range(len(item))]
            else:
                self._where.append((p, None))

    def __len__(self) -> int:
        return len(self._where)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        p, m = self._where[i]
        item = self._parts[p]
        ds = item if m is None else item.member(m)
        if not self.spec.accepts_dataset(ds):
            where = f"member {item.members[m].key} of {item.name}" if m is not None else ds.name
            raise InputError(f"{_what(self.spec)} {self.spec.id!r} accepts "
                             f"{', '.join(self.spec.accepts)}; {where} is {ds.kind}")
        return ds

    def __iter__(self) -> Iterator[Dataset]:
        for i in range(len(self)):
            yield self[i]

    def member_info(self, i: int) -> dict[str, Any] | None:
        """The study row of input ``i`` (``{"study", "member", ...meta}``), None if direct."""
        p, m = self._where[i]
        if m is None:
            return None
        study = self._parts[p]
        return {"study": study.name, "member": study.members[m].key, **study.members[m].meta}


def expand_inputs(spec: Spec, inputs: Sequence[Dataset]) -> Inputs:
    """Check the number of inputs and expand studies into their members."""
    lo, hi = spec.n_inputs
    for ds in inputs:
        if not isinstance(ds, Dataset):
            raise InputError(f"{ds!r} is not a dataset")
        if isinstance(ds, Study) and not spec.accepts_dataset(ds) and not spec.takes_many:
            raise InputError(
                f"{_what(spec)} {spec.id!r} takes one {' or '.join(spec.accepts)} dataset, "
                f"and {ds.name} is a study of {len(ds)}: run it on each member with Batch "
                "(or `neurodeck batch` / a pipeline), or pick one member")
    out = Inputs(spec, inputs)
    n = len(out)
    if n < lo or (hi is not None and n > hi):
        raise InputError(f"{_what(spec)} {spec.id!r} takes {spec.n_inputs_text} input(s), "
                         f"got {n}")
    for i, (_part, m) in enumerate(out._where):
        if m is None:
            out[i]  # direct inputs are checked now; members when reached
    return out


def _what(spec: Spec) -> str:
    return "transform" if isinstance(spec, Transform) else "analysis"


def _maps_over_study(spec: Transform, inputs: Sequence[Dataset]) -> bool:
    return (len(inputs) == 1 and isinstance(inputs[0], Study)
            and not spec.accepts_dataset(inputs[0]) and not spec.takes_many)


def _map_study(step: Prepared, study: Study) -> Study:
    def make(member: Dataset) -> Dataset:
        return execute(step, [member])

    kind = step.spec.produces[0] if len(step.spec.produces) == 1 else ""
    out = study.map(make, name=f"{study.name} \u00b7 {step.id}", kind=kind)
    out.derivation = _derivation(step, [study])
    return out


# -- outputs -------------------------------------------------------------------------------------
def input_record(ds: Dataset, info: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What provenance says of one input: name, kind, path, fingerprint (and its recipe)."""
    rec: dict[str, Any] = {"name": ds.name, "kind": ds.kind,
                           "path": str(ds.source) if ds.source else None,
                           "sha256": ds.fingerprint()}
    if ds.derivation is not None:
        rec["derivation"] = ds.derivation
    if isinstance(ds, Study):
        rec["members"] = len(ds)
    if info:
        rec["study_member"] = dict(info)
    return rec


def _derivation(step: Prepared, inputs: list[Dataset]) -> dict[str, Any]:
    return {"transform": step.id, "plugin": step.spec.plugin,
            "plugin_version": step.plugin_version,
            "parameters": jsonable(dict(step.values)),
            "inputs": [input_record(ds) for ds in inputs],
            "neurodeck_version": __version__}


def make_derived(step: Prepared, out: Any, inputs: list[Dataset]) -> Dataset:
    """Stamp a transform's output with how it was made; refuse anything but a new dataset."""
    spec = step.spec
    if not isinstance(out, Dataset):
        raise PluginError(spec.plugin or "?", f"transform {spec.id!r} returned "
                          f"{type(out).__name__}, not a dataset")
    if any(out is ds for ds in inputs):
        raise PluginError(spec.plugin or "?", f"transform {spec.id!r} returned its input; "
                          "transforms return a new dataset and never modify their input")
    if spec.produces and not any(out.is_a(k) for k in spec.produces):
        raise PluginError(spec.plugin or "?", f"transform {spec.id!r} declares it produces "
                          f"{', '.join(spec.produces)} but returned {out.kind}")
    out.derivation = _derivation(step, inputs)
    if inputs and (not out.name or out.name == inputs[0].name or out.name == out.kind):
        out.name = f"{inputs[0].name} \u00b7 {spec.id}"
    return out


def make_result(step: Prepared, out: Mapping[str, Any] | Result, inputs: list[Dataset]
                ) -> Result:
    """Wrap an analysis's output with its provenance, checking the declared outputs."""
    import numpy as np

    spec = step.spec
    if not isinstance(out, Mapping):
        raise PluginError(spec.plugin or "?", f"analysis {spec.id!r} returned "
                          f"{type(out).__name__}, not a mapping of arrays")
    check_outputs(spec, list(out))
    expanded = inputs
    prov = {
        "analysis": spec.id,
        "plugin": spec.plugin,
        "plugin_version": step.plugin_version,
        "parameters": jsonable(dict(step.values)),
        "inputs": [input_record(ds) for ds in expanded],
        "neurodeck_version": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    name = f"{spec.id} of {', '.join(ds.name for ds in inputs) or 'nothing'}"
    if isinstance(out, Result):
        prov = {**prov, **{k: v for k, v in out.provenance.items() if k == "extra"}}
        return Result(dict(out), prov, name=name, meta=out.meta)
    return Result(out, prov, name=name)


def check_outputs(spec: Analysis, names: Sequence[str]) -> None:
    """Undeclared or missing required output names: an error in strict mode, else a warning."""
    if not spec.outputs:
        return
    undeclared = sorted(set(names) - set(spec.outputs))
    missing = sorted(set(spec.required_outputs) - set(names))
    if not undeclared and not missing:
        return
    parts = []
    if undeclared:
        parts.append(f"returned undeclared output(s) {', '.join(undeclared)}")
    if missing:
        parts.append(f"did not return declared output(s) {', '.join(missing)} "
                     "(declare them with optional() if they are not always returned)")
    message = f"analysis {spec.id!r} " + "; ".join(parts)
    if os.environ.get(STRICT_ENV, "") not in ("", "0"):
        raise PluginError(spec.plugin or "?", message)
    log.warning("plugin %s: %s", spec.plugin, message)


def jsonable(value: Any) -> Any:
    """Parameter values as JSON (numbers, text, lists; anything else as text)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return str(value)
