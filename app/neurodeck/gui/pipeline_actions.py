"""Transforms menu actions for pipelines: save the steps that made an entry, apply a saved
pipeline to a dataset (each step's output joins the session) or to a study (transforms map
over its members; a one-input analysis runs as a batch over them)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6 import QtGui, QtWidgets

from .. import engine
from ..data.study import Study
from ..errors import NeurodeckError
from ..pipeline import Pipeline, from_history, load

log = logging.getLogger("neurodeck")
FILTER = "neurodeck pipeline (*.toml *.json)"


def install(window, menu: QtWidgets.QMenu) -> PipelineActions:
    actions = PipelineActions(window)
    for text, slot, name in (("Save Steps as &Pipeline\u2026", actions.save_dialog,
                              "action-save-pipeline"),
                             ("&Apply Pipeline\u2026", actions.apply_dialog,
                              "action-apply-pipeline")):
        act = QtGui.QAction(text, menu)
        act.setObjectName(name)
        act.triggered.connect(lambda _=False, slot=slot: slot())
        menu.addAction(act)
    window.pipeline_actions = actions
    return actions


class PipelineActions:
    def __init__(self, window):
        self.window = window

    # -- save ---------------------------------------------------------------------------
    def build(self, entry_id: int) -> Pipeline:
        return from_history(self.window.session, entry_id, self.window.pm)

    def save_dialog(self) -> Path | None:
        w = self.window
        entry = w.data_panel.current_entry()
        if entry is None:
            w._error("Save pipeline", "Select the last step's output in the data panel.")
            return None
        try:
            self.build(entry.id)  # fails early, before asking where to save
        except NeurodeckError as exc:
            w._error("Save pipeline", str(exc))
            return None
        path, _ = QtWidgets.QFileDialog.getSaveFileName(w, "Save pipeline", "steps.toml",
                                                        FILTER)
        return self.save(entry.id, path) if path else None

    def save(self, entry_id: int, path: str | Path) -> Path:
        pipeline = self.build(entry_id)
        out = pipeline.save(path)
        self.window.session.record({"op": "export", "what": "pipeline", "entry": entry_id,
                                    "path": str(out)})
        self.window.statusBar().showMessage(
            f"Saved {len(pipeline.steps)} steps as {out.name}", 5000)
        log.info("saved pipeline %s", out)
        return out

    # -- apply --------------------------------------------------------------------------
    def apply_dialog(self):
        w = self.window
        entry = w.data_panel.current_entry()
        if entry is None:
            w._error("Apply pipeline", "Select the dataset (or study) to apply it to.")
            return None
        path, _ = QtWidgets.QFileDialog.getOpenFileName(w, "Apply pipeline", "", FILTER)
        if not path:
            return None
        try:
            pipeline = load(path, w.pm)
        except NeurodeckError as exc:
            w._error("Apply pipeline", str(exc))
            return None
        return self.apply(pipeline, entry.id)

    def apply(self, pipeline: Pipeline, entry_id: int):
        """Run ``pipeline`` on an entry: a job adding each step's output (a dataset), or,
        for a study ending in a one-input analysis, the batch dialog over its members."""
        w = self.window
        entry = w.session.entries[entry_id]
        last = pipeline.steps[-1]
        if isinstance(entry.dataset, Study) and pipeline.ends_in_analysis \
                and not last.spec.takes_many:
            from .batch_dialog import BatchDialog

            dialog = BatchDialog(w, pipeline=pipeline, study=entry.dataset)
            dialog.setObjectName("batch-dialog")
            dialog.show()
            return dialog
        ds = entry.dataset
        marks = [w.session.mark()]

        def work(progress):
            outs: list = []
            pipeline.run(ds, progress, keep=outs)
            return outs

        def done(outs) -> None:
            parent = entry_id
            for step, out in zip(pipeline.steps, outs, strict=True):
                op = "run" if step.kind == "analysis" else "transform"
                origin = {"op": op, step.kind: step.id, "inputs": [parent],
                          "params": engine.jsonable(dict(step.values))}
                added = w.session.add(out, parent=parent, origin=origin, after=marks[-1])
                # Each step's record follows the previous step's in the history.
                marks.append(next(r for r in reversed(w.session.history)
                                  if r.get("entry") == added.id and r.get("op") == op))
                parent = added.id
            w.show_entry(parent)
            log.info("applied pipeline %s to %s", pipeline.name, entry.name)

        return w.jobs.submit(f"Pipeline {pipeline.name or ''}: {entry.name}", work, done)
