"""Choosing a reader for a file and opening it with errors that name the file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .data.base import Dataset
from .data.result import Result
from .errors import LayoutChoiceNeeded, NeurodeckError, NotMine, ReadError
from .plugin_api import reader_options
from .plugin_api.contributions import Reader
from .plugin_api.lazy import resolve
from .plugin_api.manager import PluginManager
from .safety import policy as safety_policy
from .safety import probe
from .safety.describe import plain
from .safety.errors import ExternalReference, MemoryBudgetExceeded
from .safety.policy import split_options
from .safety.references import check_hdf5, hdf5_offset


def candidate_readers(pm: PluginManager, path: Path) -> list[Reader]:
    """Readers whose extension matches, longest extension first, then by priority."""
    name = path.name
    matching = [r for r in pm.contributions("readers") if r.matches_name(name)]

    def longest(r: Reader) -> int:
        return max(len(e) for e in r.extensions if name.lower().endswith(e.lower()))

    return sorted(matching, key=lambda r: (-longest(r), -r.priority))


def sniffing_readers(pm: PluginManager, path: Path) -> list[Reader]:
    out = []
    for r in pm.contributions("readers"):
        if r.sniff is None:
            continue
        try:
            if resolve(r.sniff)(path):
                out.append(r)
        except Exception:  # noqa: BLE001 - a sniffer failing only means "not mine"
            continue
    return sorted(out, key=lambda r: -r.priority)


def open_path(pm: PluginManager, path: str | os.PathLike[str], reader: str | None = None,
              **options: Any) -> Dataset | list[Dataset]:
    """Open ``path`` with the best reader; ``reader`` forces one by id.

    ``memory_budget=`` (bytes) and ``allow_external=True`` relax the read policy for this
    file (see :mod:`neurodeck.safety`); every other option goes to the reader. Untrusted
    files are opened in the probe worker first (:mod:`neurodeck.safety.probe`).
    """
    policy_options, options = split_options(options)
    path = Path(path).expanduser()
    if not path.exists():
        raise ReadError(path, "no such file or folder")
    if path.is_file() and path.stat().st_size == 0:
        raise ReadError(path, "the file is empty")
    with safety_policy.using(**policy_options) as policy:
        if policy.probe and not probe.in_worker():
            probe.check_open(pm, path, reader, options)
        return _dispatch(pm, path, reader, options)


def _dispatch(pm: PluginManager, path: Path, reader: str | None, options: dict[str, Any],
              strict: bool = False) -> Dataset | list[Dataset]:
    """Choose the reader and read. ``strict`` (in the probe worker): a MemoryError is
    not turned into a read error, so the worker reports the budget as exceeded."""
    if path.is_file() and hdf5_offset(path) is not None:
        check_hdf5(path)  # links and external data the HDF5 library would follow in C
    if reader is not None:
        chosen = [r for r in pm.contributions("readers") if r.id == reader]
        if not chosen:
            raise ReadError(path, f"no reader named {reader!r}")
    else:
        if path.suffix.lower() == ".h5" and Result.sniff(path):
            return Result.read_unprobed(path)
        chosen = candidate_readers(pm, path)
        if not chosen:
            chosen = sniffing_readers(pm, path)
        if not chosen and path.is_dir():
            from .studies import study_from_folder

            return study_from_folder(pm, path, **options)  # a folder of files: a study
        if not chosen:
            exts = sorted({e for r in pm.contributions("readers") for e in r.extensions})
            raise ReadError(path, f"no reader for this file type (known: {' '.join(exts)})")
    errors: list[str] = []
    not_mine: list[str] = []
    for r in chosen:
        try:
            read = resolve(r.read)
            out = read(path, **reader_options.check(r.id, read, options, path))
        except (LayoutChoiceNeeded, MemoryBudgetExceeded, ExternalReference):
            raise  # readable once the user chooses or agrees: the GUI asks, scripts pass it
        except NotMine as exc:
            not_mine.append(exc.cause)
            continue
        except ReadError as exc:
            errors.append(exc.cause)
            continue
        except NeurodeckError as exc:
            errors.append(str(exc))
            continue
        except MemoryError:
            if strict:
                raise
            errors.append("the file declares more data than fits in memory")
            continue
        except Exception as exc:  # noqa: BLE001 - a reader may raise anything on bad bytes
            errors.append(plain(exc))
            continue
        _stamp(out, path)
        return out
    causes = errors or not_mine
    raise ReadError(path, "; ".join(dict.fromkeys(causes)) or "unreadable")


def _stamp(out: Dataset | list[Dataset], path: Path) -> None:
    for ds in out if isinstance(out, list) else [out]:
        if ds.source is None:
            ds.source = path
