"""Files that point at other files: keep every reference inside the opened file's folder.

:func:`inside` is the one containment rule (used by the readers, the HDF5 scan and the
probe's file guard): a reference is inside when its path, joined to the folder and
normalised, stays in the folder, and the file it names really lies there too (a
symbolic link out of the folder is outside) - except a link into a git-annex/DataLad
object store of an enclosing repository, which is how such datasets hold their content.

:func:`hdf5_references` lists what an HDF5 file (also NWB, MATLAB v7.3, results) makes
the HDF5 library open: external links, external raw-data files and virtual-dataset
sources. The library opens those in C, below any Python-level guard, so they are found
by reading the file's structure first.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import policy
from .errors import ExternalReference

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
MAX_LINKS = 2_000_000


def _norm(p: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.abspath(os.fspath(p)))


def under(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is ``folder`` or inside it (lexically, after normalising)."""
    p, f = _norm(path), _norm(folder)
    try:
        return os.path.commonpath([p, f]) == f
    except ValueError:  # different drives
        return False


def _annexed(real: str, folder: Path) -> bool:
    parts = Path(real).parts
    for i in range(len(parts) - 2):
        if parts[i:i + 3] == (".git", "annex", "objects"):
            repo = Path(*parts[:i])
            return under(folder, repo) or under(os.path.realpath(folder), repo)
    return False


def inside(folder: str | os.PathLike[str], target: str | os.PathLike[str]) -> bool:
    """Whether ``target`` (absolute, or relative to ``folder``) stays in ``folder``."""
    folder = Path(os.path.abspath(folder))
    joined = os.path.normpath(os.path.join(folder, os.fspath(target)))
    if not under(joined, folder):
        return False
    real = os.path.realpath(joined)
    return under(real, os.path.realpath(folder)) or _annexed(real, folder)


def check_reference(path: str | os.PathLike[str], target: str | os.PathLike[str],
                    how: str) -> Path:
    """The referenced file (joined to ``path``'s folder) if it stays in that folder or
    the read allows outside references; else :class:`ExternalReference`."""
    folder = Path(path).parent
    resolved = Path(os.path.normpath(os.path.join(folder, os.fspath(target))))
    if not policy.current().allow_external and not inside(folder, target):
        if under(resolved, folder):  # named inside, but a symbolic link out of the folder
            how = f"{how}, a link to {os.path.realpath(resolved)}"
        raise ExternalReference(path, str(resolved), how)
    return resolved


# -- HDF5 -----------------------------------------------------------------------------------
def hdf5_offset(path: str | os.PathLike[str]) -> int | None:
    """Where the HDF5 superblock starts (0 or a user-block size), or ``None``."""
    try:
        with open(path, "rb") as fh:
            if fh.read(8) == HDF5_MAGIC:
                return 0
            size = os.fstat(fh.fileno()).st_size
            at = 512
            while at + 8 <= size:
                fh.seek(at)
                if fh.read(8) == HDF5_MAGIC:
                    return at
                at *= 2
    except OSError:
        return None
    return None


def walk_hdf5(f: object, on_external: object = None):  # noqa: ANN201 - a generator
    """Yield ``(name, object)`` for every group and dataset of an open HDF5 file, like
    ``visititems`` (hard links only, each object once) but in linear time: each lookup is
    relative to its group, where ``visititems`` looks every name up from the root (2,000
    nested groups took 20 s). ``on_external(name, link)`` hears of external links."""
    import h5py

    seen: set[int] = set()
    count = 0
    # Depth-first, each group's members in name order: the order visititems gives.
    stack: list[tuple[str, object, object]] = [("", f, iter(list(f)))]  # type: ignore[call-overload]
    while stack:
        prefix, group, names = stack[-1]
        name = next(names, None)  # type: ignore[call-overload]
        if name is None:
            stack.pop()
            continue
        count += 1
        if count > MAX_LINKS:
            raise ValueError(f"more than {MAX_LINKS} links")
        full = f"{prefix}/{name}" if prefix else name
        link = group.get(name, getlink=True)  # type: ignore[attr-defined]
        if isinstance(link, h5py.ExternalLink) and on_external is not None:
            on_external(full, link)  # type: ignore[operator]
        if not isinstance(link, h5py.HardLink):
            continue
        obj = group.get(name)  # type: ignore[attr-defined]
        key = hash(obj.id)
        if key in seen:
            continue
        seen.add(key)
        yield full, obj
        if isinstance(obj, h5py.Group):
            stack.append((full, obj, iter(list(obj))))


def hdf5_references(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """``(target file, what refers to it)`` for every other file ``path`` makes HDF5
    open. Virtual sources in the same file (``"."``) are not listed."""
    import h5py

    out: list[tuple[str, str]] = []
    with h5py.File(path, "r") as f:
        def external(name: str, link: h5py.ExternalLink) -> None:
            out.append((link.filename, f"external link /{name}"))

        for name, obj in walk_hdf5(f, external):
            if isinstance(obj, h5py.Dataset):
                out += _dataset_references(obj, "/" + name)
    return out


def _dataset_references(ds: object, name: str) -> list[tuple[str, str]]:
    import h5py

    out = []
    dcpl = ds.id.get_create_plist()  # type: ignore[attr-defined]
    for i in range(dcpl.get_external_count()):
        out.append((os.fsdecode(dcpl.get_external(i)[0]), f"external raw data of {name}"))
    if dcpl.get_layout() == h5py.h5d.VIRTUAL:
        for i in range(dcpl.get_virtual_count()):
            src = os.fsdecode(dcpl.get_virtual_filename(i))
            if src != ".":
                out.append((src, f"virtual dataset {name}"))
    return out


def check_hdf5(path: str | os.PathLike[str], _seen: set[str] | None = None) -> None:
    """Refuse an HDF5 file whose references leave its folder (unless allowed), and
    check the files it links to in the folder the same way."""
    seen = _seen if _seen is not None else set()
    key = os.path.realpath(path)
    if key in seen or len(seen) > 64:
        return
    seen.add(key)
    folder = Path(path).parent
    try:
        references = hdf5_references(path)
    except Exception as exc:  # noqa: BLE001 - the HDF5 library raises OSError/RuntimeError...
        from ..errors import ReadError

        raise ReadError(path, describe_hdf5_error(exc)) from exc
    for target, how in references:
        resolved = check_reference(path, target, how)
        if policy.current().allow_external:
            continue
        if how.startswith("external raw") and not os.path.isabs(target):
            # HDF5 reads relative raw-data files from the current directory, not the
            # file's folder (measured with HDF5 2.0): that must be inside too.
            check_reference(path, os.path.join(os.getcwd(), target), how)
        if not resolved.exists():
            # Links and virtual sources missing here are looked up in the current
            # directory next.
            raise ExternalReference(path, str(resolved), how + ", a file that is missing")
        if how.startswith("external link") and hdf5_offset(resolved) is not None:
            check_hdf5(folder / target, seen)


def describe_hdf5_error(exc: BaseException) -> str:
    """The HDF5 library's message in user terms."""
    text = str(exc)
    if "truncated file" in text:
        import re

        m = re.search(r"eof = (\d+).*stored_eof = (\d+)", text)
        held = f": it holds {m.group(1)} of its {m.group(2)} bytes" if m else ""
        return f"the HDF5 file is truncated{held} (an interrupted copy or download?)"
    if "file signature not found" in text:
        return "not an HDF5 file (no HDF5 signature)"
    return f"the HDF5 file's internal structure is damaged ({text[:200] or type(exc).__name__})"
