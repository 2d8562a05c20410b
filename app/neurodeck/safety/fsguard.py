"""An audit hook (PEP 578) that confines a read to its folder and forbids running code.

Installed in the probe worker (and in the hostile-input suite's app process, to count
what a case touched). While a read is *armed*, every Python-level ``open`` of a file
outside the read's folder, outside Python's own installation and outside a few system
places (``/dev``, ``/proc``...) is refused with
:class:`PermissionError`, and so is any write outside the temporary folder; unpickling a
class, starting a process or opening a network connection is refused too. Each refusal
is recorded, so a reader that swallows the ``PermissionError`` cannot hide it.
"""

from __future__ import annotations

import os
import site
import sys
import sysconfig
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .references import inside, under

_WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
CODE_EVENTS = ("pickle.find_class", "os.system", "subprocess.Popen", "os.posix_spawn",
               "os.exec", "os.spawn", "os.fork", "os.forkpty", "os.startfile",
               "socket.connect", "socket.bind", "webbrowser.open", "shutil.rmtree",
               "os.remove", "os.rename", "os.rmdir", "os.truncate")


@dataclass
class Violation:
    kind: str  # "file" or "code"
    detail: str


@dataclass
class _Armed:
    folders: list[Path]
    owner: int
    reads_anywhere: bool = False  # the thread doing the read
    violations: list[Violation] = field(default_factory=list)


def system_roots() -> list[str]:
    """Where a reader may read besides the file's folder: Python's own files, the
    import path, system pseudo-files, MNE's and neurodeck's config. (Not the temporary
    folder: other people's files live there.)"""
    from ..settings import config_dir

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.expanduser("~/.mne"),
             str(config_dir())}
    roots.update(p for p in sysconfig.get_paths().values() if p)
    with_site = [*getattr(site, "getsitepackages", lambda: [])(), site.getusersitepackages()]
    roots.update(p for p in with_site if p)
    cwd = os.getcwd()
    roots.update(p for p in sys.path if p and os.path.isdir(p) and os.path.abspath(p) != cwd)
    if os.name == "posix":
        roots.update({"/dev", "/proc", "/sys", "/etc/localtime", "/usr/share/zoneinfo"})
    return sorted(os.path.abspath(r) for r in roots)


class FileGuard:
    """The audit hook. :meth:`armed` confines the reads of one thread to a folder."""

    def __init__(self) -> None:
        self._state: _Armed | None = None
        self._roots: list[str] = []
        self._tmp = os.path.abspath(tempfile.gettempdir())
        self._installed = False

    def install(self) -> None:
        if not self._installed:
            sys.addaudithook(self._hook)
            self._installed = True

    def arm(self, path: str | os.PathLike[str], reads_anywhere: bool = False) -> None:
        """Confine this thread to the folder of ``path`` (and, when ``path`` is a link,
        the folder of the file it links to: that is the file the user chose)."""
        path = Path(os.path.abspath(path))
        folders = [path if path.is_dir() else path.parent]
        real = Path(os.path.realpath(path))
        folders.append(real if real.is_dir() else real.parent)
        self._roots = system_roots()
        self._state = _Armed(folders, threading.get_ident(), reads_anywhere=reads_anywhere)

    def disarm(self) -> list[Violation]:
        state, self._state = self._state, None
        return state.violations if state else []

    def allowed(self, path: str, write: bool) -> bool:
        state = self._state
        if state is None:
            return True
        if write:
            return under(path, self._tmp) or path.startswith("/dev/")
        if state.reads_anywhere:
            return True
        if any(under(path, f) and inside(f, path) for f in state.folders):
            return True
        return any(under(path, r) for r in self._roots)

    def _hook(self, event: str, args: tuple) -> None:
        state = self._state
        if state is None or threading.get_ident() != state.owner:
            return
        if event == "open":
            target = args[0]
            if isinstance(target, int) or target is None:
                return
            try:
                path = os.path.abspath(os.fsdecode(target))
            except (TypeError, ValueError):
                return
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            mode = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
            write = bool(flags & _WRITE) or any(c in mode for c in "wax+")
            if not self.allowed(path, write) and not _importing():
                what = "write" if write else "read"
                state.violations.append(Violation("file", f"{what} {path}"))
                raise PermissionError(f"neurodeck refused to {what} {path}: it is outside "
                                      "the folder of the file being opened")
        elif event.startswith(CODE_EVENTS):
            if event.startswith(("os.remove", "os.rename", "os.rmdir", "os.truncate",
                                 "shutil.rmtree")):
                target = args[0] if args else ""
                if isinstance(target, (str, bytes, os.PathLike)) and under(
                        os.path.abspath(os.fsdecode(target)), self._tmp):
                    return  # temporary files a library cleans up
                kind = "file"
            else:
                if _importing() or (event == "pickle.find_class" and _trusted_unpickler()):
                    return  # a library's own work (platform runs uname, numba's cache)
                kind = "code"
            detail = f"{event} {args[0] if args else ''}"[:300]
            state.violations.append(Violation(kind, detail))
            raise PermissionError(f"neurodeck refused {event} while reading a file")


def _importing() -> bool:
    """Whether this runs inside a module import: installed code (writing its byte code,
    reading its config), not the file's doing - a file cannot start an import without
    unpickling, which is refused first."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


#: Packages that unpickle their own data (numba: its JIT cache and compiled constants),
#: never the file being read.
TRUSTED_UNPICKLERS = (f"{os.sep}numba{os.sep}core{os.sep}",)


def _trusted_unpickler() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if any(t in frame.f_code.co_filename for t in TRUSTED_UNPICKLERS):
            return True
        frame = frame.f_back
    return False


GUARD = FileGuard()
