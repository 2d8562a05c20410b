"""The EEG chain at scale: band-pass + notch + average reference + epochs from the GUI,
against the same MNE calls in a plain script; and browsing the filtered recording.

Recording: the browser benchmark's 256-channel, 1 kHz, 60-minute float32 FIF (about 3.7 GB
on disk, 7.4 GB as float64; ``make_big_fif.py`` writes it once to --data-dir). ``--quick``
uses the 6-minute file (10x smaller) and fewer repeats.

Chain (both variants): filter 1-40 Hz (FIR, MNE's defaults), notch 50 Hz, average
reference, events every 2 s (``make_fixed_length_events``), epochs -0.2..0.5 s with
baseline (None, 0): 1,800 epochs covering a third of the recording, so the filtered data
are needed whole (neurodeck filters blocks of whole channels and keeps only the epochs' samples).

Variants, each in its own process (so its peak memory is its own), interleaved A B A B:

* ``mne``: ``read_raw_fif(preload=True)``, ``raw.filter``, ``raw.notch_filter``,
  ``raw.set_eeg_reference``, ``mne.Epochs(..., preload=True)``, in a plain script;
* ``neurodeck GUI``: the main window offscreen; the file opened and each step run as a job
  (``MainWindow.run_step``, what the dialogs' Run does), one after the other, the GUI
  thread in an idle event loop between them (as in the app; an earlier version spun
  ``processEvents`` in a loop, which took the interpreter lock from the jobs and made this
  variant up to 2x slower), with a 20 ms timer whose longest gap says whether the window
  froze. Per-step times are reported for this variant and the API's.

Reported: wall time of the work (from the open to the epochs, process start-up excluded),
peak resident memory (``VmHWM``) over the float64 data size, the GUI's longest event-loop
gap and its progress updates; and a checksum of the epochs (both must agree).

Browsing: one page (10 s x 64 channels, decimated for 1600 px by the browser's own source)
of the raw recording and of the filter -> notch -> reference chain, 20 random pages each,
interleaved; and the browser itself (``--worker view-raw`` / ``view-chain`` / ``view-cached``:
the raw file, the chain computed page by page, the chain with its display cache built
first, the build timed apart).

    python benchmarks/bench_eeg_chain.py [--quick] [--data-dir /tmp/neurodeck_bench]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

RESULTS = "eeg_chain"
HERE = Path(__file__).resolve().parent

KEEP_EVERY = 100  # epochs kept for the array comparison: 18 of 1,800 at 60 minutes
CHAIN = {"l_freq": 1.0, "h_freq": 40.0, "notch": 50.0, "duration": 2.0, "tmin": -0.2,
         "tmax": 0.5}


def _peak_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _checksum(epochs) -> list[float]:
    data = epochs.get_data(copy=False)
    return [float(data.sum()), float(abs(data).sum()), int(len(epochs))]


def _keep(epochs, path: str | None) -> None:
    """Every KEEP_EVERY-th epoch to ``path`` (.npy), so the parent compares arrays, not only
    checksums (saved after the peak memory was read)."""
    if path:
        import numpy as np

        np.save(path, epochs.get_data(copy=False)[::KEEP_EVERY])


# -- the variants (each run in a child process) -------------------------------------------------
def worker_mne(path: str, keep: str | None = None) -> dict:
    import mne

    t0 = time.perf_counter()
    raw = mne.io.read_raw_fif(path, preload=True, verbose="error")
    raw.filter(CHAIN["l_freq"], CHAIN["h_freq"], verbose="error")
    raw.notch_filter(CHAIN["notch"], verbose="error")
    raw.set_eeg_reference("average", verbose="error")
    events = mne.make_fixed_length_events(raw, duration=CHAIN["duration"])
    epochs = mne.Epochs(raw, events, tmin=CHAIN["tmin"], tmax=CHAIN["tmax"],
                        baseline=(None, 0), preload=True, verbose="error")
    wall = time.perf_counter() - t0
    out = {"wall_s": wall, "peak_bytes": _peak_bytes(), "checksum": _checksum(epochs),
           "n_channels": len(raw.ch_names), "n_times": int(raw.n_times),
           "sfreq": float(raw.info["sfreq"])}
    _keep(epochs, keep)
    return out


STEPS = [("filter", {"l_freq": CHAIN["l_freq"], "h_freq": CHAIN["h_freq"]}),
         ("notch", {"freqs": str(CHAIN["notch"])}),
         ("rereference", {"ref_channels": "average"}),
         ("events", {"source": "fixed", "duration": CHAIN["duration"]}),
         ("epochs", {"event_id": "fixed", "tmin": CHAIN["tmin"], "tmax": CHAIN["tmax"],
                     "baseline": "None, 0"})]


def _spec(pm, step_id: str):  # noqa: ANN001
    """The MNE plugin's transform of that id (another plugin may declare the same id)."""
    found = [t for t in pm.contributions("transforms") if t.id == step_id
             and t.plugin == "mne"]
    if found:
        return found[0]
    from neurodeck_mne.steps import TRANSFORMS

    return next(t for t in TRANSFORMS if t.id == step_id)


def worker_api(path: str, keep: str | None = None) -> dict:
    """The same steps through neurodeck's one execution path, without the GUI (what a
    script or ``neurodeck`` batch runs): separates the GUI's cost from the chain's."""
    import neurodeck
    from neurodeck import engine
    from neurodeck.api import plugin_manager

    pm = plugin_manager()
    t0 = time.perf_counter()
    data = neurodeck.open(path)
    steps = {"open": time.perf_counter() - t0}
    for step_id, params in STEPS:
        t1 = time.perf_counter()
        data = engine.execute(engine.prepare(_spec(pm, step_id), params), [data])
        steps[step_id] = time.perf_counter() - t1
    wall = time.perf_counter() - t0
    epochs = data.mne_epochs
    out = {"wall_s": wall, "peak_bytes": _peak_bytes(), "checksum": _checksum(epochs),
           "n_channels": len(epochs.ch_names), "steps_s": steps}
    _keep(epochs, keep)
    return out


def worker_gui(path: str, keep: str | None = None) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    _app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    from neurodeck import engine
    from neurodeck.api import plugin_manager
    from neurodeck.gui.main_window import MainWindow

    pm = plugin_manager()
    window = MainWindow(pm)
    window.resize(1366, 768)
    window.show()
    ticks: list[float] = []
    tags: list[str] = []  # the step under way at each tick
    now = ["open"]
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: (ticks.append(time.perf_counter()), tags.append(now[0])))
    timer.start(20)

    def wait(job):
        # An idle event loop, as the app's own: ``processEvents`` in a loop would spin the
        # GUI thread and take the interpreter lock from the job, thousands of times a second.
        loop = QtCore.QEventLoop()
        poll = QtCore.QTimer()
        poll.timeout.connect(lambda: None if job.active else loop.quit())
        poll.start(10)
        if job.active:
            loop.exec()
        poll.stop()
        if job.status != "done":
            raise RuntimeError(f"{job.title}: {job.status} {job.error}")

    def spec(step_id: str):
        return _spec(pm, step_id)

    steps = STEPS
    t0 = time.perf_counter()
    ticks.append(t0)
    tags.append("open")
    wait(window.open_file(path))
    times = {"open": time.perf_counter() - t0}
    entry = max(window.session.entries)
    counted: list[float] = []
    for step_id, params in steps:
        now[0] = step_id
        t1 = time.perf_counter()
        job = window.run_step(engine.prepare(spec(step_id), params), [entry])
        if step_id == "epochs":
            job.progress.add_listener(lambda f, m: counted.append(f))
        wait(job)
        times[step_id] = time.perf_counter() - t1
        entry = max(window.session.entries)
    updates = len(counted)
    wall = time.perf_counter() - t0
    ticks.append(time.perf_counter())
    timer.stop()
    epochs = window.session.entries[entry].dataset.mne_epochs
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    by_step: dict[str, float] = {}  # longest gap begun while each step was under way
    for gap, tag in zip(gaps, tags, strict=False):
        by_step[tag] = max(by_step.get(tag, 0.0), gap)
    out = {"wall_s": wall, "peak_bytes": _peak_bytes(), "checksum": _checksum(epochs),
           "max_gap_s": max(gaps), "max_gap_by_step_s": by_step,
           "gaps_over_250ms": sum(g >= 0.25 for g in gaps), "progress_updates": updates,
           "n_channels": len(epochs.ch_names), "steps_s": times}
    _keep(epochs, keep)
    return out


def _child(variant: str, path: Path, keep: Path | None = None) -> dict:
    extra = ["--keep", str(keep)] if keep else []
    proc = subprocess.run([sys.executable, __file__, "--worker", variant, "--path", str(path),
                           *extra],
                          capture_output=True, text=True, timeout=7200,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                               "PYTHONFAULTHANDLER": "1"})
    try:
        out = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"{variant} failed (exit {proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}") from None
    out["returncode"] = proc.returncode
    if proc.returncode != 0:  # measured and printed, then crashed on the way out: reported
        out["stderr_tail"] = proc.stderr[-1500:]
    return out


# -- browsing ----------------------------------------------------------------------------------
def _display_chain(rec):  # noqa: ANN001, ANN202
    """The chain whose browsing is measured: filter -> notch -> average reference."""
    sys.path.insert(0, str(HERE.parent))
    from tests.eeg.conftest import T

    return T("rereference", T("notch", T("filter", rec, l_freq=CHAIN["l_freq"],
                                         h_freq=CHAIN["h_freq"]),
                              freqs=str(CHAIN["notch"])), ref_channels="average")


def worker_view(path: str, kind: str) -> dict:
    """The browser itself on the raw recording (``raw``), on the filter -> notch ->
    reference chain computed page by page (``chain``: the view's display cache off), or on
    that chain with its display cache built first (``cached``: the build is timed apart,
    not in the pages): 64 visible channels, 10-s pages, bench_browser's protocol (back to
    back, at a reader's pace of 4 pages/s, cold jumps), frames from key press to the
    painted page."""
    import numpy as np
    from bench_browser import _app, run_ours
    from neurodeck_browser.browser import BrowserView

    import neurodeck

    app = _app()
    data = neurodeck.open(path)
    extra: dict = {}
    if kind == "raw":
        shown = data
    else:
        shown = _display_chain(data)
        BrowserView.DISPLAY_COPY = kind == "cached"
        if kind == "cached":  # the view finds it ready (the dataset keeps its one copy)
            copy = shown.display_copy()
            t0 = time.perf_counter()
            if not copy.build():
                raise RuntimeError(copy.refused)
            extra = {"build_s": time.perf_counter() - t0, "cache_bytes": copy.nbytes}
    _, out = run_ours(app, shown, 64, VIEW_PAGES)
    return {**{seq: float(np.median(out[seq]["wall"]))
               for seq in ("back_to_back", "paced", "cold")}, **extra}


VIEW_PAGES = 20


def browse_views(path: Path, repeats: int) -> dict:
    """Frame medians (s) per sequence of the browser on raw and chain, interleaved runs,
    each in its own process."""
    kinds = (("raw", "raw"), ("chain", "filter+notch+reference"),
             ("cached", CACHED))
    runs: dict[str, list[dict]] = {key: [] for _, key in kinds}
    for _ in range(repeats):
        for kind, key in kinds:
            runs[key].append(_child(f"view-{kind}", path))
    from harness import stats

    out = {k: {seq: stats([r[seq] for r in rs]) for seq in ("back_to_back", "paced", "cold")}
           for k, rs in runs.items()}
    out[CACHED]["build_s"] = stats([r["build_s"] for r in runs[CACHED]])
    out[CACHED]["cache_bytes"] = runs[CACHED][0]["cache_bytes"]
    return out


#: The chain browsed with its display cache ready (neurodeck_mne.display_cache).
CACHED = "filter+notch+reference, display cache ready"


def browse(path: Path, repeats: int) -> dict:
    import numpy as np
    from harness import compare
    from neurodeck_browser.sources import SignalSource

    import neurodeck

    rec = neurodeck.open(path)
    chain = _display_chain(rec)
    rng = np.random.default_rng(0)
    duration = rec.n_times / rec.sfreq
    starts = rng.uniform(0, duration - 10.0, size=repeats + 1)
    state = {"i": 0}
    sources = {"raw": SignalSource(rec), "filter+notch+reference": SignalSource(chain)}

    def page(src):
        t0 = starts[state["i"] % len(starts)]
        return src.fetch(t0, t0 + 10.0, list(range(64)), 1600, "traces")

    def advance():
        state["i"] += 1

    res = compare({k: (lambda s=s: page(s)) for k, s in sources.items()}, repeats=repeats,
                  setup=advance)
    return {k: {"wall": v["wall"], "cpu": v["cpu"]} for k, v in res.items()}


def _code_version() -> dict:
    """The commit measured, and whether the plugin or core had uncommitted edits (the tree
    is shared: each child process imports the code as it is when it starts)."""
    def git(*a: str) -> str:
        out = subprocess.run(["git", *a], cwd=HERE.parent, capture_output=True, text=True)
        return out.stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "plugins/neurodeck_mne", "app"))}


# -- the run -------------------------------------------------------------------------------
def run(data_dir: Path, quick: bool, minutes: int | None = None, repeats: int = 2) -> dict:
    import numpy as np
    from harness import compare, environment, stats

    minutes = minutes or (6 if quick else 60)
    pages = 6 if quick else 20
    path = data_dir / f"big_{minutes}min_raw.fif"
    if not path.exists():
        from make_big_fif import make_big_fif

        make_big_fif(path, minutes=minutes)
    env = environment()
    code = _code_version()
    got: dict[str, list[dict]] = {"mne": [], "neurodeck GUI": [], "neurodeck API": []}
    keep = {k: data_dir / f"eeg_chain_keep_{k.split()[0]}.npy" for k in got}
    loads: list[float] = []

    def call(variant: str, key: str):
        loads.append(os.getloadavg()[0])
        out = _child(variant, path, keep[key])
        got[key].append(out)
        return out

    timing = compare({"mne": lambda: call("mne", "mne"),
                      "neurodeck GUI": lambda: call("gui", "neurodeck GUI"),
                      "neurodeck API": lambda: call("api", "neurodeck API")},
                     repeats=repeats)
    loads.append(os.getloadavg()[0])
    first_runs = {k: v[0] for k, v in got.items()}  # the untimed warm-up of each
    runs = {k: v[1:] for k, v in got.items()}
    first = runs["mne"][0]
    data_bytes = first["n_channels"] * first["n_times"] * 8
    summary = {}
    for k, outs in runs.items():
        summary[k] = {"wall_s": stats([o["wall_s"] for o in outs]),
                      "process_wall_s": timing[k]["wall"],
                      "peak_bytes": stats([o["peak_bytes"] for o in outs]),
                      "peak_over_data": max(o["peak_bytes"] for o in outs) / data_bytes,
                      "checksum": outs[-1]["checksum"],
                      "first_run": {"wall_s": first_runs[k]["wall_s"],
                                    "peak_bytes": first_runs[k]["peak_bytes"]}}
        if all("steps_s" in o for o in outs):
            summary[k]["steps_s"] = {step: stats([o["steps_s"][step] for o in outs])
                                     for step in outs[0]["steps_s"]}
        summary[k]["crashed_on_exit"] = [o["stderr_tail"] for o in got[k]
                                         if o.get("returncode")]
        if k == "neurodeck GUI":
            summary[k]["max_gap_s"] = max(o["max_gap_s"] for o in outs)
            if all("max_gap_by_step_s" in o for o in outs):
                summary[k]["max_gap_by_step_s"] = {
                    step: max(o["max_gap_by_step_s"].get(step, 0.0) for o in outs)
                    for step in outs[0]["max_gap_by_step_s"]}
                summary[k]["gaps_over_250ms"] = [o["gaps_over_250ms"] for o in outs]
            summary[k]["progress_updates"] = min(o["progress_updates"] for o in outs)
    ratio = summary["neurodeck GUI"]["wall_s"]["median"] / summary["mne"]["wall_s"]["median"]
    api_ratio = (summary["neurodeck API"]["wall_s"]["median"]
                 / summary["mne"]["wall_s"]["median"])
    a, b = (np.load(keep[k]) for k in ("mne", "neurodeck GUI"))
    c = np.load(keep["neurodeck API"])
    diff_api = float(np.abs(a - c).max()) if a.shape == c.shape else float("inf")
    for f in keep.values():
        f.unlink(missing_ok=True)
    scale = float(np.abs(a).max())
    diff = float(np.abs(a - b).max()) if a.shape == b.shape else float("inf")
    return {"recording": {"file": path.name, "minutes": minutes,
                          "channels": first["n_channels"], "samples": first["n_times"],
                          "sfreq": first["sfreq"], "float64_bytes": data_bytes},
            "chain": CHAIN, "repeats": repeats, "variants": summary, "loads": loads,
            "wall_ratio_gui_over_mne": ratio, "wall_ratio_api_over_mne": api_ratio,
            "checksums_equal": summary["neurodeck GUI"]["checksum"] == summary["mne"]["checksum"],
            "compared_epochs": {"every": KEEP_EVERY, "shape": list(a.shape),
                                "max_abs_diff": diff, "max_abs": scale,
                                "max_abs_diff_api": diff_api,
                                "rel": diff / scale if scale else diff},
            "browse": browse(path, pages), "browse_pages": pages,
            "browse_views": browse_views(path, 2), "code": code, "env": env}


def tables(doc: dict) -> dict[str, str]:
    from harness import fmt_spread

    rec = doc["recording"]
    gb = rec["float64_bytes"] / 1e9
    lines = ["| variant | wall time (open to epochs) | peak memory (VmHWM) | "
             "peak / float64 data | longest GUI event-loop gap | epochs |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for k, v in doc["variants"].items():
        peak = v["peak_bytes"]["max"] / 1e9
        gap = f"{v['max_gap_s'] * 1e3:.0f} ms" if "max_gap_s" in v else "(no GUI)"
        lines.append(f"| {k} | {fmt_spread(v['wall_s'])} | {peak:.2f} GB | "
                     f"{v['peak_over_data']:.2f}x | {gap} | {v['checksum'][2]} |")
    env = doc["environment"]
    cmp = doc["compared_epochs"]
    loads = doc.get("loads") or [*env["loadavg_start"][:1], *env["loadavg_end"][:1]]
    b = doc["browse"]
    api = (f" (the same steps through neurodeck's API, no GUI: "
           f"{doc['wall_ratio_api_over_mne']:.2f}x)" if "wall_ratio_api_over_mne" in doc else "")
    api_diff = (f", API variant {cmp['max_abs_diff_api']:.2g} V" if "max_abs_diff_api" in cmp
                else "")
    lines += ["", f"GUI / MNE wall time: **{doc['wall_ratio_gui_over_mne']:.2f}x**{api}; every "
              f"{cmp['every']}th epoch compared as arrays ({cmp['shape'][0]} epochs): max "
              f"|difference| {cmp['max_abs_diff']:.2g} V ({cmp['rel']:.2g} of the largest "
              f"value){api_diff}; sums of the epochs "
              f"{'equal' if doc['checksums_equal'] else 'differ'}. "
              f"Recording: {rec['minutes']} minutes, {rec['channels']} channels x "
              f"{rec['samples']:,} samples at {rec['sfreq']:g} Hz ({gb:.2f} GB as float64). "
              f"Median (min\u2013max) of {doc['repeats']} interleaved runs "
              f"({', '.join(doc['variants'])}, ...), each in its own process, after one "
              f"untimed warm-up each (disk cache "
              f"warm); MNE's default n_jobs (1); {env['cpu_count']} cores, "
              f"1-min load average {min(loads):.1f}\u2013{max(loads):.1f} at the runs' "
              f"starts ({env['date'][:10]}){_code_note(doc)}.{_gap_note(doc)}", "",
              f"| page of 10 s x 64 channels, {doc['browse_pages']} random windows, "
              "interleaved | fetch (decimated for 1600 px), median (min\u2013max) |",
              "| --- | ---: |"]
    for k, v in b.items():
        lines.append(f"| {k} | {fmt_spread(v['wall'])} |")
    if "browse_views" in doc:
        bv = doc["browse_views"]
        lines += ["", "| the browser, 64 of 256 channels, 10-s pages (frame median, ms) | "
                  "back to back | 4 pages/s | cold jump |", "| --- | ---: | ---: | ---: |"]
        for k, v in bv.items():
            if k == CACHED and "build_s" in v:
                k = (f"{k} (built in {v['build_s']['median']:.1f} s beforehand, "
                     f"{v['cache_bytes'] / 1e6:.0f} MB on disk)")
            lines.append(f"| {k} | " + " | ".join(
                f"{v[seq]['median'] * 1e3:.1f}" for seq in ("back_to_back", "paced", "cold"))
                + " |")
    stepped = {k: v["steps_s"] for k, v in doc["variants"].items() if "steps_s" in v}
    if stepped:
        names = list(next(iter(stepped.values())))
        lines += ["", "| step (median s) | " + " | ".join(stepped) + " |",
                  "| --- |" + " ---: |" * len(stepped)]
        for step in names:
            lines.append(f"| {step} | " + " | ".join(
                f"{v[step]['median']:.2f}" for v in stepped.values()) + " |")
    return {"eeg_chain": "\n".join(lines), "eeg_chain-goals": goals(doc)}


def _code_note(doc: dict) -> str:
    code = doc.get("code")
    if not code:
        return ""
    return (f"; code at commit {code['commit']}"
            + (" with uncommitted edits in app/ or the MNE plugin" if code["dirty"] else ""))


def _gap_note(doc: dict) -> str:
    """Where the GUI's longest event-loop gaps began (runs that recorded it)."""
    gui = doc["variants"]["neurodeck GUI"]
    by_step = gui.get("max_gap_by_step_s")
    if not by_step:
        return ""
    parts = ", ".join(f"{k} {v * 1e3:.0f} ms" for k, v in by_step.items())
    over = gui.get("gaps_over_250ms", [])
    return (f" Longest event-loop gap begun during each step (the step's job, then its "
            f"output's view being made and painted): {parts}; gaps of 250 ms or more per "
            f"run: {', '.join(map(str, over))}.")


def _view_goals(doc: dict) -> list[tuple]:
    bv = doc.get("browse_views")
    if not bv:
        return []
    rows = []
    for seq, words in (("paced", "at a reader's pace (4 pages/s)"),
                       ("back_to_back", "back to back"), ("cold", "cold jumps")):
        raw, chain = (bv[k][seq]["median"] for k in ("raw", "filter+notch+reference"))
        rows.append((f"the browser on the filtered recording as fast as on the raw one, "
                     f"{words} (frame)", "<= 1.2x raw", f"{chain / raw:.2f}x",
                     chain <= 1.2 * raw))
        if CACHED in bv:
            cached = bv[CACHED][seq]["median"]
            rows.append((f"... with its display cache ready, {words} (frame)", "<= 1.2x raw",
                         f"{cached / raw:.2f}x", cached <= 1.2 * raw))
    return rows


def goals(doc: dict) -> str:
    """Issue 13's scale goals against this run: met or not, with the measured value."""
    gui = doc["variants"]["neurodeck GUI"]
    raw, chain = (doc["browse"][k]["wall"]["median"] for k in ("raw", "filter+notch+reference"))
    rows = [("peak memory at most 1.5x the float64 data", "<= 1.50x",
             f"{gui['peak_over_data']:.2f}x", gui["peak_over_data"] <= 1.5),
            ("wall time at most 1.2x the plain MNE script", "<= 1.20x",
             f"{doc['wall_ratio_gui_over_mne']:.3f}x", doc["wall_ratio_gui_over_mne"] <= 1.2),
            ("the window does not freeze (longest event-loop gap)", "< 250 ms",
             f"{gui['max_gap_s'] * 1e3:.0f} ms", gui["max_gap_s"] < 0.25),
            ("progress shown while the epochs are computed", "> 1 update",
             f"{gui['progress_updates']} updates", gui["progress_updates"] > 1),
            ("browsing the filtered recording as fast as the raw one (page fetch)",
             "<= 1.2x raw", f"{chain / raw:.1f}x", chain <= 1.2 * raw),
            *_view_goals(doc),
            ("epochs equal to the plain script's",
             "max abs. difference <= 1e-12 x the largest value",
             f"{doc['compared_epochs']['rel']:.2g}", doc["compared_epochs"]["rel"] <= 1e-12)]
    out = ["| goal | target | measured | met |", "| --- | ---: | ---: | :---: |"]
    out += [f"| {g} | {t} | {m} | {'yes' if ok else 'no'} |" for g, t, m, ok in rows]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/neurodeck_bench"))
    ap.add_argument("--worker", choices=("mne", "gui", "api", "view-raw", "view-chain",
                                         "view-cached"))
    ap.add_argument("--path")
    ap.add_argument("--keep")
    ap.add_argument("--minutes", type=int, help="recording length (default 60; quick 6)")
    ap.add_argument("--repeats", type=int, default=2, help="timed runs of each variant")
    args = ap.parse_args()
    if args.worker and args.worker.startswith("view-"):
        print(json.dumps(worker_view(args.path, args.worker.split("-", 1)[1])))
        return
    if args.worker:
        work = {"mne": worker_mne, "gui": worker_gui, "api": worker_api}[args.worker]
        out = work(args.path, args.keep)
        print(json.dumps(out))
        return
    from harness import write_results

    data = run(args.data_dir, args.quick, args.minutes, args.repeats)
    env = data.pop("env")
    write_results(RESULTS, data, quick=args.quick, env=env)


if __name__ == "__main__":
    main()
