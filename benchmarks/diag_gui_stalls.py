"""Where the GUI thread stalls during the EEG chain: bench_eeg_chain's GUI worker run with
a watchdog thread that records every thread's stack whenever the GUI thread's 10 ms
heartbeat is older than ``--threshold`` (default 80 ms). A diagnostic, not a benchmark:
it prints the worker's gaps and the longest stalls' stacks (the watchdog needs the
interpreter lock, so a stall it records late was one where a job thread held the lock).

    python benchmarks/diag_gui_stalls.py /tmp/neurodeck_bench/big_60min_raw.fif
"""

from __future__ import annotations

import argparse
import gc
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
    collections: list[tuple[int, float, str]] = []  # (generation, seconds, thread)
    began = [0.0]

    def on_gc(phase: str, info: dict) -> None:  # the collector holds the lock throughout
        if phase == "start":
            began[0] = time.perf_counter()
        elif info["generation"] >= 1:
            gui = threading.get_ident() == gui_id
            collections.append((info["generation"], time.perf_counter() - began[0],
                                "GUI" if gui else threading.current_thread().name))

    gc.callbacks.append(on_gc)
    import bench_eeg_chain

    out = bench_eeg_chain.worker_gui(args.path)
    done.set()
    print(json.dumps({k: out[k] for k in ("max_gap_s", "max_gap_by_step_s",
                                          "gaps_over_250ms", "steps_s")}, indent=1))
    for gen in (1, 2):
        sel = [c for c in collections if c[0] == gen]
        if sel:
            worst = max(sel, key=lambda c: c[1])
            print(f"generation-{gen} collections: {len(sel)}, total "
                  f"{sum(c[1] for c in sel) * 1e3:.0f} ms, longest {worst[1] * 1e3:.0f} ms "
                  f"(thread {worst[2]})")
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
