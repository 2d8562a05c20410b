"""Where the GUI thread stalls during the EEG chain: bench_eeg_chain's GUI worker run with
a watchdog thread that records every thread's stack whenever the GUI thread's 10 ms
heartbeat is older than ``--threshold`` (default 80 ms). A diagnostic, not a benchmark:
it prints the worker's gaps and the longest stalls' stacks (the watchdog needs the
interpreter lock, so a stall it records late was one where a job thread held the lock).

    python benchmarks/diag_gui_stalls.py /tmp/neurodeck_bench/big_60min_raw.fif
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path")
    ap.add_argument("--threshold", type=float, default=0.08, help="seconds")
    ap.add_argument("--show", type=int, default=6, help="longest stalls printed")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtWidgets

    _app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    last = [time.perf_counter()]
    beat = QtCore.QTimer()
    beat.timeout.connect(lambda: last.__setitem__(0, time.perf_counter()))
    beat.start(10)
    gui_id = threading.get_ident()
    samples: list[dict] = []
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            age = time.perf_counter() - last[0]
            if age <= args.threshold:
                continue
            names = {t.ident: t.name for t in threading.enumerate()}
            rec: dict = {"age": age, "t": time.perf_counter(), "stacks": {}}
            for tid, frame in sys._current_frames().items():
                if tid != threading.get_ident():
                    name = "GUI" if tid == gui_id else names.get(tid, str(tid))
                    rec["stacks"][name] = "".join(traceback.format_stack(frame)[-12:])
            samples.append(rec)

    threading.Thread(target=watch, daemon=True).start()
    import bench_eeg_chain

    out = bench_eeg_chain.worker_gui(args.path)
    done.set()
    print(json.dumps({k: out[k] for k in ("max_gap_s", "max_gap_by_step_s",
                                          "gaps_over_250ms", "steps_s")}, indent=1))
    stalls: list[list[dict]] = []  # consecutive samples are one stall
    for rec in samples:
        if stalls and rec["t"] - stalls[-1][-1]["t"] < 0.05:
            stalls[-1].append(rec)
        else:
            stalls.append([rec])
    print(f"{len(stalls)} stalls over {args.threshold * 1000:.0f} ms (start-up included)")
    for stall in sorted(stalls, key=lambda s: -s[-1]["age"])[:args.show]:
        print("=" * 30, f"stall {stall[-1]['age'] * 1000:.0f} ms")
        for name, stack in stall[len(stall) // 2]["stacks"].items():
            if not name.startswith(("neurodeck-fetch", "neurodeck-probe")):
                print("--", name)
                print(stack)


if __name__ == "__main__":
    main()
