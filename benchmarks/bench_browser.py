"""Browser and fMRI viewer speed: neurodeck's views against mne-qt-browser.

Recording: a 256-channel, 1 kHz, 60-minute float32 FIF (about 3.7 GB, written
once to --data-dir by ``make_big_fif.py``). For each browser, in its own
process (so peak memory is its own), offscreen at 1600 x 1000 pixels:

* open: from ``mne.io.read_raw_fif(preload=False)`` to the first page of 64
  channels x 10 s painted (a synchronous repaint of the plot's viewport);
* frames: 100 full-page steps forward back to back (Shift+Right, as fast as
  each page can be shown), then 30 at a reader's pace (one every 250 ms), then
  10 cold jumps to far-away windows. Each is timed the same way for both
  browsers (see ``_frames``): from the key press (or jump), with the event loop
  running, until the plot's viewport has finished the first paint that shows the
  new window's data, the paint each browser schedules itself. Paint events per
  frame are counted too (1 means no extra paint),
  and the process CPU time per frame (all threads), which unlike wall time does
  not grow when other jobs share the machine;
* peak RSS of the process (``ru_maxrss``) and its RSS after imports.

mne-qt-browser runs with ``precompute=False``: with "auto" on this machine it
would copy the whole recording into memory as float64 twice (~15 GB, its own
estimate), which the shared benchmark machine cannot spare; the same happens
for users whose free RAM is below that estimate.

fMRI: a 91 x 109 x 91 x 300 run (int16, .nii.gz and .nii), from ``nib.load`` to
the three slices painted, plus the background full decompression time.

    python benchmarks/bench_browser.py [--data-dir /tmp/neurodeck_bench] [--pages 100]

Prints a table and writes benchmarks/out/bench_browser.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SIZE = (1600, 1000)
N_VISIBLE = 64
PAGE_S = 10.0


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtWidgets

    return QtWidgets.QApplication.instance() or QtWidgets.QApplication([])


def _idle(app, seconds: float) -> None:
    from PySide6 import QtCore

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)
        time.sleep(0.002)


# -- workers (each in its own process) ----------------------------------------------------
class _PaintCounter:
    """Counts paint events of a viewport, and those that start once ``ready()`` holds
    (they show the new data; the filter runs just before the paint itself)."""

    def __init__(self, viewport, ready):
        from PySide6 import QtCore

        class Filter(QtCore.QObject):
            def eventFilter(inner, obj, ev):  # noqa: N802, N805 - Qt API
                if ev.type() == QtCore.QEvent.Paint:
                    self.n += 1
                    self.fresh += bool(ready())
                return False

        self.n = 0
        self.fresh = 0
        self._filter = Filter()
        viewport.installEventFilter(self._filter)


def _frames(app, viewport, steps, ready) -> tuple[list[float], list[int], tuple]:
    """Time each step the same way for both browsers.

    Timed: the key press (or jump) -> the event loop runs (``processEvents``) until the
    plot's viewport has completed a paint that started with the new window's data in
    place (``ready()``: at once for mne-qt-browser, which loads on the GUI thread
    inside its key handler; for ours once the worker's page has been shown). That is
    the paint the user sees, scheduled by each browser itself; nothing is repainted
    by force unless no paint comes within 1 s (counted in ``forced``). Returns times,
    paints per frame and (process CPU, GUI-thread CPU) per frame.
    """
    from PySide6 import QtCore

    counter = _PaintCounter(viewport, ready)
    times, paints, cpu, gui = [], [], [], []
    for step in steps:
        n0, f0 = counter.n, counter.fresh
        g = time.thread_time()  # CPU of the GUI thread alone
        c = time.process_time()  # CPU of all threads: what the frame costs without contention
        t = time.perf_counter()
        step()
        deadline, since_ready = t + 30.0, None
        while counter.fresh == f0:
            app.processEvents(QtCore.QEventLoop.AllEvents, 5)
            now = time.perf_counter()
            if not ready():
                time.sleep(0.0005)  # let the worker thread take the GIL
            elif since_ready is None:
                since_ready = now
            elif now - since_ready > 1.0:
                _frames.forced += 1
                viewport.repaint()
            if now > deadline:
                raise TimeoutError("page not shown")
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        gui.append(time.thread_time() - g)
        paints.append(counter.n - n0)
    return times, paints, (cpu, gui)


_frames.forced = 0


def _protocol(app, viewport, key_target, jump, ready, pages: int) -> dict:
    from PySide6 import QtCore, QtTest

    def page():
        QtTest.QTest.keyClick(key_target, QtCore.Qt.Key_Right, QtCore.Qt.ShiftModifier)

    load0 = os.getloadavg()[0]
    frames, p1, c1 = _frames(app, viewport, [page] * pages, ready)
    paced, p2, c2 = [], [], []
    for _ in range(30):  # a reader paging every 250 ms: neighbours are prefetched meanwhile
        _idle(app, 0.25)
        t, p, c = _frames(app, viewport, [page], ready)
        paced += t
        p2 += p
        c2.append((c[0][0], c[1][0]))
    # Cold frames: jump far away so no prefetched page can help.
    cold, p3, c3 = _frames(app, viewport,
                           [lambda k=k: jump(1000.0 + 137.0 * k) for k in range(10)], ready)
    return {"frames_s": frames, "paced_frames_s": paced, "cold_frames_s": cold,
            "cpu_frames_s": c1[0], "gui_cpu_frames_s": c1[1],
            "cpu_paced_frames_s": [c[0] for c in c2], "gui_cpu_paced_frames_s": [c[1] for c in c2],
            "cpu_cold_frames_s": c3[0], "gui_cpu_cold_frames_s": c3[1],
            "paints_per_frame": [int(np.max(p1 + p2 + p3)), float(np.mean(p1 + p2 + p3))],
            "forced_repaints": _frames.forced,
            "load_average": [load0, os.getloadavg()[0]]}


def worker_ours(path: str, pages: int) -> dict:
    app = _app()
    import mne
    from neurodeck_browser.browser import BrowserView
    from PySide6 import QtCore

    from neurodeck.data import Recording

    base = _rss_mb()
    t0 = time.perf_counter()
    raw = mne.io.read_raw_fif(path, preload=False, verbose=False)
    view = BrowserView(Recording(raw))
    view.resize(*SIZE)
    view.restore_state({"n_visible": N_VISIBLE, "t0": 0.0, "span": PAGE_S,
                        "selection": view.labels})
    view.show()

    def ready():
        return (view.page is not None and view.page.t0 == view.t0
                and len(view.page.picks) == N_VISIBLE)

    while not ready():
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)
        time.sleep(0.0005)
    view.glw.viewport().repaint()
    open_s = time.perf_counter() - t0
    view.setFocus()
    out = _protocol(app, view.glw.viewport(), view, view.set_window, ready, pages)
    return {"open_s": open_s, **out, "rss_after_imports_mb": base,
            "peak_rss_mb": _peak_mb(), "final_t0": view.t0}


def worker_mne(path: str, pages: int) -> dict:
    app = _app()
    import mne

    mne.viz.set_browser_backend("qt", verbose=False)
    base = _rss_mb()
    t0 = time.perf_counter()
    raw = mne.io.read_raw_fif(path, preload=False, verbose=False)
    fig = raw.plot(duration=PAGE_S, n_channels=N_VISIBLE, show=True, block=False,
                   precompute=False, verbose=False)
    fig.resize(*SIZE)
    app.processEvents()
    fig.mne.view.viewport().repaint()
    open_s = time.perf_counter() - t0

    def jump(start):
        fig.mne.plt.setXRange(start, start + PAGE_S, padding=0)

    out = _protocol(app, fig.mne.view.viewport(), fig, jump, lambda: True, pages)
    return {"open_s": open_s, **out, "rss_after_imports_mb": base,
            "peak_rss_mb": _peak_mb(),
            "final_t0": float(fig.mne.viewbox.viewRange()[0][0]),
            "n_traces": len(fig.mne.traces)}


def worker_fmri(path: str, pages: int) -> dict:
    app = _app()
    import nibabel as nib
    from neurodeck_browser.fmri import FmriView

    from neurodeck.data import FmriRun

    base = _rss_mb()
    t0 = time.perf_counter()
    view = FmriView(FmriRun(nib.load(path)))
    view.resize(*SIZE)
    view.show()
    while view.volume is None:
        app.processEvents()
        time.sleep(0.0005)
    view.glw.viewport().repaint()
    open_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    np.asarray(nib.load(path).dataobj)  # what a full load costs (context)
    full_s = time.perf_counter() - t1
    return {"open_s": open_s, "full_load_s": full_s, "rss_after_imports_mb": base,
            "peak_rss_mb": _peak_mb()}


# -- data ----------------------------------------------------------------------------------
def make_fmri(path: Path, shape=(91, 109, 91, 300)) -> Path:
    """A brain-shaped blob with slow fluctuations and noise, int16 like scanner output."""
    import nibabel as nib

    if path.exists():
        return path
    rng = np.random.default_rng(0)
    x, y, z = np.meshgrid(*[np.linspace(-1, 1, s) for s in shape[:3]], indexing="ij")
    brain = ((x / 0.8) ** 2 + (y / 0.9) ** 2 + (z / 0.75) ** 2 < 1).astype(np.float32)
    data = np.empty(shape, dtype=np.int16)
    slow = np.sin(np.linspace(0, 12 * np.pi, shape[3]))
    for t in range(shape[3]):
        vol = brain * (1000 + 20 * slow[t] * x) + 15 * rng.standard_normal(shape[:3])
        data[..., t] = np.clip(vol, 0, 32767).astype(np.int16)
    affine = np.array([[-2.0, 0, 0, 90], [0, 2, 0, -126], [0, 0, 2, -72], [0, 0, 0, 1]])
    img = nib.Nifti1Image(data, affine)
    img.header.set_zooms((2.0, 2.0, 2.0, 2.0))
    img.header.set_xyzt_units("mm", "sec")
    nib.save(img, path)
    return path


def _run_worker(kind: str, path: Path, pages: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--path", str(path),
           "--pages", str(pages)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        return {"error": out.stderr[-3000:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _stats(frames: list[float]) -> tuple[float, float]:
    a = np.asarray(frames) * 1000
    return float(np.median(a)), float(np.percentile(a, 95))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/neurodeck_bench"))
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--worker", choices=["ours", "mne", "fmri"])
    ap.add_argument("--path", type=Path)
    ap.add_argument("--skip-fmri", action="store_true")
    args = ap.parse_args()
    if args.worker:
        fn = {"ours": worker_ours, "mne": worker_mne, "fmri": worker_fmri}[args.worker]
        print(json.dumps(fn(str(args.path), args.pages)))
        return

    sys.path.insert(0, str(HERE))
    from make_big_fif import make_big_fif

    args.data_dir.mkdir(parents=True, exist_ok=True)
    fif = args.data_dir / f"big_{int(args.minutes)}min_raw.fif"
    short = args.data_dir / "big_6min_raw.fif"
    for path, minutes in ((fif, args.minutes), (short, 6.0)):
        if not path.exists():
            t = time.perf_counter()
            make_big_fif(path, minutes=minutes)
            print(f"wrote {path} in {time.perf_counter() - t:.0f} s")
    results: dict = {"recording": str(fif), "pages": args.pages, "size_px": SIZE,
                     "visible_channels": N_VISIBLE, "page_s": PAGE_S}
    results["ours"] = _run_worker("ours", fif, args.pages)
    results["mne_qt_browser"] = _run_worker("mne", fif, args.pages)
    results["ours_6min"] = _run_worker("ours", short, args.pages)
    if not args.skip_fmri:
        gz = make_fmri(args.data_dir / "run_91x109x91x300.nii.gz")
        plain = make_fmri(args.data_dir / "run_91x109x91x300.nii")
        results["fmri_gz"] = _run_worker("fmri", gz, 0)
        results["fmri_nii"] = _run_worker("fmri", plain, 0)

    rows = []
    ours, theirs = results["ours"], results["mne_qt_browser"]
    if "error" not in ours and "error" not in theirs:
        om, op = _stats(ours["frames_s"])
        tm, tp = _stats(theirs["frames_s"])
        opm, opp = _stats(ours["paced_frames_s"])
        tpm, tpp = _stats(theirs["paced_frames_s"])
        ocm, ocp = _stats(ours["cold_frames_s"])
        tcm, tcp = _stats(theirs["cold_frames_s"])
        rows = [
            ("open to first page (s)", ours["open_s"], theirs["open_s"]),
            ("paging frame median (ms)", om, tm),
            ("paging frame p95 (ms)", op, tp),
            ("paced (4/s) frame median (ms)", opm, tpm),
            ("paced (4/s) frame p95 (ms)", opp, tpp),
            ("cold jump frame median (ms)", ocm, tcm),
            ("cold jump frame p95 (ms)", ocp, tcp),
            ("paging frame process CPU median (ms)", *(_stats(r["cpu_frames_s"])[0]
                                               for r in (ours, theirs))),
            ("paging frame process CPU p95 (ms)", *(_stats(r["cpu_frames_s"])[1]
                                            for r in (ours, theirs))),
            ("paced frame process CPU median (ms)", *(_stats(r["cpu_paced_frames_s"])[0]
                                              for r in (ours, theirs))),
            ("paging frame GUI-thread CPU median (ms)",
             *(_stats(r["gui_cpu_frames_s"])[0] for r in (ours, theirs))),
            ("paced frame GUI-thread CPU median (ms)",
             *(_stats(r["gui_cpu_paced_frames_s"])[0] for r in (ours, theirs))),
            ("viewport paints per frame (mean)", ours["paints_per_frame"][1],
             theirs["paints_per_frame"][1]),
            ("peak RSS (MB)", ours["peak_rss_mb"], theirs["peak_rss_mb"]),
            ("RSS after imports (MB)", ours["rss_after_imports_mb"],
             theirs["rss_after_imports_mb"]),
        ]
        results["table"] = [{"metric": m, "ours": a, "mne_qt_browser": b, "ratio": a / b}
                            for m, a, b in rows]
    print(f"{'metric':40s} {'neurodeck':>12s} {'mne-qt-browser':>15s} {'ours/theirs':>12s}")
    for m, a, b in rows:
        print(f"{m:40s} {a:12.3f} {b:15.3f} {a / b:12.3f}")
    for key in ("ours", "mne_qt_browser"):
        if "load_average" in results[key]:
            lo, hi = results[key]["load_average"]
            print(f"{key}: 1-min load average {lo:.1f} -> {hi:.1f} "
                  f"on {os.cpu_count()} CPUs while it ran")
        if "error" in results[key]:
            print(f"{key} failed:\n{results[key]['error']}")
    s = results["ours_6min"]
    if "error" not in s:
        print(f"ours on a 6-min file: peak RSS {s['peak_rss_mb']:.0f} MB "
              f"(60-min: {ours.get('peak_rss_mb', float('nan')):.0f} MB)")
    for key in ("fmri_gz", "fmri_nii"):
        if key in results:
            r = results[key]
            if "error" in r:
                print(f"{key} failed:\n{r['error']}")
            else:
                print(f"{key}: open to display {r['open_s']:.3f} s; full read "
                      f"{r['full_load_s']:.2f} s; peak RSS {r['peak_rss_mb']:.0f} MB")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_browser.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
