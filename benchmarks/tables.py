"""Render the benchmark tables in the docs from the results files.

Each ``bench_*.py`` that feeds the docs defines ``RESULTS = "<name>"`` (its results file,
``benchmarks/results/<name>.json``) and ``tables(doc) -> {marker: markdown}``. A docs page
holds each table between ``<!-- bench:MARKER -->`` and ``<!-- /bench:MARKER -->``; this
script replaces what is between them. ``--check`` only reports differences (the test suite
runs it, so the docs cannot drift from the measurements).

Usage: ``python benchmarks/tables.py [--check]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
BLOCK = re.compile(r"(<!-- bench:(?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- /bench:(?P=name) -->)",
                   re.DOTALL)


def _load(script: Path):
    spec = importlib.util.spec_from_file_location(f"_bench_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(HERE))
    try:
        spec.loader.exec_module(module)  # bench scripts import only light modules at top
    finally:
        sys.path.remove(str(HERE))
    return module


def rendered() -> dict[str, str]:
    """Every table the results files give, by marker name."""
    out: dict[str, str] = {}
    for script in sorted(HERE.glob("bench_*.py")):
        module = _load(script)
        name = getattr(module, "RESULTS", None)
        render = getattr(module, "tables", None)
        if not name or render is None:
            continue
        path = HERE / "results" / f"{name}.json"
        if not path.is_file():
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        for marker, text in render(doc).items():
            out[marker] = text.rstrip("\n") + "\n"
    return out


def update(check: bool = False) -> list[str]:
    """Replace the table blocks in docs/*.md; returns the markers that differ (or changed)."""
    tables = rendered()
    differ: list[str] = []
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")

        def sub(m: re.Match, page: Path = page) -> str:
            name = m.group("name")
            if name not in tables:
                return m.group(0)
            if m.group("body") != tables[name]:
                differ.append(f"{page.name}:{name}")
            return m.group(1) + tables[name] + m.group(4)

        new = BLOCK.sub(sub, text)
        if new != text and not check:
            page.write_text(new, encoding="utf-8")
    return differ


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args()
    differ = update(check=args.check)
    for d in differ:
        print(("differs: " if args.check else "updated: ") + d)
    return 1 if (differ and args.check) else 0


if __name__ == "__main__":
    raise SystemExit(main())
