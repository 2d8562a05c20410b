"""Reading and writing recordings with MNE (imported here, not at start-up)."""

from __future__ import annotations

from pathlib import Path

from neurodeck.atomic import atomic_path
from neurodeck.data import Epochs, Recording
from neurodeck.errors import ReadError

# Magic bytes of formats MNE reads, for files with a wrong or missing extension.
_MAGIC = {
    b"\x00\x00\x00\x64\x00\x00\x00\x1f": "fif",  # FIFF_FILE_ID tag
    b"0       ": "edf",
    b"\xffBIOSEMI": "bdf",
    b"Brain Vision Data Exchange Header": "vhdr",
}


def sniff_raw(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(40)
    return any(head.startswith(m) for m in _MAGIC)


def _format_from_magic(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(40)
    return next((fmt for magic, fmt in _MAGIC.items() if head.startswith(magic)), None)


def read_raw(path: Path, preload: bool = False) -> Recording:
    """Open any continuous format MNE knows, lazily (``preload=False``)."""
    import mne

    path = Path(path)
    readers = {"fif": mne.io.read_raw_fif, "edf": mne.io.read_raw_edf,
               "bdf": mne.io.read_raw_bdf, "vhdr": mne.io.read_raw_brainvision}
    try:
        with mne.utils.use_log_level("error"):
            try:
                raw = mne.io.read_raw(path, preload=preload)
            except ValueError as exc:
                fmt = _format_from_magic(path)
                if fmt is None or "extension" not in str(exc).lower() and "support" not in str(exc):
                    raise
                raw = readers[fmt](path, preload=preload)
    except FileNotFoundError as exc:
        raise ReadError(path, f"a file it refers to is missing ({exc})") from exc
    except (ValueError, RuntimeError, OSError, KeyError, IndexError, TypeError, EOFError,
            UnicodeDecodeError, OverflowError, AssertionError) as exc:
        raise ReadError(path, f"not a readable recording: {exc}") from exc
    if raw.n_times == 0 or raw.info["sfreq"] <= 0:
        raise ReadError(path, "the recording holds no samples")
    return Recording(raw, source=path, name=path.name)


def read_epochs(path: Path) -> Epochs:
    import mne

    path = Path(path)
    try:
        with mne.utils.use_log_level("error"):
            ep = mne.read_epochs(path, preload=False)
    except (ValueError, RuntimeError, OSError, KeyError, IndexError, TypeError) as exc:
        raise ReadError(path, f"not readable epochs: {exc}") from exc
    return Epochs.from_mne(ep, source=path, name=path.name)


def write_fif(rec: Recording, path: Path) -> None:
    path = Path(path)
    name = path.name if path.name.endswith(("raw.fif", "raw.fif.gz")) else path.name
    with atomic_path(path.with_name(name)) as tmp:
        # MNE insists on a *raw.fif name; write under one and move it.
        target = tmp.with_name(tmp.stem + "_raw.fif")
        rec.raw.save(target, overwrite=True, verbose="error")
        target.replace(tmp)


def write_export(rec: Recording, path: Path) -> None:
    import mne

    path = Path(path)
    # BrainVision writes three files; EDF one. Export into the target folder directly:
    # mne.export writes via temporary buffers and raises before creating partial output.
    mne.export.export_raw(path, rec.raw, overwrite=True, verbose="error")
