"""Imaging speed: the movie reader and player, dF/F and OASIS, each against the reference
package in the same run.

Workloads (sizes from the imaging issue):

- movie: a 512 x 512 x 10,000 uint16 TIFF (5.2 GB, ImageJ, 30 fps) written here. Open:
  ``neurodeck.open`` (probe worker included on the first, cold call; later calls find the
  file's verdict cached) vs ``tifffile.memmap``. Playback: 300 consecutive frames shown by
  our ``MovieView`` (offscreen, each frame painted) vs pyqtgraph's ``ImageView`` on the
  same memory map (levels fixed, as a fluid player must).
- dF/F: 30 Hz traces, 60 s window, 8th percentile. Ours (``dff`` transform, baseline exact
  every 1 s and interpolated) vs scipy's exact ``percentile_filter`` then ``(F - F0) / F0``,
  interleaved on a subset of rows; ours alone on the full 1,000 cells x 100,000 frames.
- OASIS: our ``deconvolve`` transform vs a loop of ``oasis.functions.deconvolve`` calls
  (AR(1), L1, parameters estimated) on the same traces; OASIS works one trace at a time,
  so throughput (cells x frames per second) measured on a subset is that of the full
  1,000 x 100,000 workload, whose time is given as computed from it.

Every case goes through ``harness.compare``: A and B interleaved, equal repeats. Results:
``benchmarks/results/imaging.json``; ``--quick`` (2,000-frame movie, 10,000-frame traces,
fewer rows) writes ``imaging-quick.json``.

Run: ``python benchmarks/bench_imaging.py [--quick] [--workdir DIR]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

RESULTS = "imaging"


def write_movie(path: Path, n: int, side: int = 512) -> None:
    """An ImageJ TIFF of ``n`` frames with texture (not a sparse file of zeros)."""
    import tifffile

    if path.exists() and path.stat().st_size > n * side * side * 2:
        return
    rng = np.random.default_rng(0)
    tiles = rng.integers(200, 3000, (8, side, side), dtype=np.uint16)
    with tifffile.TiffWriter(path, imagej=True) as tw:
        def frames():
            for i in range(n):
                yield tiles[i % 8]
        tw.write(frames(), shape=(n, side, side), dtype=np.uint16,
                 metadata={"axes": "TYX", "fps": 30.0})


def bench_movie(path: Path, n_show: int, repeats: int) -> dict:
    import pyqtgraph as pg
    import tifffile
    from harness import compare, ratio, strip_values
    from neurodeck_imaging.movie_view import MovieView
    from PySide6 import QtWidgets

    import neurodeck

    res = compare({"neurodeck": lambda: neurodeck.open(path),
                   "tifffile.memmap": lambda: tifffile.memmap(path, mode="r")},
                  repeats=repeats)
    opened = res["neurodeck"]["value"]
    mm = res["tifffile.memmap"]["value"]
    same = bool(np.array_equal(opened.frame(opened.n_frames - 1), mm[-1]))
    open_case = {"case": "movie open", "frames": opened.n_frames, "shape": list(opened.shape),
                 "bytes": path.stat().st_size, "storage": opened.meta["storage"],
                 "cold_s": res["neurodeck"]["cold_s"], "same_last_frame": same,
                 "timing": strip_values(res)}

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    ours = MovieView(opened)
    ours.resize(900, 700)
    ours.show()
    ref = pg.ImageView()
    ref.resize(900, 700)
    ref.show()
    ref.setImage(mm, autoRange=False, autoLevels=False, levels=ours.levels,
                 autoHistogramRange=False)
    app.processEvents()
    start = opened.n_frames // 3

    def play_ours():
        for i in range(start, start + n_show):
            ours.show_frame(i)
            ours.glw.viewport().repaint()
        app.processEvents()

    def play_ref():
        for i in range(start, start + n_show):
            ref.setCurrentIndex(i)
            ref.ui.graphicsView.viewport().repaint()
        app.processEvents()

    res = compare({"neurodeck": play_ours, "pyqtgraph ImageView": play_ref}, repeats=repeats)
    play = {"case": "movie playback", "frames_shown": n_show,
            "fps": {k: n_show / v["wall"]["median"] for k, v in res.items()},
            "speedup_wall": ratio(res, "pyqtgraph ImageView", "neurodeck"),
            "timing": strip_values(res)}
    ours.close()
    ref.close()
    return {"open": open_case, "play": play}


def traces(n: int, t: int, fs: float = 30.0, seed: int = 1) -> np.ndarray:
    """Calcium-like rows: AR(1) transients from Poisson spikes on a slow drift, noise."""
    rng = np.random.default_rng(seed)
    g = np.exp(-1 / (0.7 * fs))
    spikes = (rng.random((n, t)) < 0.5 / fs).astype(np.float64)
    from scipy.signal import lfilter

    c = lfilter([1.0], [1.0, -g], spikes, axis=1)
    drift = 1 + 0.2 * np.sin(np.arange(t) / (fs * 120.0))
    return (100 * drift * (1 + 0.3 * c) + rng.normal(scale=3, size=(n, t))).astype(np.float32)


def bench_dff(n_all: int, n_sub: int, t: int, repeats: int) -> dict:
    from harness import compare, ratio, strip_values
    from scipy.ndimage import percentile_filter

    import neurodeck

    fs, window = 30.0, 60.0
    data = traces(n_all, t, fs)
    tr = neurodeck.Traces(data, None, fs)
    sub = neurodeck.Traces(data[:n_sub], None, fs)
    size = int(round(window * fs)) | 1

    def ours(ds):
        out = neurodeck.transform("dff", ds, window_s=window, percentile=8.0, step_s=1.0)
        return out.get_data()

    def scipy_ref():
        base = percentile_filter(data[:n_sub].astype(np.float64), 8.0, size=(1, size),
                                 mode="nearest")
        return (data[:n_sub] - base) / base

    res = compare({"neurodeck": lambda: ours(sub), "scipy percentile_filter": scipy_ref},
                  repeats=repeats, warmup=False)
    a, b = res["neurodeck"]["value"], res["scipy percentile_filter"]["value"]
    half = size // 2 + 30
    interior = np.abs(a[:, half:-half] - b[:, half:-half])
    sub_case = {"case": "dF/F subset", "cells": n_sub, "frames": t, "window_frames": size,
                "max_abs_diff_interior": float(interior.max()),
                "median_abs_diff_interior": float(np.median(interior)),
                "speedup_wall": ratio(res, "scipy percentile_filter", "neurodeck"),
                "speedup_cpu": ratio(res, "scipy percentile_filter", "neurodeck", "cpu"),
                "timing": strip_values(res)}
    full = compare({"neurodeck": lambda: ours(tr)}, repeats=1, warmup=False)
    full_case = {"case": "dF/F full", "cells": n_all, "frames": t,
                 "throughput": n_all * t / full["neurodeck"]["wall"]["median"],
                 "timing": strip_values(full)}
    sub_case["throughput"] = {k: n_sub * t / v["wall"]["median"] for k, v in res.items()}
    return {"subset": sub_case, "full": full_case}


def bench_oasis(n_sub: int, t: int, n_all: int, repeats: int) -> dict:
    from harness import compare, ratio, strip_values
    from oasis.functions import deconvolve

    import neurodeck

    fs = 30.0
    data = traces(n_sub, t, fs, seed=2)
    tr = neurodeck.Traces(data, None, fs)

    def ours():
        return neurodeck.transform("deconvolve", tr).get_data()

    def ref():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.stack([deconvolve(row.astype(np.float64), penalty=1)[1] for row in data])

    res = compare({"neurodeck": ours, "oasis-deconv loop": ref}, repeats=repeats,
                  warmup=False)
    a, b = res["neurodeck"]["value"], res["oasis-deconv loop"]["value"]
    r = [float(np.corrcoef(x, y)[0, 1]) for x, y in zip(a, b, strict=True)]
    thr = {k: n_sub * t / v["wall"]["median"] for k, v in res.items()}
    return {"case": "OASIS", "cells": n_sub, "frames": t, "min_r": min(r),
            "throughput": thr, "full_cells": n_all,
            "full_s_from_throughput": {k: n_all * t / v for k, v in thr.items()},
            "speedup_wall": ratio(res, "oasis-deconv loop", "neurodeck"),
            "timing": strip_values(res)}


def tables(doc: dict) -> dict[str, str]:
    """The docs' table (docs/imaging.md) from a results file."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness import fmt_spread

    env = doc["environment"]
    mo, pl = doc["movie"]["open"], doc["movie"]["play"]
    d, o = doc["dff"], doc["oasis"]
    t = mo["timing"]
    rows = [
        "| workload | neurodeck | reference | ratio (ref / ours) | agreement |",
        "|---|---|---|---|---|",
        f"| open {mo['shape'][1]}x{mo['shape'][2]}x{mo['frames']:,} uint16 TIFF "
        f"({mo['bytes'] / 1e9:.1f} GB, {mo['storage']}) | {fmt_spread(t['neurodeck']['wall'])}"
        f" (first, probed: {mo['cold_s']:.2f} s) | tifffile.memmap "
        f"{fmt_spread(t['tifffile.memmap']['wall'])} | "
        f"{t['tifffile.memmap']['wall']['median'] / t['neurodeck']['wall']['median']:.2f} | "
        f"last frame equal: {mo['same_last_frame']} |",
        f"| play {pl['frames_shown']} frames (each painted) | "
        f"{pl['fps']['neurodeck']:.0f} frames/s | pyqtgraph ImageView "
        f"{pl['fps']['pyqtgraph ImageView']:.0f} frames/s | {pl['speedup_wall']:.2f} | - |",
        f"| dF/F, {d['subset']['cells']} cells x {d['subset']['frames']:,} frames (60 s "
        f"window at 30 Hz) | {fmt_spread(d['subset']['timing']['neurodeck']['wall'])} | "
        f"scipy percentile_filter "
        f"{fmt_spread(d['subset']['timing']['scipy percentile_filter']['wall'])} | "
        f"{d['subset']['speedup_wall']:.1f} | interior median abs diff "
        f"{d['subset']['median_abs_diff_interior']:.1e} (max "
        f"{d['subset']['max_abs_diff_interior']:.1e}) |",
        f"| dF/F, {d['full']['cells']:,} cells x {d['full']['frames']:,} frames | "
        f"{fmt_spread(d['full']['timing']['neurodeck']['wall'])} "
        f"({d['full']['throughput'] / 1e6:.2f} M samples/s) | - | - | - |",
        f"| OASIS AR(1) L1, {o['cells']} cells x {o['frames']:,} frames | "
        f"{fmt_spread(o['timing']['neurodeck']['wall'])} | oasis-deconv loop "
        f"{fmt_spread(o['timing']['oasis-deconv loop']['wall'])} | {o['speedup_wall']:.2f} | "
        f"min r {o['min_r']:.4f} |",
        f"| OASIS, {o['full_cells']:,} cells x {o['frames']:,} frames (from the throughput) | "
        f"{o['full_s_from_throughput']['neurodeck'] / 60:.1f} min | "
        f"{o['full_s_from_throughput']['oasis-deconv loop'] / 60:.1f} min | - | - |",
    ]
    reps = pl["timing"]["neurodeck"]["wall"]["n"]
    cond = (f"\n\n{env['date'][:10]}, {env['cpu_count']} cores shared with other jobs, load "
            f"average {env['loadavg_start']} before and {env['loadavg_end']} after; numpy "
            f"{env['numpy']}; {reps} interleaved repeats for the movie (after a warm-up call "
            f"each), {d['subset']['timing']['neurodeck']['wall']['n']} for dF/F and "
            f"{o['timing']['neurodeck']['wall']['n']} for OASIS (no warm-up: each call "
            "takes seconds to minutes).")
    return {"imaging-speed": "\n".join(rows) + cond}


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from harness import environment, write_results

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--workdir", default=tempfile.gettempdir())
    args = p.parse_args()
    env = environment()
    q = args.quick
    movie = Path(args.workdir) / f"neurodeck-bench-movie-{2000 if q else 10000}.tif"
    t0 = time.perf_counter()
    write_movie(movie, 2000 if q else 10_000)
    print(f"movie ready ({time.perf_counter() - t0:.0f} s)", flush=True)
    out = {"movie": bench_movie(movie, 100 if q else 300, 3 if q else 5)}
    print(out["movie"]["open"]["timing"]["neurodeck"]["wall"], out["movie"]["play"]["fps"],
          flush=True)
    frames = 10_000 if q else 100_000
    out["dff"] = bench_dff(100 if q else 1000, 4 if q else 8, frames, 2)
    print(out["dff"]["subset"]["speedup_wall"], out["dff"]["full"]["throughput"], flush=True)
    out["oasis"] = bench_oasis(4 if q else 24, frames, 1000, 1 if q else 2)
    print(out["oasis"]["throughput"], flush=True)
    write_results(RESULTS, out, quick=q, env=env)


if __name__ == "__main__":
    main()
