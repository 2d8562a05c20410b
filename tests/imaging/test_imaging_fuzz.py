"""Mutated copies of the imaging fixtures (suite2p files, Fall.mat, CaImAn HDF5, TIFF):
each either opens (and its first and last page read) or raises a ReadError naming the file,
like tests/io/test_fuzz.py does for the other readers."""

from __future__ import annotations

import random
import shutil

import numpy as np

import neurodeck
from neurodeck import ReadError

CASES_PER_FILE = 7  # empty, two truncations, 3 bit-flip sets, a scrambled header


def _variants(data: bytes, rng: random.Random) -> dict[str, bytes]:
    out = {"empty": b"", "trunc10": data[: max(1, len(data) // 10)],
           "trunc90": data[: int(len(data) * 0.9)]}
    for k in range(CASES_PER_FILE - 4):
        b = bytearray(data)
        for pos in rng.sample(range(len(b)), min(24, len(b))):
            b[pos] ^= 1 << rng.randrange(8)
        out[f"flip{k}"] = bytes(b)
    b = bytearray(data)
    for pos in rng.sample(range(min(400, len(b))), min(16, len(b))):
        b[pos] = rng.randrange(256)
    out["header"] = bytes(b)
    return out


def _touch(ds) -> None:
    for d in ds if isinstance(ds, list) else [ds]:
        d.summary()
        if d.is_a("study"):
            for i in range(len(d.members)):
                _touch(d.member(i))
        elif d.is_a("timeseries") and d.n_times:
            d.get_data(0, min(d.n_times, 64))
            d.get_data(max(d.n_times - 64, 0), d.n_times)
        elif d.is_a("movie"):
            d.frame(0)
            d.frame(d.n_frames - 1)


def test_fuzz_imaging_readers(tmp_path, s2p, caiman_file, neurodeck_plugins):
    import tifffile

    rng = random.Random(20261202)
    movie = tmp_path / "seed" / "movie.tif"
    movie.parent.mkdir()
    tifffile.imwrite(movie, np.arange(12 * 16 * 16, dtype=np.uint16).reshape(12, 16, 16),
                     imagej=True, metadata={"axes": "TYX", "fps": 10.0})
    seeds = [("plane", s2p / "plane0", name) for name in
             ("F.npy", "Fneu.npy", "iscell.npy", "stat.npy", "ops.npy", "Fall.mat")]
    seeds += [("file", caiman_file, None), ("file", movie, None)]
    failures, opened, refused = [], 0, 0
    for kind, src, name in seeds:
        data = (src / name).read_bytes() if kind == "plane" else src.read_bytes()
        for label, content in _variants(data, rng).items():
            case = tmp_path / f"{src.name}-{name or ''}-{label}"
            if kind == "plane":
                shutil.copytree(src, case / "plane0")
                (case / "plane0" / name).write_bytes(content)
                target, named = (case / "plane0" / name if name == "Fall.mat" else
                                 case / "plane0"), name
            else:
                case.mkdir()
                target = case / src.name
                target.write_bytes(content)
                named = src.name
            try:
                _touch(neurodeck.open(target))
                opened += 1
            except ReadError as exc:
                refused += 1
                if named not in str(exc) and target.name not in str(exc):
                    failures.append(f"{case.name}: error does not name the file: {exc}")
            except Exception as exc:  # noqa: BLE001 - anything else is a finding
                failures.append(f"{case.name}: {type(exc).__name__}: {str(exc)[:200]}")
    assert not failures, "\n".join(failures)
    assert refused > 0 and opened + refused == len(seeds) * CASES_PER_FILE
