"""Fuzz every reader with mutated copies of the sample files.

Each case must either open (and then read its first and last page without error) or
raise neurodeck.ReadError naming the file, within a per-case time limit. A reader
crash, an unexpected exception type, a hang or an error that does not name the file
fails the test. The list of failures is printed in full.
"""

from __future__ import annotations

import contextlib
import random
import re
import signal
import struct
import time
from pathlib import Path

import numpy as np

import neurodeck
from neurodeck import ReadError
from neurodeck.paths import resource_path

# A guard against a stuck CI only: the product's own probe stops a reader after its
# timeout (policy.DEFAULT_TIMEOUT_S) and says so; this limit lies above that, so a slow
# case on a loaded machine meets the product's limit, not the test's.
CASE_TIMEOUT_S = 90
BARE = re.compile(r"^[A-Za-z_.]*(Error|Exception|BadZipFile|error)\b")
TEXT_EXTS = (".csv", ".tsv", ".1D", ".txt")


class CaseTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    """SIGALRM guard (POSIX main thread): turns a hang into a failure, not a stuck CI."""
    def on_alarm(signum, frame):
        raise CaseTimeout(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _seeds(folder: Path) -> dict[str, Path]:
    """The bundled samples plus small files of every other format, made from them."""
    import mne
    import nibabel as nib
    import scipy.io

    from neurodeck.plugin_api.lazy import resolve

    samples = resource_path("samples")
    folder.mkdir(parents=True, exist_ok=True)
    seeds = {p.name: p for p in samples.iterdir() if p.suffix not in (".md", ".json")}
    eeg = neurodeck.open(samples / "eegmmidb_S001R04.edf")
    raw = eeg.raw.copy().crop(0, 4).load_data()
    raw.info["bads"] = ["Fc5."]
    raw.save(folder / "rec_raw.fif", verbose="error")
    events, ids = mne.events_from_annotations(raw, verbose="error")
    mne.Epochs(raw, events, ids, 0, 0.5, baseline=None, verbose="error").save(
        folder / "rec-epo.fif", verbose="error")
    mne.export.export_raw(folder / "rec.vhdr", raw, verbose="error")
    data = raw.get_data()[:8, :200].astype(np.float32)
    np.save(folder / "traces.npy", data)
    scipy.io.savemat(folder / "traces.mat", {"dff": data, "fs": 160.0})
    tr = neurodeck.Traces([data[:4], data[4:]], [list("abcd"), list("abce")], 160.0,
                          animals=["w1", "w2"])
    pm = neurodeck.api.plugin_manager()
    writer = {w.id: resolve(w.write) for w in pm.contributions("writers")}
    writer["traces-hdf5"](tr, folder / "traces.h5")
    writer["nwb"](tr.animal(0), folder / "traces.nwb")
    img = nib.load(samples / "nitime_fmri1.nii.gz")
    nib.save(nib.Nifti1Image(np.asarray(img.dataobj)[..., :6], img.affine, img.header),
             folder / "run.nii")
    np.savetxt(folder / "rois.1D", np.random.default_rng(0).normal(size=(30, 3)))
    (folder / "adjacency.csv").write_text(",A,B\nA,0,1\nB,2,0\n")
    for name in ("traces.npy", "traces.mat", "traces.h5", "traces.nwb", "run.nii", "rois.1D",
                 "adjacency.csv", "rec_raw.fif", "rec-epo.fif", "rec.vhdr"):
        seeds[name] = folder / name
    return seeds


def _huge(name: str, data: bytes) -> bytes | None:
    """The same file declaring far more data than it holds."""
    b = bytearray(data)
    if name.endswith(".edf"):
        b[236:244] = b"99999999"  # number of data records
    elif name.endswith(".npy"):
        text = b.decode("latin-1")
        start = text.index("'shape': (") + len("'shape': (")
        end = text.index(")", start)
        shape = "100000000000, 100000000000".ljust(end - start)[: end - start]
        b[start:end] = shape.encode()
    elif name.endswith(".nii"):
        b[40:56] = struct.pack("<8h", 4, 32767, 32767, 32767, 32767, 1, 1, 1)
    elif name.endswith(".csv") or name.endswith(".1D"):
        return b"1e308," * 3 + b"\n" + b"9" * 400 + b",1,2\n"
    else:
        return None
    return bytes(b)


def _non_utf8(name: str, data: bytes) -> bytes | None:
    if name.endswith(".edf"):
        b = bytearray(data)
        b[8:88] = b"\xff\xfe\xe9\x80" * 20  # patient field
        return bytes(b)
    if name.endswith(TEXT_EXTS + (".vhdr",)):
        return b"\xff\xfe\x80\xe9\xc3(" + data
    return None


def _cases(seeds: dict[str, Path], folder: Path):
    rng = random.Random(20240601)
    names = sorted(seeds)
    for i, name in enumerate(names):
        src = seeds[name]
        data = src.read_bytes()
        stem, ext = name.split(".", 1)
        variants: dict[str, bytes] = {"empty": b""}
        for frac in (0.01, 0.5, 0.9):
            variants[f"trunc{int(frac * 100)}"] = data[: max(1, int(len(data) * frac))]
        for k in range(5):
            b = bytearray(data)
            for pos in rng.sample(range(len(b)), min(20, len(b))):
                b[pos] ^= 1 << rng.randrange(8)
            variants[f"flip{k}"] = bytes(b)
        b = bytearray(data)
        for pos in rng.sample(range(min(512, len(b))), min(16, len(b))):
            b[pos] = rng.randrange(256)
        variants["header"] = bytes(b)
        for label, fn in (("huge", _huge), ("nonutf8", _non_utf8)):
            out = fn(name, data)
            if out is not None:
                variants[label] = out
        for label, content in variants.items():
            case_dir = folder / f"{name}-{label}"
            case_dir.mkdir(parents=True)
            path = case_dir / name
            path.write_bytes(content)
            _companions(src, path)
            yield f"{name}:{label}", path
        # Wrong extension: this content under the next seed's extension.
        other = names[(i + 1) % len(names)].split(".", 1)[1]
        if other != ext:
            path = folder / f"{name}-wrongext" / f"{stem}.{other}"
            path.parent.mkdir(parents=True)
            path.write_bytes(data)
            yield f"{name}:as.{other}", path


def _companions(src: Path, path: Path) -> None:
    """Sidecars and BrainVision data/marker files travel unmutated with their file."""
    for sib in src.parent.iterdir():
        if sib != src and sib.name.split(".")[0] == src.name.split(".")[0] and \
                sib.suffix in (".json", ".vmrk", ".eeg", ".tsv"):
            (path.parent / sib.name).write_bytes(sib.read_bytes())


def _touch(ds) -> None:
    """What the app does right after opening: summary and the first and last page."""
    for d in ds if isinstance(ds, list) else [ds]:
        d.summary()
        if d.is_a("timeseries") and hasattr(d, "n_times") and d.n_times:
            d.get_data(0, min(d.n_times, 64))
            d.get_data(max(d.n_times - 64, 0), d.n_times)
        if d.is_a("fmri"):
            d.volume(0)
            d.volume(d.n_volumes - 1)


def test_fuzz_every_reader(tmp_path, neurodeck_plugins):
    seeds = _seeds(tmp_path / "seeds")
    keep = neurodeck.open(resource_path("samples", "eegmmidb_S001R04.edf"))
    before = keep.get_data(0, 320).copy()
    failures, counts, slowest = [], {"opened": 0, "read_error": 0}, (0.0, "")
    t_all = time.perf_counter()
    for case, path in _cases(seeds, tmp_path / "cases"):
        t0 = time.perf_counter()
        try:
            with time_limit(CASE_TIMEOUT_S):
                try:
                    _touch(neurodeck.open(path))
                    counts["opened"] += 1
                except ReadError as exc:
                    counts["read_error"] += 1
                    if path.name not in str(exc):
                        failures.append(f"{case}: error does not name the file: {exc}")
                    # A bare "SomeError: ..." cause is an exception a reader let through
                    # (the core's catch-all wording), not an explained failure.
                    bare = [c for c in exc.cause.split("; ") if BARE.match(c)]
                    if bare:
                        failures.append(f"{case}: unexplained cause {bare[0][:160]}")
        except Exception as exc:  # noqa: BLE001 - any other exception is a finding
            failures.append(f"{case}: {type(exc).__name__}: {str(exc)[:200]}")
        slowest = max(slowest, (time.perf_counter() - t0, case))
    total = sum(counts.values()) + len(failures)
    print(f"\nfuzz: {total} cases over {len(seeds)} seed files in "
          f"{time.perf_counter() - t_all:.1f} s; {counts}; slowest {slowest[1]} "
          f"{slowest[0]:.2f} s")
    np.testing.assert_array_equal(keep.get_data(0, 320), before)  # others untouched
    assert not failures, f"{len(failures)} of {total} cases failed:\n" + "\n".join(failures)
    assert total >= 170
