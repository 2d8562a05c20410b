"""The minimal plugin in docs/plugins.md works exactly as written: its code blocks are
extracted into a package, its analysis runs and its view is built offscreen."""

from __future__ import annotations

import importlib
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

import neurodeck
from neurodeck.paths import resource_path

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
# "`neurodeck_rate/compute.py`:" followed by a fenced block.
BLOCK = re.compile(r"^`([\w./-]+)`:\s*\n+```\w*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def doc_files() -> dict[str, str]:
    section = DOC.read_text(encoding="utf-8").split("## A complete minimal plugin", 1)[1]
    section = section.split("\n## ", 1)[0]
    return {name: code for name, code in BLOCK.findall(section)}


def doc_test_code() -> str:
    section = DOC.read_text(encoding="utf-8").split("## A complete minimal plugin", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    return next(b for b in blocks if "def test_" in b)


@pytest.fixture
def rate_plugin(tmp_path, monkeypatch, neurodeck_plugins):
    files = doc_files()
    for name, code in files.items():
        path = tmp_path / "neurodeck-rate" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code, encoding="utf-8")
    meta = tomllib.loads(files["pyproject.toml"])
    (entry, module), = meta["project"]["entry-points"]["neurodeck.plugins"].items()
    monkeypatch.syspath_prepend(str(tmp_path / "neurodeck-rate"))
    for mod in [m for m in sys.modules if m.startswith(module)]:
        monkeypatch.delitem(sys.modules, mod)
    # What discovery does with the entry point `rate = "neurodeck_rate"`.
    neurodeck_plugins.register(importlib.import_module(module), entry)
    yield neurodeck_plugins
    neurodeck_plugins.unregister(entry)


def test_the_doc_shows_every_file_of_the_tree():
    assert set(doc_files()) == {"pyproject.toml", "neurodeck_rate/__init__.py",
                                "neurodeck_rate/compute.py", "neurodeck_rate/view.py"}


def test_the_analysis_runs_on_a_recording(rate_plugin):
    edf = resource_path("samples", "eegmmidb_S001R04.edf")  # bundled sample
    res = neurodeck.run("mean-rate", str(edf), tmin=10)  # the call the doc shows
    rec = neurodeck.open(edf)
    expected = rec.get_data(int(10 * rec.sfreq)).mean(axis=1)
    np.testing.assert_allclose(res["rate"], expected, rtol=1e-12)
    assert res["labels"].tolist() == rec.labels
    assert res.provenance["plugin"] == "rate"


def test_the_docs_own_test_passes(rate_plugin):
    namespace: dict = {}
    exec(compile(doc_test_code(), "docs/plugins.md", "exec"), namespace)  # noqa: S102
    namespace["test_mean_rate"](rate_plugin)


def test_the_view_builds_offscreen(rate_plugin, neurodeck_view, tmp_path):
    tr = neurodeck.Traces(np.array([[1.0, 3.0], [2.0, 6.0], [0.0, 0.0]]), sfreq=1.0)
    res = neurodeck.run("mean-rate", tr)
    view = neurodeck_view("rate-bars", res)
    (bars,) = [i for i in view.plot.getPlotItem().items if type(i).__name__ == "BarGraphItem"]
    np.testing.assert_array_equal(bars.opts["height"], [2.0, 4.0, 0.0])
    view.export(tmp_path / "rate.png")
    assert (tmp_path / "rate.png").stat().st_size > 0
