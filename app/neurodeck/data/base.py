"""The base class every dataset type derives from."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar


class Dataset:
    """Something a user opened or built: a recording, traces, an image, a graph.

    Subclasses set ``kinds``: the names analyses and views use to say what they
    accept, most specific first (``("recording", "timeseries")``).
    """

    kinds: ClassVar[tuple[str, ...]] = ("dataset",)

    def __init__(
        self,
        name: str | None = None,
        source: str | Path | None = None,
        meta: Mapping[str, Any] | None = None,
    ):
        self.source: Path | None = Path(source) if source is not None else None
        self.name: str = name or (self.source.name if self.source else self.kind)
        self.meta: dict[str, Any] = dict(meta or {})

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
        return out

    def fingerprint(self) -> str:
        """A content hash identifying the data (file hash when read from a file)."""
        from ..hashing import dataset_fingerprint

        return dataset_fingerprint(self)

    def __repr__(self) -> str:
        facts = ", ".join(f"{k}={v}" for k, v in self.summary().items() if k not in ("kind",))
        return f"<{type(self).__name__} {facts}>"
