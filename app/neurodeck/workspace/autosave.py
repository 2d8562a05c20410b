"""Autosave and crash recovery (Qt-free; the GUI drives it with a timer).

Each running app autosaves to ``<config>/autosave/autosave-<pid>.ndws`` when its history
changed, and deletes that file on a clean exit. A file whose process is gone was left
by a crash: :func:`recoverable` lists those so the next start can offer them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..session import Session
from .format import SUFFIX, results_dir
from .store import save_workspace

PREFIX = "autosave-"


def autosave_dir() -> Path:
    from ..settings import config_dir

    return config_dir() / "autosave"


class Autosaver:
    """Saves ``session`` to this process's autosave file when it changed."""

    def __init__(self, session: Session, directory: str | Path | None = None,
                 layout: Callable[[], Mapping[str, Any]] | None = None):
        self.session = session
        self.directory = Path(directory) if directory else autosave_dir()
        self.path = self.directory / f"{PREFIX}{os.getpid()}{SUFFIX}"
        self.layout = layout
        self._saved: tuple | None = None

    def _marker(self) -> tuple:
        h = self.session.history
        return (len(h), id(h[-1]) if h else None, len(self.session.entries))

    def dirty(self) -> bool:
        self.session.sync_edits()
        return self._marker() != self._saved

    def save(self) -> Path | None:
        """Autosave if anything changed since the last autosave; the path, or None."""
        if not self.dirty():
            return None
        if not self.session.entries and not self.session.history:
            self.discard()
        else:
            save_workspace(self.session, self.path,
                           layout=self.layout() if self.layout else None, mark_saved=False)
        self._saved = self._marker()
        return self.path if self.path.exists() else None

    def discard(self) -> None:
        """Remove this process's autosave (a clean exit: nothing to recover)."""
        discard(self.path)


def discard(path: str | Path) -> None:
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    shutil.rmtree(results_dir(path), ignore_errors=True)


def recoverable(directory: str | Path | None = None) -> list[Path]:
    """Autosaves left by processes that are no longer running, newest first."""
    d = Path(directory) if directory else autosave_dir()
    if not d.is_dir():
        return []
    out = []
    for f in d.glob(f"{PREFIX}*{SUFFIX}"):
        pid = f.name[len(PREFIX):-len(SUFFIX)]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            out.append(f)
    return sorted(out, key=lambda f: f.stat().st_mtime, reverse=True)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (never sends it a signal)."""
    if sys.platform == "win32":  # os.kill on Windows would terminate the process
        import ctypes

        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
