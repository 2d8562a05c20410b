"""Start-up time: process start to main window shown, and what got imported by then.

Runs each measurement in a fresh interpreter (cold module cache each time, warm disk
cache after the first), offscreen. Usage: ``python benchmarks/bench_startup.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = r"""
import time, sys
t0 = time.perf_counter()
from neurodeck.gui.app import create_app, build_window
app = create_app()
t_qt = time.perf_counter()
window = build_window(open_sample=False)
window.show()
app.processEvents()
t_shown = time.perf_counter()
import json
print(json.dumps({"import_and_qapp_s": t_qt - t0, "window_shown_s": t_shown - t0,
                  "heavy_imported": [m for m in ("mne", "nilearn", "torch", "sklearn",
                                     "tensorly", "dask", "pynwb") if m in sys.modules],
                  "modules": len(sys.modules)}))
"""


def measure(runs: int) -> dict:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "NEURODECK_CONFIG_DIR": tempfile.mkdtemp(prefix="nd-bench-")}
    rows = []
    for _ in range(runs):
        t = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                           env=env, check=True)
        rows.append(json.loads(t.stdout.strip().splitlines()[-1]))
    shown = [r["window_shown_s"] for r in rows]
    return {"runs": runs, "window_shown_median_s": statistics.median(shown),
            "window_shown_min_s": min(shown), "window_shown_max_s": max(shown),
            "heavy_imported": rows[-1]["heavy_imported"], "modules": rows[-1]["modules"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    out = measure(args.runs)
    print(f"main window shown: median {out['window_shown_median_s']:.3f} s "
          f"(min {out['window_shown_min_s']:.3f}, max {out['window_shown_max_s']:.3f}, "
          f"{out['runs']} runs); heavy libraries imported: {out['heavy_imported'] or 'none'}")
    dest = Path(__file__).parent / "out"
    dest.mkdir(exist_ok=True)
    (dest / "startup.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
