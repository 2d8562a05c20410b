"""A pipeline from a session: the chain of steps that made one entry from a file."""

from __future__ import annotations

from .. import engine
from ..plugin_api.manager import PluginManager
from ..session import Session
from .model import Pipeline, PipelineError


def from_history(session: Session, entry_id: int, pm: PluginManager | None = None,
                 name: str = "") -> Pipeline:
    """The transforms (and final analysis) that made ``entry_id`` from an opened file.

    Each step must have taken one input (the previous step's output); the values recorded
    are validated again against the installed plugins.
    """
    from ..api import plugin_manager

    pm = pm or plugin_manager()
    chain = []
    entry = session.entries.get(entry_id)
    if entry is None:
        raise PipelineError(f"no entry {entry_id} in the session")
    origin = entry.origin
    while origin.get("op") in ("transform", "run"):
        inputs = origin.get("inputs") or []
        kind = "transform" if origin["op"] == "transform" else "analysis"
        step_id = origin.get(kind)
        if len(inputs) != 1:
            raise PipelineError(f"{step_id} took {len(inputs)} inputs; a pipeline is a chain of "
                                "steps that each take the previous step's output")
        spec = pm.step(kind, step_id)
        chain.append(engine.prepare(spec, dict(origin.get("params") or {}),
                                    pm.plugin_version(spec.plugin)))
        parent = session.entries.get(inputs[0])
        if parent is None:
            raise PipelineError(f"the input of {step_id} is no longer open")
        origin = parent.origin
    if not chain:
        raise PipelineError(f"{entry.name} was not made by a transform or an analysis: "
                            "select the last step of the chain to save")
    if origin.get("op") not in ("open", "member"):
        raise PipelineError("the chain does not start from an opened file")
    inp = {}
    if origin.get("reader"):
        inp["reader"] = origin["reader"]
    if origin.get("options"):
        inp["options"] = dict(origin["options"])
    return Pipeline(list(reversed(chain)), name=name or f"steps to {entry.name}", input=inp)
