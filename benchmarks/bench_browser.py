"""Browser and fMRI viewer speed and memory: neurodeck's views against mne-qt-browser.

Recording: a 256-channel, 1 kHz, 60-minute float32 FIF (about 3.7 GB, written once to
--data-dir by ``make_big_fif.py``; MNE splits it in two files), and a 6-minute file of the
same layout (memory against file length). Each browser runs in its own process (peak
memory is its own), offscreen at 1600 x 1000 pixels, with 10-s pages, at two widths:
64 and 256 visible channels. The runs are interleaved (ours, mne-qt-browser, ours, ...),
with equal repeats; the load average is recorded per run (``harness.py``).

One run (``_protocol``), the same for both browsers, starting a quarter of a second after
the first page was painted (the paints and timers of the opening settle, so they are not
counted as the first step's):

* open: from ``mne.io.read_raw_fif(preload=False)`` to the first page painted;
* back to back: ``PAGES`` full-page steps (Shift+Right, as fast as each page can be
  shown; at the end of the file the direction turns, so no step pages past the end);
* paced: 30 steps at a reader's pace (one every 250 ms);
* cold: 10 jumps to far-apart windows inside the file (no prefetched page can help).

A frame is timed from the key press (or jump), with the event loop running, until the
plot's viewport has finished the first paint that began with the new window's data in
place: at once for mne-qt-browser (it loads on the GUI thread inside its key handler),
for ours once the worker's page has been shown. That is the paint each browser schedules
itself; nothing is repainted by force unless, with the data in place, no paint comes for
5 s (then it is, and counted as ``forced_repaints``). Paints per page are *all* the
viewport's paint events during a sequence divided by its pages (extra paints count).
Also per frame: process CPU (all threads) and GUI-thread CPU; per run: peak RSS
(``ru_maxrss``), RSS after imports, the farthest window end reached.

mne-qt-browser runs with ``precompute=False``: with "auto" on this machine it would copy
the whole recording into memory as float64 (~15 GB by its own estimate), which the shared
machine cannot spare; the same happens for users whose free RAM is below that estimate.

fMRI: a 91 x 109 x 91 x 300 int16 run (.nii.gz and .nii), from ``nib.load`` to the three
slices painted; for the .nii.gz, until the background decompression holds the whole run;
the view's peak RSS then; a full ``np.asarray(dataobj)`` read is timed after, for context.

    python benchmarks/bench_browser.py [--quick] [--data-dir /tmp/neurodeck_bench]

``--quick``: 2 repeats of 40 back-to-back pages (not 3 of 100), no 6-minute run; writes
``results/browser-quick.json``.
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
RESULTS = "browser"
SIZE = (1600, 1000)
WIDTHS = (64, 256)
PAGE_S = 10.0
PACED = 30
COLD = 10
SETTLE_S = 0.25  # after the first page, before the protocol: the opening's paints and timers
FORCE_S = 5.0  # data in place but no paint for this long: repaint by force (and count it)


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


# -- the protocol (each browser in its own process) ----------------------------------------
class _Paints:
    """Counts a viewport's paint events, and those that begin once ``ready()`` holds (they
    show the new data; the filter runs just before the paint itself)."""

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


def _frame(app, paints: _Paints, step, ready, viewport) -> tuple[float, float, float, bool]:
    """(wall, process CPU, GUI-thread CPU, forced) from ``step()`` to the first fresh
    paint. When the data are in place but no paint comes for ``FORCE_S``, the viewport is
    repainted by force and the frame says so (counted per run: it should not happen)."""
    from PySide6 import QtCore

    f0 = paints.fresh
    g, c, t = time.thread_time(), time.process_time(), time.perf_counter()
    step()
    since_ready, forced = None, False
    while paints.fresh == f0:
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)
        now = time.perf_counter()
        if not ready():
            time.sleep(0.0005)  # let the worker threads take the GIL
        elif since_ready is None:
            since_ready = now
        elif now - since_ready > FORCE_S:
            forced = True
            viewport.repaint()
        if now - t > 120.0:
            raise TimeoutError("page not shown")
    return time.perf_counter() - t, time.process_time() - c, time.thread_time() - g, forced


def _protocol(app, viewport, target, jump, position, ready, duration: float,
              pages: int) -> dict:
    from PySide6 import QtCore, QtTest

    paints = _Paints(viewport, ready)
    reach = [0.0]
    direction = [QtCore.Qt.Key_Right]

    def page():
        t = position()
        if direction[0] == QtCore.Qt.Key_Right and t + 2 * PAGE_S > duration + 1e-6:
            direction[0] = QtCore.Qt.Key_Left  # turn at the end: never page past it
        elif direction[0] == QtCore.Qt.Key_Left and t - PAGE_S < -1e-6:
            direction[0] = QtCore.Qt.Key_Right
        QtTest.QTest.keyClick(target, direction[0], QtCore.Qt.ShiftModifier)

    def run(steps, pause=0.0):
        out = {"wall": [], "cpu": [], "gui": [], "forced": 0}
        n0 = paints.n
        for step in steps:
            if pause:
                _idle(app, pause)
            w, c, g, forced = _frame(app, paints, step, ready, viewport)
            out["forced"] += forced
            reach[0] = max(reach[0], position() + PAGE_S)
            out["wall"].append(w)
            out["cpu"].append(c)
            out["gui"].append(g)
        out["paints_per_page"] = (paints.n - n0) / max(len(steps), 1)
        return out

    load = [os.getloadavg()[0]]
    back = run([page] * pages)
    paced = run([page] * PACED, pause=0.25)
    spots = [(0.1 + 0.8 * ((k * 0.618034) % 1.0)) * (duration - PAGE_S) for k in range(COLD)]
    cold = run([lambda t=t: jump(t) for t in spots])
    load.append(os.getloadavg()[0])
    return {"back_to_back": back, "paced": paced, "cold": cold, "reach_s": reach[0],
            "duration_s": duration, "load": load}


def run_ours(app, dataset, n_visible: int, pages: int) -> tuple[float, dict]:
    """Our browser on ``dataset`` (offscreen, SIZE, PAGE_S pages): from creating the view to
    the first painted page (s), then the protocol. The view is closed before returning (its
    workers stop before the interpreter does)."""
    from neurodeck_browser.browser import BrowserView
    from PySide6 import QtCore

    t0 = time.perf_counter()
    view = BrowserView(dataset)
    view.resize(*SIZE)
    view.restore_state({"n_visible": n_visible, "t0": 0.0, "span": PAGE_S,
                        "selection": view.labels})
    view.show()

    def ready():
        return (view.page is not None and view.page.t0 == view.t0
                and len(view.page.picks) == n_visible)

    while not ready():
        app.processEvents(QtCore.QEventLoop.AllEvents, 5)
        time.sleep(0.0005)
    view.glw.viewport().repaint()
    open_s = time.perf_counter() - t0
    view.setFocus()
    _idle(app, SETTLE_S)
    out = _protocol(app, view.glw.viewport(), view, view.set_window, lambda: view.t0, ready,
                    view.duration, pages)
    view.close()
    view.deleteLater()
    app.processEvents()
    return open_s, out


def worker_ours(path: str, n_visible: int, pages: int) -> dict:
    app = _app()
    import mne

    from neurodeck.data import Recording

    base = _rss_mb()
    t0 = time.perf_counter()
    raw = mne.io.read_raw_fif(path, preload=False, verbose=False)
    read_s = time.perf_counter() - t0
    open_s, out = run_ours(app, Recording(raw), n_visible, pages)
    return {"open_s": read_s + open_s, **out, "rss_after_imports_mb": base,
            "peak_rss_mb": _peak_mb()}


def worker_mne(path: str, n_visible: int, pages: int) -> dict:
    app = _app()
    import mne

    mne.viz.set_browser_backend("qt", verbose=False)
    base = _rss_mb()
    t0 = time.perf_counter()
    raw = mne.io.read_raw_fif(path, preload=False, verbose=False)
    fig = raw.plot(duration=PAGE_S, n_channels=n_visible, show=True, block=False,
                   precompute=False, verbose=False)
    fig.resize(*SIZE)
    app.processEvents()
    fig.mne.view.viewport().repaint()
    open_s = time.perf_counter() - t0
    _idle(app, SETTLE_S)

    def jump(start):
        fig.mne.plt.setXRange(start, start + PAGE_S, padding=0)

    duration = float(raw.times[-1])
    out = _protocol(app, fig.mne.view.viewport(), fig, jump,
                    lambda: float(fig.mne.viewbox.viewRange()[0][0]), lambda: True,
                    duration, pages)
    return {"open_s": open_s, **out, "rss_after_imports_mb": base, "peak_rss_mb": _peak_mb(),
            "n_traces": len(fig.mne.traces)}


def worker_fmri(path: str, n_visible: int, pages: int) -> dict:
    app = _app()
    import nibabel as nib
    from neurodeck_browser.fmri import FmriView

    from neurodeck.data import FmriRun

    t0 = time.perf_counter()
    view = FmriView(FmriRun(nib.load(path)))
    view.resize(*SIZE)
    view.show()
    while view.volume is None:
        app.processEvents()
        time.sleep(0.0005)
    view.glw.viewport().repaint()
    open_s = time.perf_counter() - t0
    # a compressed run is then decompressed into memory in the background: wait for it,
    # so the peak is the view's with the whole run held
    while view.run.compressed and not view.run.in_memory:
        app.processEvents()
        time.sleep(0.005)
        if time.perf_counter() - t0 > 600:
            raise TimeoutError("background load did not finish")
    held_s = time.perf_counter() - t0
    peak = _peak_mb()
    t1 = time.perf_counter()
    np.asarray(nib.load(path).dataobj)  # what a full read costs (context, after the peak)
    out = {"open_s": open_s, "in_memory_s": held_s if view.run.compressed else 0.0,
           "full_read_s": time.perf_counter() - t1, "peak_rss_mb": peak}
    view.close()  # as the app closes a view: its workers stop before the interpreter does
    view.deleteLater()
    app.processEvents()
    return out


WORKERS = {"ours": worker_ours, "mne": worker_mne, "fmri": worker_fmri}


# -- data ---------------------------------------------------------------------------------
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


def _run(kind: str, path: Path, n_visible: int = 0, pages: int = 0) -> dict:
    cmd = [sys.executable, __file__, "--worker", kind, "--path", str(path),
           "--visible", str(n_visible), "--pages", str(pages)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- summaries ----------------------------------------------------------------------------
def summarise(runs: list[dict]) -> dict:
    """Per sequence: pooled frame median and p95 (ms), the runs' medians (spread), paints
    per page; per run: open, peak RSS."""
    from harness import stats

    out: dict = {"runs": len(runs)}
    for seq in ("back_to_back", "paced", "cold"):
        wall = np.concatenate([np.asarray(r[seq]["wall"]) for r in runs]) * 1e3
        out[seq] = {
            "median_ms": float(np.median(wall)), "p95_ms": float(np.percentile(wall, 95)),
            "run_medians_ms": stats([float(np.median(r[seq]["wall"])) * 1e3 for r in runs]),
            "cpu_median_ms": float(np.median(np.concatenate(
                [r[seq]["cpu"] for r in runs]))) * 1e3,
            "gui_cpu_median_ms": float(np.median(np.concatenate(
                [r[seq]["gui"] for r in runs]))) * 1e3,
            "paints_per_page": stats([r[seq]["paints_per_page"] for r in runs]),
            "forced_repaints": int(sum(r[seq].get("forced", 0) for r in runs)),
            "frames": int(wall.size)}
    out["open_s"] = stats([r["open_s"] for r in runs])
    out["peak_rss_mb"] = stats([r["peak_rss_mb"] for r in runs])
    out["rss_after_imports_mb"] = stats([r["rss_after_imports_mb"] for r in runs])
    out["reach_s"] = max(r["reach_s"] for r in runs)
    out["duration_s"] = runs[0]["duration_s"]
    out["load"] = [x for r in runs for x in r["load"]]
    return out


def _forced(r: dict) -> int:
    return sum(r[seq].get("forced_repaints", 0) for seq in ("back_to_back", "paced", "cold"))


def _fmt_ms(st: dict) -> str:
    return f"{st['median']:.1f} ({st['min']:.1f}\u2013{st['max']:.1f})"


def goals(doc: dict) -> str:
    """The issue's goals against this run: met or not, with the measured value."""
    c64, c256 = doc["cases"]["64"], doc["cases"]["256"]
    o256, t256, o64 = c256["neurodeck"], c256["mne_qt_browser"], c64["neurodeck"]
    rows = [
        ("256 channels: peak memory below mne-qt-browser's", o256["peak_rss_mb"]["median"],
         f"< {t256['peak_rss_mb']['median']:.0f} MB", "{:.0f} MB",
         o256["peak_rss_mb"]["median"] < t256["peak_rss_mb"]["median"]),
        ("256 channels: page back to back < 33 ms", o256["back_to_back"]["median_ms"],
         "< 33 ms", "{:.1f} ms", o256["back_to_back"]["median_ms"] < 33),
        ("256 channels: page at 4 pages/s < 33 ms", o256["paced"]["median_ms"], "< 33 ms",
         "{:.1f} ms", o256["paced"]["median_ms"] < 33),
        ("64 channels: page back to back < 16 ms", o64["back_to_back"]["median_ms"],
         "< 16 ms", "{:.1f} ms", o64["back_to_back"]["median_ms"] < 16),
        ("64 channels: page at 4 pages/s < 16 ms", o64["paced"]["median_ms"], "< 16 ms",
         "{:.1f} ms", o64["paced"]["median_ms"] < 16),
        ("one viewport paint per page (back to back, 64 channels)",
         o64["back_to_back"]["paints_per_page"]["median"], "1.00", "{:.2f}",
         o64["back_to_back"]["paints_per_page"]["median"] <= 1.05),
    ]
    for w in doc["widths"]:
        for who, r in doc["cases"][str(w)].items():
            if r["reach_s"] > r["duration_s"] + 1e-6:
                rows.append((f"{who} at {w} channels stays inside the file", r["reach_s"],
                             f"<= {r['duration_s']:.0f} s", "{:.0f} s", False))
    lines = ["| goal | target | measured (median) | met |", "|---|---:|---:|:---:|"]
    for name, value, target, fmt, ok in rows:
        lines.append(f"| {name} | {target} | {fmt.format(value)} | {'yes' if ok else 'no'} |")
    return "\n".join(lines)


def tables(doc: dict) -> dict[str, str]:
    """The docs' tables: paging at each width, memory, fMRI."""
    env = doc["environment"]
    rows = ["| visible channels | metric | neurodeck | mne-qt-browser 0.7.5 | ours / theirs |",
            "|---:|---|---:|---:|---:|"]
    for width in doc["widths"]:
        c = doc["cases"][str(width)]
        ours, theirs = c["neurodeck"], c["mne_qt_browser"]
        metrics = [
            ("open to first painted page (s)", ours["open_s"]["median"],
             theirs["open_s"]["median"], "{:.2f}"),
            ("back to back: frame median (ms)", ours["back_to_back"]["median_ms"],
             theirs["back_to_back"]["median_ms"], "{:.1f}"),
            ("back to back: frame p95 (ms)", ours["back_to_back"]["p95_ms"],
             theirs["back_to_back"]["p95_ms"], "{:.1f}"),
            ("4 pages/s: frame median (ms)", ours["paced"]["median_ms"],
             theirs["paced"]["median_ms"], "{:.1f}"),
            ("4 pages/s: frame p95 (ms)", ours["paced"]["p95_ms"], theirs["paced"]["p95_ms"],
             "{:.1f}"),
            ("cold jump: frame median (ms)", ours["cold"]["median_ms"],
             theirs["cold"]["median_ms"], "{:.1f}"),
            ("back to back: process CPU per frame (ms)", ours["back_to_back"]["cpu_median_ms"],
             theirs["back_to_back"]["cpu_median_ms"], "{:.1f}"),
            ("back to back: GUI-thread CPU per frame (ms)",
             ours["back_to_back"]["gui_cpu_median_ms"],
             theirs["back_to_back"]["gui_cpu_median_ms"], "{:.1f}"),
            ("viewport paints per page, back to back", ours["back_to_back"]["paints_per_page"]
             ["median"], theirs["back_to_back"]["paints_per_page"]["median"], "{:.2f}"),
            ("viewport paints per page, 4 pages/s", ours["paced"]["paints_per_page"]["median"],
             theirs["paced"]["paints_per_page"]["median"], "{:.2f}"),
            ("peak RSS (MB)", ours["peak_rss_mb"]["median"], theirs["peak_rss_mb"]["median"],
             "{:.0f}"),
        ]
        for name, a, b, f in metrics:
            rows.append(f"| {width} | {name} | {f.format(a)} | {f.format(b)} | {a / b:.2f} |")
    spread = ["| visible channels | back-to-back run medians, ms: neurodeck | mne-qt-browser | "
              "peak RSS per run, MB: neurodeck | mne-qt-browser | farthest window end / "
              "file length (s) | forced repaints: neurodeck | mne-qt-browser |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for width in doc["widths"]:
        c = doc["cases"][str(width)]
        o, t = c["neurodeck"], c["mne_qt_browser"]
        spread.append(
            f"| {width} | {_fmt_ms(o['back_to_back']['run_medians_ms'])} | "
            f"{_fmt_ms(t['back_to_back']['run_medians_ms'])} | "
            f"{o['peak_rss_mb']['median']:.0f} ({o['peak_rss_mb']['min']:.0f}\u2013"
            f"{o['peak_rss_mb']['max']:.0f}) | {t['peak_rss_mb']['median']:.0f} "
            f"({t['peak_rss_mb']['min']:.0f}\u2013{t['peak_rss_mb']['max']:.0f}) | "
            f"{max(o['reach_s'], t['reach_s']):.0f} / {o['duration_s']:.0f} | "
            f"{_forced(o)} | {_forced(t)} |")
    loads = [x for w in doc["widths"] for k in ("neurodeck", "mne_qt_browser")
             for x in doc["cases"][str(w)][k]["load"]]
    note = (f"Medians over {doc['repeats']} interleaved runs per browser and width "
            f"({doc['pages']} back-to-back pages, {PACED} paced, {COLD} cold jumps each; "
            f"frames pooled); 1-min load average {min(loads):.1f}\u2013{max(loads):.1f} "
            f"during the runs on {env['cpu_count']} cores; {env['date'][:10]}.")
    out = {"browser-paging": "\n".join(rows) + "\n\n" + note,
           "browser-spread": "\n".join(spread), "browser-goals": goals(doc)}
    if "six_minutes" in doc:
        s = doc["six_minutes"]
        sixty = doc["cases"]["64"]["neurodeck"]
        out["browser-length"] = (
            "| file | peak RSS, median (min\u2013max), MB | back-to-back frame median (ms) | "
            "farthest window end / file length (s) |\n|---|---:|---:|---:|\n"
            f"| 6 min | {s['peak_rss_mb']['median']:.0f} ({s['peak_rss_mb']['min']:.0f}\u2013"
            f"{s['peak_rss_mb']['max']:.0f}) | {s['back_to_back']['median_ms']:.1f} | "
            f"{s['reach_s']:.0f} / {s['duration_s']:.0f} |\n"
            f"| 60 min | {sixty['peak_rss_mb']['median']:.0f} "
            f"({sixty['peak_rss_mb']['min']:.0f}\u2013{sixty['peak_rss_mb']['max']:.0f}) | "
            f"{sixty['back_to_back']['median_ms']:.1f} | {sixty['reach_s']:.0f} / "
            f"{sixty['duration_s']:.0f} |")
    if "fmri" in doc:
        lines = ["| file | open to display, median (min\u2013max) | whole run in memory "
                 "(background) | full read (context) | peak RSS of the view (MB) |",
                 "|---|---:|---:|---:|---:|"]
        for name, r in doc["fmri"].items():
            held = r.get("in_memory_s", {}).get("median", 0.0)
            lines.append(f"| `{name}` | {r['open_s']['median']:.2f} s ({r['open_s']['min']:.2f}"
                         f"\u2013{r['open_s']['max']:.2f}) | "
                         f"{f'{held:.1f} s' if held else 'not needed (memory-mapped)'} | "
                         f"{r['full_read_s']['median']:.1f} s | "
                         f"{r['peak_rss_mb']['median']:.0f} |")
        out["browser-fmri"] = "\n".join(lines)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/neurodeck_bench"))
    ap.add_argument("--worker", choices=sorted(WORKERS))
    ap.add_argument("--path", type=Path)
    ap.add_argument("--visible", type=int, default=64)
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--repeats", type=int)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](str(args.path), args.visible, args.pages)))
        return

    sys.path.insert(0, str(HERE))
    from harness import environment, stats, write_results
    from make_big_fif import make_big_fif

    env = environment()
    repeats = args.repeats or (2 if args.quick else 3)
    pages = 40 if args.quick else args.pages
    args.data_dir.mkdir(parents=True, exist_ok=True)
    fif = args.data_dir / "big_60min_raw.fif"
    short = args.data_dir / "big_6min_raw.fif"
    for path, minutes in ((fif, 60.0), (short, 6.0)):
        if not path.exists():
            make_big_fif(path, minutes=minutes)
    cases: dict = {}
    for width in WIDTHS:
        runs: dict[str, list] = {"neurodeck": [], "mne_qt_browser": []}
        for r in range(repeats):  # interleaved: ours, theirs, ours, theirs ...
            runs["neurodeck"].append(_run("ours", fif, width, pages))
            runs["mne_qt_browser"].append(_run("mne", fif, width, pages))
            print(f"{width} ch, run {r + 1}: ours "
                  f"{np.median(runs['neurodeck'][-1]['back_to_back']['wall']) * 1e3:.1f} ms, "
                  f"{runs['neurodeck'][-1]['peak_rss_mb']:.0f} MB; mne-qt-browser "
                  f"{np.median(runs['mne_qt_browser'][-1]['back_to_back']['wall']) * 1e3:.1f}"
                  f" ms, {runs['mne_qt_browser'][-1]['peak_rss_mb']:.0f} MB", flush=True)
        cases[str(width)] = {k: summarise(v) for k, v in runs.items()}
    doc = {"widths": list(WIDTHS), "repeats": repeats, "pages": pages, "page_s": PAGE_S,
           "size_px": SIZE, "recording": "256 ch, 1 kHz, 60 min, float32 FIF", "cases": cases}
    if not args.quick:
        doc["six_minutes"] = summarise([_run("ours", short, 64, pages) for _ in range(repeats)])
        gz = make_fmri(args.data_dir / "run_91x109x91x300.nii.gz")
        plain = make_fmri(args.data_dir / "run_91x109x91x300.nii")
        fmri: dict = {gz.name: [], plain.name: []}
        for _ in range(repeats):
            for path in (gz, plain):
                fmri[path.name].append(_run("fmri", path))
        doc["fmri"] = {name: {k: stats([r[k] for r in rs]) for k in rs[0]}
                       for name, rs in fmri.items()}
    write_results(RESULTS, doc, quick=args.quick, env=env)
    for marker, text in tables({**doc, "environment": {**env, "loadavg_end": []}}).items():
        print(f"\n[{marker}]\n{text}")


if __name__ == "__main__":
    main()
