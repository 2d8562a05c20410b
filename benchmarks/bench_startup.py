"""Start-up as a user sees it: process spawn to the first painted frame with the sample open.

neurodeck is started exactly as its ``neurodeck`` console script starts it (``cli.main([])``:
no file given, so the bundled EEG sample, ``eegmmidb_S001R04.edf``, opens); MNELAB is
started as ``mnelab`` with the same EDF on its command line. Each launch is a fresh
interpreter (so imports and the reading of the file are included), offscreen, interleaved
(neurodeck, MNELAB, neurodeck, ...) with equal repeats after one untimed launch each.

Timed from just before ``Popen`` (in this process) to the end of a paint, by
``time.monotonic`` (one clock for every process on Linux). The child installs an
application-wide paint filter before Qt's event loop starts (it imports PySide6 first, which
both apps import anyway) and stamps, each after the paint has finished:

* ``window``: the first paint of any widget of the app (a window on screen);
* ``file``: the first paint once the file is open (neurodeck: an entry in the session;
  MNELAB: a dataset in its model) -- the main window with the sample open;
* ``traces`` (neurodeck): the browser's plot painted with its first page of signals, which
  neurodeck shows without a click. MNELAB shows the file's properties, not signals; its
  ``traces`` is measured as a user who clicks *Plot* at once gets them: the plot action is
  triggered right after ``file`` and the first paint of the plot's canvas is stamped (MNELAB's
  default backend, matplotlib; mne-qt-browser if the environment has it and MNELAB's
  settings choose it).

Disk cache: warm (the untimed launches read every file first; dropping the page cache would
disturb the other jobs on this shared machine). Config: one fresh directory for the run,
shared by its launches (a returning user, not a first-ever start).

MNELAB comes from a scratch environment (never from this repository)::

    python3 -m venv /tmp/ref-mnelab && /tmp/ref-mnelab/bin/pip install mnelab

    python benchmarks/bench_startup.py [--quick] [--repeats N] [--mnelab /tmp/ref-mnelab]

``--quick``: 3 repeats (not 10); writes ``results/startup-quick.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = "startup"
# name: (app, extra environment). The project's venv has numba (tensortools, from the test
# extra, needs it); MNE then JIT-loads numba code on first use (``raw.times``), which a user
# install (``pip install neurodeck``: no numba) does not. "numba off" (MNE_USE_NUMBA=false,
# MNE's own switch) measures that.
VARIANTS = {"neurodeck": ("neurodeck", {}),
            "neurodeck (numba off)": ("neurodeck", {"MNE_USE_NUMBA": "false"}),
            "MNELAB": ("mnelab", {})}
HEAVY = ("mne", "nilearn", "torch", "sklearn", "tensorly", "dask", "pynwb", "matplotlib")

# Runs in the child: argv = [app, edf path, out path]. Installs the paint filter, then
# starts the app the way its console script does.
PROBE = r"""
import json, os, resource, sys, time
APP, EDF, OUT = sys.argv[1:4]
from PySide6 import QtCore, QtWidgets

stamps = {}
state = {"plot_clicked": False}


def main_window():
    for w in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(w, QtWidgets.QMainWindow) and w.isVisible() and hasattr(
                w, "session" if APP == "neurodeck" else "model"):
            return w
    return None


def file_open(win):
    if win is None:
        return False
    if APP == "neurodeck":
        return bool(win.session.entries)
    return len(win.model) > 0


def browser_viewport(win):
    # neurodeck: its browser view; MNELAB: the mne-qt-browser window its Plot action opens
    if APP == "neurodeck":
        for w in win.findChildren(QtWidgets.QWidget):
            if type(w).__name__ == "BrowserView" and w.page is not None:
                return w.glw.viewport()
        return None
    for w in QtWidgets.QApplication.allWidgets():
        name = type(w).__name__
        if name == "MNEQtBrowser" and w.isVisible():
            return w.mne.view.viewport()
        if name.startswith("FigureCanvasQT") and w.isVisible():  # MNELAB's default backend
            return w
    return None


def finish():
    stamps["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stamps["heavy_imported"] = [m for m in HEAVY if m in sys.modules]
    stamps["modules"] = len(sys.modules)
    with open(OUT, "w") as fh:
        json.dump(stamps, fh)
    QtWidgets.QApplication.instance().quit()


def stamp(key):
    if key in stamps:
        return
    stamps[key] = time.monotonic()
    if key == "file" and APP == "mnelab" and not state["plot_clicked"]:
        state["plot_clicked"] = True
        stamps["plot_click"] = time.monotonic()
        main_window().plot_data()
    if key == "traces":
        finish()


class Paints(QtCore.QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QtCore.QEvent.Paint and isinstance(obj, QtWidgets.QWidget):
            win = main_window()
            # stamped once this paint is over (a zero timer runs after the event)
            QtCore.QTimer.singleShot(0, lambda: stamp("window"))
            if file_open(win):
                QtCore.QTimer.singleShot(0, lambda: stamp("file"))
                vp = browser_viewport(win)
                if vp is not None and obj is vp and (APP == "neurodeck" or "file" in stamps):
                    QtCore.QTimer.singleShot(0, lambda: stamp("traces"))
        return False


HEAVY = json.loads(os.environ["ND_BENCH_HEAVY"])
paints = Paints()
_exec = QtWidgets.QApplication.exec


def exec_(self=None):
    app = QtWidgets.QApplication.instance()
    app.installEventFilter(paints)
    QtCore.QTimer.singleShot(120_000, finish)  # never hang the benchmark
    return _exec()


QtWidgets.QApplication.exec = exec_
QtWidgets.QApplication.exec_ = exec_
if APP == "neurodeck":
    sys.argv = ["neurodeck"]
    from neurodeck.cli import main
else:
    sys.argv = ["mnelab", EDF]
    # Offscreen there is no display, and matplotlib would refuse MNELAB's QtAgg backend
    # ("headless"); a user has a display. (MNELAB imports matplotlib first thing anyway.)
    from matplotlib import _c_internal_utils

    _c_internal_utils.display_is_valid = lambda: True
    from mnelab import main
main()
"""


def sample_path() -> Path:
    from neurodeck.paths import resource_path

    return Path(resource_path("samples", "eegmmidb_S001R04.edf"))


def launch(app: str, python: str, edf: Path, env: dict[str, str]) -> dict:
    """One launch; returns the stamps as seconds since spawn."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    t0 = time.monotonic()
    proc = subprocess.run([python, "-c", PROBE, app, str(edf), str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    t_exit = time.monotonic()
    try:
        raw = json.loads(out.read_text() or "{}")
    finally:
        out.unlink(missing_ok=True)
    if "traces" not in raw:
        raise RuntimeError(f"{app} launch failed (exit {proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}")
    rec = {k: raw[k] - t0 for k in ("window", "file", "traces", "plot_click") if k in raw}
    rec["exit"] = t_exit - t0
    rec["returncode"] = proc.returncode
    if proc.returncode != 0:  # stamped, then crashed on the way out: kept, and reported
        rec["stderr_tail"] = proc.stderr[-1500:]
    rec.update({k: raw[k] for k in ("peak_rss_mb", "heavy_imported", "modules")})
    if "plot_click" in rec:  # MNELAB: the click itself is instant; the wait is the plot's
        rec["click_to_traces"] = rec["traces"] - rec["plot_click"]
    return rec


def has_numba(python: str) -> bool:
    out = subprocess.run([python, "-c", "import numba"], capture_output=True)
    return out.returncode == 0


def versions(python: str, module: str) -> dict[str, str]:
    code = ("import importlib.metadata as m, json, mne, PySide6; "
            f"print(json.dumps({{'app': m.version({module!r}), 'mne': mne.__version__, "
            "'PySide6': PySide6.__version__}))")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {}


def run(repeats: int, mnelab_env: Path) -> dict:
    from harness import compare, environment, stats

    env = environment()
    mnelab_py = str(mnelab_env / "bin" / "python")
    if not Path(mnelab_py).exists():
        raise SystemExit(f"no MNELAB environment at {mnelab_env}: see this script's docstring")
    edf = sample_path()
    config = tempfile.mkdtemp(prefix="nd-startup-")
    child_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
                 "NEURODECK_CONFIG_DIR": str(Path(config) / "neurodeck"),
                 "XDG_CONFIG_HOME": str(Path(config) / "xdg"),
                 "ND_BENCH_HEAVY": json.dumps(HEAVY), "PYTHONFAULTHANDLER": "1"}
    got: dict[str, list[dict]] = {k: [] for k in VARIANTS}
    loads: list[float] = []

    def call(key: str) -> None:
        app, extra = VARIANTS[key]
        loads.append(os.getloadavg()[0])
        python = mnelab_py if app == "mnelab" else sys.executable
        got[key].append(launch(app, python, edf, {**child_env, **extra}))

    compare({k: (lambda k=k: call(k)) for k in VARIANTS}, repeats=repeats)
    first = {k: v[0] for k, v in got.items()}  # the untimed launch of each (disk warmed)
    runs = {k: v[1:] for k, v in got.items()}
    summary: dict = {}
    for k, recs in runs.items():
        keys = [m for m in ("window", "file", "traces", "click_to_traces", "exit")
                if m in recs[0]]
        summary[k] = {m: stats([r[m] for r in recs]) for m in keys}
        summary[k]["peak_rss_mb"] = stats([r["peak_rss_mb"] for r in recs])
        summary[k]["heavy_imported"] = recs[-1]["heavy_imported"]
        summary[k]["modules"] = recs[-1]["modules"]
        summary[k]["first_launch"] = {m: first[k][m] for m in keys}
        summary[k]["crashed_on_exit"] = [r["stderr_tail"] for r in got[k]
                                         if r["returncode"] != 0]
    return {"sample": edf.name, "repeats": repeats, "variants": summary,
            "loads_per_launch": loads,
            "versions": {"neurodeck": versions(sys.executable, "neurodeck"),
                         "MNELAB": versions(mnelab_py, "mnelab")},
            "numba": {"neurodeck": has_numba(sys.executable), "MNELAB": has_numba(mnelab_py)},
            "ratios": {k: {m: summary[k][m]["median"] / summary["MNELAB"][m]["median"]
                           for m in ("window", "file", "traces")}
                       for k in VARIANTS if k != "MNELAB"},
            "env": env}


def tables(doc: dict) -> dict[str, str]:
    from harness import fmt_spread

    v = doc["variants"]
    names = list(v)
    ours = [k for k in names if k != "MNELAB"]
    env = doc["environment"]
    loads = doc["loads_per_launch"]
    head = " | ".join(names)
    ratio_head = " | ".join(f"{k} / MNELAB" for k in ours)
    rows = [f"| from process spawn to | {head} | {ratio_head} |",
            "| --- |" + " ---: |" * (len(names) + len(ours))]
    for m, label in (("window", "first painted frame"),
                     ("file", "main window painted with the sample open"),
                     ("traces", "signals painted (MNELAB: *Plot* clicked at once)")):
        cells = " | ".join(fmt_spread(v[k][m]) for k in names)
        ratios = " | ".join(f"{doc['ratios'][k][m]:.2f}" for k in ours)
        rows.append(f"| {label} | {cells} | {ratios} |")
    mem = " | ".join(f"{v[k]['peak_rss_mb']['median']:.0f} MB" for k in names)
    mem_r = " | ".join(f"{v[k]['peak_rss_mb']['median'] / v['MNELAB']['peak_rss_mb']['median']:.2f}"
                       for k in ours)
    rows.append(f"| peak memory (RSS) | {mem} | {mem_r} |")
    ver = doc["versions"]
    crashed = {k: len(v[k].get("crashed_on_exit", [])) for k in names}
    crash_note = ("" if not any(crashed.values()) else " Launches that crashed on the way out "
                  "after their frames were stamped (kept; tracebacks in the results file): "
                  + ", ".join(f"{k} {n}" for k, n in crashed.items() if n) + ".")
    note = (f"Median (min\u2013max) of {doc['repeats']} launches each, interleaved "
            f"({', '.join(names)}, ...) after one untimed launch each; every launch a fresh "
            f"process, offscreen, disk cache warm, `{doc['sample']}` open (neurodeck: no "
            f"argument, the bundled sample; MNELAB: the same file as its argument). MNELAB "
            f"{ver['MNELAB'].get('app')} in its own environment (MNE "
            f"{ver['MNELAB'].get('mne')}, PySide6 {ver['MNELAB'].get('PySide6')}, numba "
            f"{'present' if doc['numba']['MNELAB'] else 'absent'}); neurodeck with MNE "
            f"{ver['neurodeck'].get('mne')}, PySide6 {ver['neurodeck'].get('PySide6')} in the "
            f"project's environment (numba "
            f"{'present' if doc['numba']['neurodeck'] else 'absent'}: *numba off* sets "
            f"MNE_USE_NUMBA=false, as a user install without the test extra has no numba). "
            f"1-min load average "
            f"{min(loads):.1f}\u2013{max(loads):.1f} at the launches, {env['cpu_count']} "
            f"cores shared with other jobs; {env['date'][:10]}. Heavy libraries imported by "
            f"the time the signals were on screen: "
            + "; ".join(f"{k} {', '.join(v[k]['heavy_imported']) or 'none'}" for k in names)
            + "." + crash_note)
    return {"startup": "\n".join(rows) + "\n\n" + note}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int)
    ap.add_argument("--mnelab", type=Path, default=Path("/tmp/ref-mnelab"))
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from harness import write_results

    repeats = args.repeats or (3 if args.quick else 10)
    data = run(repeats, args.mnelab)
    env = data.pop("env")
    write_results(RESULTS, data, quick=args.quick, env=env)
    print(tables({**data, "environment": {**env, "loadavg_end": []}})["startup"])


if __name__ == "__main__":
    main()
