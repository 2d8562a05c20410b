"""Every hook in hookspecs.py is documented in docs/plugins.md (as datasette enforces)."""

import inspect
import re
from pathlib import Path

import pytest

from neurodeck import hookspecs

DOC = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text(encoding="utf-8")
HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
         if name.startswith("neurodeck_")]


def test_there_are_hooks():
    assert len(HOOKS) >= 6


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_heading_with_its_signature(hook):
    assert re.search(rf"^### {hook}\(\) -> list\[\w+\]$", DOC, re.MULTILINE), hook


def test_benchmark_tables_in_the_docs_match_the_results_files():
    """Figures in docs come from benchmarks/results/*.json (rendered by benchmarks/tables.py)."""
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("_nd_bench_tables",
                                                  root / "benchmarks" / "tables.py")
    tables = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tables)
    assert tables.update(check=True) == []
