"""Dataset types of the MNE plugin: evoked responses and ICA solutions.

Only this plugin makes and shows them, so they live here rather than in the core data
model. Both are Qt-free and import MNE only through the objects they hold.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from neurodeck.data import Dataset


class EvokedSet(Dataset):
    """Average responses, one ``mne.Evoked`` per condition (``epochs.average``)."""

    kinds: ClassVar[tuple[str, ...]] = ("evoked",)

    def __init__(self, evokeds: Sequence[Any], *, name: str | None = None,
                 source: str | Path | None = None, meta: Mapping[str, Any] | None = None):
        super().__init__(name=name, source=source, meta=meta)
        if not isinstance(evokeds, (list, tuple)):  # one mne.Evoked
            evokeds = [evokeds]
        if not evokeds:
            raise ValueError("an evoked set needs at least one condition")
        self.evokeds = list(evokeds)

    @property
    def conditions(self) -> list[str]:
        return [str(ev.comment) for ev in self.evokeds]

    def evoked(self, condition: str | int = 0) -> Any:
        if isinstance(condition, int):
            return self.evokeds[condition]
        for ev in self.evokeds:
            if str(ev.comment) == str(condition):
                return ev
        raise KeyError(f"{self.name} has no condition {condition!r} "
                       f"(it has: {', '.join(self.conditions)})")

    @property
    def labels(self) -> list[str]:
        return list(self.evokeds[0].ch_names)

    @property
    def times(self) -> np.ndarray:
        return np.asarray(self.evokeds[0].times)

    @property
    def info(self) -> Any:
        return self.evokeds[0].info

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["conditions"] = {c: int(ev.nave) for c, ev in zip(self.conditions, self.evokeds,
                                                               strict=True)}
        out["channels"] = len(self.labels)
        out["times_s"] = [round(float(self.times[0]), 4), round(float(self.times[-1]), 4)]
        return out

    def content_fingerprint(self) -> str:
        from neurodeck.hashing import array_sha256

        return "sha256:" + array_sha256(*[ev.data for ev in self.evokeds])


class IcaSolution(Dataset):
    """A fitted ``mne.preprocessing.ICA``, the data it was fitted on, and the components the
    user marks for removal (an in-place edit: undoable, saved, replayed).

    ``suggestions`` holds automatic labels (ICLabel) with their probabilities: they are shown
    to the user and become exclusions only when the user accepts them.
    """

    kinds: ClassVar[tuple[str, ...]] = ("ica",)
    edit_ops: ClassVar[dict[str, str]] = {"set_exclude": "excluded ICA components"}
    #: ICLabel classes that are not brain activity.
    ARTIFACT_LABELS: ClassVar[tuple[str, ...]] = (
        "muscle artifact", "eye blink", "heart beat", "line noise", "channel noise")

    def __init__(self, ica: Any, inst: Dataset | None = None, *,
                 suggestions: Mapping[str, Any] | None = None,
                 explained: Mapping[str, Sequence[float]] | None = None,
                 name: str | None = None, source: str | Path | None = None,
                 meta: Mapping[str, Any] | None = None):
        super().__init__(name=name, source=source, meta=meta)
        self.ica = ica
        self.inst = inst
        self.suggestions = dict(suggestions or {})  # {"labels": [...], "proba": [...]}
        #: Fraction of the fitted data's variance each component explains, per channel type.
        self.explained = {k: list(map(float, v)) for k, v in (explained or {}).items()}

    @property
    def n_components(self) -> int:
        return int(self.ica.n_components_)

    @property
    def component_names(self) -> list[str]:
        return list(self.ica._ica_names)

    # -- the edit ---------------------------------------------------------------------------
    @property
    def exclude(self) -> list[int]:
        return sorted(int(i) for i in self.ica.exclude)

    @exclude.setter
    def exclude(self, components: Sequence[int]) -> None:
        n = self.n_components
        bad = [int(c) for c in components if not 0 <= int(c) < n]
        if bad:
            raise ValueError(f"no component {bad[0]} (the ICA has {n}: 0-{n - 1})")
        self.ica.exclude = sorted({int(c) for c in components})
        self._edited("set_exclude")

    def suggested_exclude(self) -> list[int]:
        """Components whose suggested label is an artefact class."""
        labels = self.suggestions.get("labels") or []
        return [i for i, lab in enumerate(labels) if lab in self.ARTIFACT_LABELS]

    def accept_suggestions(self) -> list[int]:
        """Mark the suggested artefact components (one undoable edit)."""
        with self.editing("Accept ICLabel suggestions"):
            self.exclude = self.suggested_exclude()
        return self.exclude

    def edit_state(self) -> dict[str, dict[str, Any]]:
        return {"set_exclude": {"exclude": self.exclude}}

    def apply_edit(self, op: str, values: Mapping[str, Any]) -> None:
        if op == "set_exclude":
            self.exclude = [int(c) for c in values["exclude"]]
        else:
            super().apply_edit(op, values)

    # -- facts ------------------------------------------------------------------------------
    def fingerprint(self) -> str:
        """The recipe's hash and the marked components: data cleaned with other exclusions
        is other data."""
        base = super().fingerprint()
        extra = json.dumps({"exclude": self.exclude}, sort_keys=True)
        return "sha256:" + hashlib.sha256((base + extra).encode()).hexdigest()

    def content_fingerprint(self) -> str:
        from neurodeck.hashing import array_sha256

        return "sha256:" + array_sha256(self.ica.unmixing_matrix_, self.ica.mixing_matrix_)

    def summary(self) -> dict[str, Any]:
        out = super().summary()
        out["components"] = self.n_components
        out["method"] = str(self.ica.method)
        out["exclude"] = self.exclude
        if self.suggestions.get("labels"):
            out["iclabel_artifacts"] = self.suggested_exclude()
        return out
