"""Reading and writing recordings with MNE (imported here, not at start-up)."""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

from neurodeck.atomic import atomic_path
from neurodeck.data import Epochs, Recording
from neurodeck.errors import ReadError
from neurodeck.safety.describe import plain
from neurodeck.safety.limits import SFREQ_HZ, check_range

from .datasets import EvokedSet, IcaSolution
from .headers import check_brainvision, check_edf, check_fif, check_raw

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
    fmt = _format_from_magic(path)
    suffix = path.suffix.lower()
    if fmt in ("edf", "bdf") or (fmt is None and suffix in (".edf", ".bdf")):
        check_edf(path)
    if suffix in (".vhdr", ".ahdr") or fmt == "vhdr":
        check_brainvision(path)
    if fmt == "fif":
        check_fif(path)
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
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - MNE's readers raise anything on bad bytes
        # (configparser errors for damaged .vhdr, struct errors for headers...).
        raise ReadError(path, f"not a readable recording: {plain(exc)}") from exc
    if raw.n_times == 0:
        raise ReadError(path, "the recording holds no samples")
    check_raw(path, raw)
    _probe(path, raw)
    return Recording(raw, source=path, name=path.name)


def _probe(path: Path, raw) -> None:  # noqa: ANN001
    """Read the first and the last sample: a truncated data section fails here, at open,
    rather than later in the browser. Costs two tiny reads, keeps the file lazy."""
    import numpy as np

    n = int(raw.n_times)
    try:
        raw.get_channel_types()  # a damaged channel kind/coil code fails here, not in a view
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for start in dict.fromkeys((0, n - 1)):
                block = raw.get_data(start=start, stop=start + 1)  # every channel
                if block.shape != (len(raw.ch_names), 1):
                    raise ValueError(f"got {block.shape} for one sample")
    except (ValueError, RuntimeError, OSError, IndexError, KeyError, EOFError, TypeError,
            OverflowError, MemoryError) as exc:
        raise ReadError(path, "the channel definitions or the data section are damaged: "
                              f"{plain(exc)}") from exc
    # raw.times would build the whole time axis (and JIT-load numba where installed: 1.8 s
    # of a 4.4 s open): its ends follow from the rate and the sample count
    sfreq = float(raw.info["sfreq"])
    if not (np.isfinite(sfreq) and sfreq > 0 and np.isfinite((n - 1) / sfreq)):
        raise ReadError(path, "the time axis is not finite")


def read_epochs(path: Path, preload: bool = False) -> Epochs:
    """An ``-epo.fif`` file, lazily; epoch data are read when first indexed."""
    import mne

    path = Path(path)
    if _format_from_magic(path) == "fif":
        check_fif(path)
    try:
        with mne.utils.use_log_level("error"):
            ep = mne.read_epochs(path, preload=preload)
            if len(ep) == 0:
                raise ValueError("no epochs left (all dropped)")
            check_range(path, "sampling rate (info['sfreq'])", ep.info["sfreq"], *SFREQ_HZ,
                        unit="Hz")
            ep.get_data(item=[len(ep) - 1], copy=True)  # probe: truncation fails here
    except (MemoryError, ReadError):
        raise
    except Exception as exc:  # noqa: BLE001 - as for raw files
        raise ReadError(path, f"not readable epochs: {plain(exc)}") from exc
    return Epochs.from_mne(ep, source=path, name=path.name)


def write_fif(rec: Recording, path: Path) -> None:
    """FIF (all channels, annotations, bads), atomically. Files over 2 GB are split by
    MNE into ``-1.fif`` parts beside the target."""
    path = Path(path)
    with atomic_path(path) as tmp:
        # MNE insists on a *raw.fif name; write under one and move it.
        target = tmp.with_name(tmp.stem + "_raw.fif")
        try:
            rec.raw.save(target, overwrite=True, verbose="error")
            target.replace(tmp)
        finally:
            target.unlink(missing_ok=True)


def write_export(rec: Recording, path: Path) -> None:
    """EDF (one file) or BrainVision (.vhdr + .vmrk + .eeg) through ``mne.export``.

    Written into a temporary folder beside the target, then moved into place (data
    file and marker file first, the header that names them last), so a failure leaves
    no partial recording. Needs ``edfio`` (EDF) or ``pybv`` (BrainVision).
    """
    import mne

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmpdir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        staged = tmpdir / path.name
        with mne.utils.use_log_level("error"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mne.export.export_raw(staged, rec.raw, overwrite=True, verbose="error")
        parts = sorted(tmpdir.iterdir(), key=lambda p: p.suffix.lower() == ".vhdr")
        for part in parts:
            with open(part, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(part, path.with_name(part.name))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


def _save_mne(path: Path, suffix: str, save) -> None:  # noqa: ANN001
    """Write through ``save(target)`` under a name MNE accepts (``*-epo.fif``...), atomically
    (a temporary name, then moved onto ``path``)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        target = tmp.with_name(tmp.stem + suffix)
        try:
            save(target)
            target.replace(tmp)
        finally:
            target.unlink(missing_ok=True)


def write_epochs(ds: Epochs, path: Path) -> None:
    """MNE epochs as ``-epo.fif`` (with their drop log, metadata and events)."""
    ep = ds.mne_epochs
    if ep is None:
        import mne

        info = mne.create_info(ds.labels, ds.sfreq, "misc")
        codes = {c: i + 1 for i, c in enumerate(sorted(set(ds.conditions.tolist())))}
        events = np.column_stack([np.arange(ds.n_epochs), np.zeros(ds.n_epochs, int),
                                  [codes[c] for c in ds.conditions]])
        ep = mne.EpochsArray(ds.data, info, events=events, tmin=ds.tmin, event_id=codes,
                             verbose="error")
    _save_mne(path, "-epo.fif", lambda t: ep.save(t, overwrite=True, verbose="error"))


def write_evoked(ds, path: Path) -> None:  # noqa: ANN001 - an EvokedSet
    """Evoked responses as ``-ave.fif`` (one per condition)."""
    import mne

    _save_mne(path, "-ave.fif", lambda t: mne.write_evokeds(t, ds.evokeds, overwrite=True,
                                                            verbose="error"))


def write_ica(ds, path: Path) -> None:  # noqa: ANN001 - an IcaSolution
    """An ICA solution as ``-ica.fif`` (with the marked components in ``exclude``)."""
    _save_mne(path, "-ica.fif", lambda t: ds.ica.save(t, overwrite=True, verbose="error"))


def read_evoked(path: Path) -> EvokedSet:
    import mne

    path = Path(path)
    if _format_from_magic(path) == "fif":
        check_fif(path)
    try:
        with mne.utils.use_log_level("error"):
            evokeds = mne.read_evokeds(path, verbose="error")
    except Exception as exc:  # noqa: BLE001 - MNE raises anything on bad bytes
        raise ReadError(path, f"not readable evoked data: {plain(exc)}") from exc
    return EvokedSet(evokeds, source=path, name=path.name)


def read_ica(path: Path) -> IcaSolution:
    import mne

    path = Path(path)
    if _format_from_magic(path) == "fif":
        check_fif(path)
    try:
        with mne.utils.use_log_level("error"):
            ica = mne.preprocessing.read_ica(path, verbose="error")
    except Exception as exc:  # noqa: BLE001 - as above
        raise ReadError(path, f"not a readable ICA solution: {plain(exc)}") from exc
    return IcaSolution(ica, None, source=path, name=path.name)
