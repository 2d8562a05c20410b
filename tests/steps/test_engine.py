"""One execution path: parameters validated once per run on every front end, declared
outputs checked."""

import numpy as np
import pytest

import neurodeck
from neurodeck import cli
from neurodeck.batch import run_batch
from neurodeck.errors import PluginError

from .conftest import COERCIONS, write_traces


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(5)
    return [write_traces(tmp_path / f"s{i}.csv", rng.normal(size=(2, 40))) for i in range(3)]


def test_parameters_are_validated_once_per_run_everywhere(steps, files, tmp_path):
    neurodeck.run("row-means", files[0], gain="2")
    assert COERCIONS == ["gain"]
    COERCIONS.clear()
    assert cli.main(["run", "row-means", "-i", str(files[0]), "-p", "gain=2", "-o",
                     str(tmp_path / "r.h5"), "-q"]) == 0
    assert COERCIONS == ["gain"]
    COERCIONS.clear()
    rep = run_batch("row-means", [str(f) for f in files], {"gain": "2"}, tmp_path / "b")
    assert not rep.failed and COERCIONS == ["gain"]  # once for the batch, not per input
    COERCIONS.clear()
    rep = run_batch("row-means", [str(f) for f in files], {"gain": "3"}, tmp_path / "c",
                    workers=2, processes=False)
    assert not rep.failed and COERCIONS == ["gain"]
    COERCIONS.clear()
    neurodeck.transform("scale", files[0], factor=1.5)
    assert COERCIONS == ["factor"]


def test_outputs_are_checked_against_the_declaration(steps, files, monkeypatch):
    with pytest.raises(PluginError, match="undeclared output.*surprise.*declared output.*"
                                          "missing"):
        neurodeck.run("sloppy", files[0])
    res = neurodeck.run("row-means", files[0])  # "sd" is optional: absent is fine
    assert "sd" not in res and "sd" in neurodeck.run("row-means", files[0], extra=True)
    # Outside tests a mismatch is logged, not fatal: the user keeps the result.
    monkeypatch.setenv("NEURODECK_STRICT_OUTPUTS", "0")
    assert "surprise" in neurodeck.run("sloppy", files[0])


def test_every_built_in_analysis_declares_its_outputs():
    for spec in neurodeck.analyses():
        assert spec.outputs, f"{spec.id} declares no outputs"
