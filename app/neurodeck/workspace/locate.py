"""Finding a workspace's raw files again after they (or the workspace) moved.

A file is accepted only if its sha256 matches the one saved, so a different file that
happens to have the same name is never used silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..hashing import file_sha256, folder_sha256

#: How many directory entries the search below the workspace folder looks at, at most.
SEARCH_LIMIT = 20_000


@dataclass
class SourceRef:
    """A raw file a workspace entry was opened from."""

    entry: int
    path: str
    sha256: str | None = None
    size: int | None = None
    relpath: str | None = None
    name: str = ""
    reader: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_doc(cls, entry_id: int, src: dict[str, Any]) -> SourceRef:
        return cls(entry_id, str(src.get("path", "")), src.get("sha256"), src.get("size"),
                   src.get("relpath"), str(src.get("name", "")), src.get("reader"),
                   dict(src.get("options") or {}))

    @property
    def filename(self) -> str:
        return Path(self.path.replace("\\", "/")).name


#: ``ask(ref, reason) -> path or None``: the GUI asks the user where the file went.
Ask = Callable[[SourceRef, str], "str | os.PathLike[str] | None"]


def matches(ref: SourceRef, path: Path) -> bool:
    """Whether ``path`` is the file (or folder) ``ref`` names, by its saved hash. A ref
    without a hash matches nothing: only the user can say which file it is."""
    if ref.sha256 is None or not path.exists():
        return False
    if ref.sha256.startswith("dir:"):
        return path.is_dir() and folder_sha256(path) == ref.sha256
    if not path.is_file():
        return False
    if ref.size is not None and path.stat().st_size != ref.size:
        return False  # cheap test first: no hashing of files of another size
    return file_sha256(path) == ref.sha256


class Locator:
    """Resolves :class:`SourceRef` s; remembers where moved files were found, since
    files usually move together."""

    def __init__(self, workspace: Path, search_dirs: Iterable[str | Path] = (),
                 ask: Ask | None = None, max_asks: int = 3):
        self.workspace_dir = Path(workspace).absolute().parent
        self.dirs = [Path(d) for d in search_dirs]
        self.ask = ask
        self.max_asks = max_asks

    def candidates(self, ref: SourceRef) -> Iterator[Path]:
        yield Path(ref.path)
        if ref.relpath:
            yield self.workspace_dir / ref.relpath
        for d in [*self.dirs, self.workspace_dir]:
            yield d / ref.filename
        yield from self._below(self.workspace_dir, ref.filename)

    @staticmethod
    def _below(root: Path, filename: str) -> Iterator[Path]:
        seen = 0
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            seen += len(dirnames) + len(filenames)
            if filename in filenames:
                yield Path(dirpath) / filename
            if seen > SEARCH_LIMIT:
                return

    def locate(self, ref: SourceRef) -> tuple[Path | None, str]:
        """``(path, "")`` when found, else ``(None, reason)`` (after asking, if it can).

        A source saved without a hash (an old or hand-made workspace) is never taken
        silently, not even at its saved path: the user is asked which file it is.
        """
        if ref.sha256 is None:
            reason = "the workspace has no checksum to recognise it by"
            for _ in range(1 if self.ask else 0):
                answer = self.ask(ref, reason)  # type: ignore[misc]
                if answer and Path(answer).exists():
                    return self._found(ref, Path(answer).absolute()), ""
            return None, f"{ref.filename}: {reason} (open it yourself if you trust it)"
        tried: set[Path] = set()
        for cand in self.candidates(ref):
            cand = cand.absolute()
            if cand in tried:
                continue
            tried.add(cand)
            if matches(ref, cand):
                return self._found(ref, cand), ""
        original = Path(ref.path)
        reason = ("its content changed (sha256 differs)" if original.exists()
                  else "it is no longer at its saved path")
        for _ in range(self.max_asks if self.ask else 0):
            answer = self.ask(ref, reason)  # type: ignore[misc]
            if not answer:
                break
            cand = Path(answer).absolute()
            if matches(ref, cand):
                return self._found(ref, cand), ""
            what = "folder" if ref.sha256.startswith("dir:") else "file"
            reason = f"{cand} is not the same {what} (sha256 differs)"
        return None, f"{ref.filename}: {reason}"

    def _found(self, ref: SourceRef, path: Path) -> Path:
        orig_dir = Path(ref.path).parent
        if path.parent != orig_dir and path.parent not in self.dirs:
            self.dirs.insert(0, path.parent)
        return path
