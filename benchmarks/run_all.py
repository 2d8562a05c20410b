"""Run every benchmark script (``bench_*.py``) in turn, then regenerate the docs' tables.

Each script prints its own table and writes ``benchmarks/results/<name>.json`` (``--quick``:
``<name>-quick.json``, fewer repeats or smaller sizes, as each script states); the docs'
tables are rendered from the full results by ``tables.py``.

Usage: ``python benchmarks/run_all.py [--quick] [NAME ...]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="each script's quick mode")
    parser.add_argument("names", nargs="*", help="run only scripts whose name contains these")
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if any(n in s.stem for n in args.names)]
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(script), *(["--quick"] if args.quick
                                                               else [])])
        print(f"--- {script.stem}: exit {code}, {time.perf_counter() - t0:.1f} s", flush=True)
        if code:
            failed.append(script.stem)
    sys.path.insert(0, str(HERE))
    import tables

    for marker in tables.update():
        print(f"docs table updated: {marker}")
    if failed:
        print("failed:", ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
