"""The base class every dataset type derives from, and the protocol of in-place edits."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

#: ``listener(dataset, op, label)``: the dataset's edit ``op`` changed; ``label`` is what the
#: user did in words ("Move annotation"), or None.
EditListener = Callable[["Dataset", str, "str | None"], None]


class Dataset:
    """Something a user opened or built: a recording, traces, an image, a graph.

    Subclasses set ``kinds``: the names analyses and views use to say what they
    accept, most specific first (``("recording", "timeseries")``).

    **Edits made in place** (bad channels, annotations, curated cells) are declared by the
    dataset type itself: ``edit_ops`` names them (``{"set_bads": "bad channels"}``),
    :meth:`edit_state` returns their current values as JSON-able dicts, :meth:`apply_edit`
    sets one, and setters call :meth:`_edited` so that listeners (the session's undo
    history, open views) hear of each change as it happens.
    """

    kinds: ClassVar[tuple[str, ...]] = ("dataset",)
    #: In-place edits this type supports: op name -> what it edits, in words.
    edit_ops: ClassVar[Mapping[str, str]] = {}

    def __init__(
        self,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        self.source: Path | None = Path(source) if source is not None else None
        self.name: str = name or (self.source.name if self.source else self.kind)
        self.meta: dict[str, Any] = dict(meta or {})
        #: How a transform made this dataset (transform id, parameters, input fingerprints);
        #: None for data opened from a file or built by hand.
        self.derivation: dict[str, Any] | None = None

    @property
    def kind(self) -> str:
        return self.kinds[0]

    def is_a(self, kind: str) -> bool:
        return kind in self.kinds or kind == "dataset"

    def summary(self) -> dict[str, Any]:
        """Facts shown by ``neurodeck info`` and the data panel's tooltip."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        if self.source is not None:
            out["source"] = str(self.source)
        if self.derivation is not None:
            out["made_by"] = self.derivation.get("transform")
        return out

    def fingerprint(self) -> str:
        """A content hash identifying the data (file hash when read from a file, the
        recipe's hash when a transform made it)."""
        from ..hashing import dataset_fingerprint

        return dataset_fingerprint(self)

    # -- in-place edits -----------------------------------------------------------------
    def edit_state(self) -> dict[str, dict[str, Any]]:
        """Current value of each edit op as JSON values (``{}``: nothing editable)."""
        return {}

    def apply_edit(self, op: str, values: Mapping[str, Any]) -> None:
        """Set one edit op to ``values`` (as :meth:`edit_state` gives them)."""
        raise ValueError(f"{self.name} ({self.kind}) has no edit {op!r}")

    def apply_edit_state(self, state: Mapping[str, Mapping[str, Any]]) -> None:
        for op, values in state.items():
            self.apply_edit(op, values)

    def subscribe_edits(self, listener: EditListener) -> None:
        """Call ``listener(dataset, op, label)`` after each in-place edit. Bound methods are
        held weakly (a closed view does not stay alive through its dataset)."""
        ref: Any = weakref.WeakMethod(listener) if hasattr(listener, "__self__") else \
            (lambda f=listener: f)
        self.__dict__.setdefault("_edit_listeners", []).append(ref)

    def unsubscribe_edits(self, listener: EditListener) -> None:
        refs = self.__dict__.get("_edit_listeners", [])
        self.__dict__["_edit_listeners"] = [r for r in refs if r() not in (None, listener)]

    @contextlib.contextmanager
    def editing(self, label: str) -> Iterator[None]:
        """Name the edits made inside the block for the undo menu (``"Move annotation"``)."""
        previous = self.__dict__.get("_edit_label")
        self.__dict__["_edit_label"] = label
        try:
            yield
        finally:
            self.__dict__["_edit_label"] = previous

    def _edited(self, op: str) -> None:
        """Setters call this after changing edit ``op``: tells every listener."""
        label = self.__dict__.get("_edit_label")
        for ref in list(self.__dict__.get("_edit_listeners", [])):
            fn = ref()
            if fn is not None:
                fn(self, op, label)
        self.__dict__["_edit_listeners"] = [
            r for r in self.__dict__.get("_edit_listeners", []) if r() is not None]

    def __repr__(self) -> str:
        facts = ", ".join(f"{k}={v}" for k, v in self.summary().items() if k not in ("kind",))
        return f"<{type(self).__name__} {facts}>"
