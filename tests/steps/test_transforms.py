"""Transforms: a new dataset, the input untouched, the recipe recorded, lazy when declared."""

import json
import subprocess
import sys

import numpy as np
import pytest

import neurodeck
from neurodeck import cli
from neurodeck.errors import InputError, PluginError
from neurodeck.testing import check_transform

from .conftest import write_traces


@pytest.fixture
def traces(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(4, 300))
    return write_traces(tmp_path / "cells.csv", data), data


def test_a_transform_makes_a_new_dataset_and_records_how(steps, traces):
    path, data = traces
    ts = neurodeck.open(path)
    out = check_transform("scale", ts, factor=3.0)
    np.testing.assert_allclose(out.get_data(), data * 3.0, rtol=1e-12)
    np.testing.assert_allclose(ts.get_data(), data, rtol=1e-12)  # input untouched
    d = out.derivation
    assert d["transform"] == "scale" and d["parameters"] == {"factor": 3.0}
    assert d["inputs"][0]["sha256"] == ts.fingerprint() and d["inputs"][0]["path"] == str(path)
    # The fingerprint of derived data is its recipe's: same recipe, same fingerprint.
    again = neurodeck.transform("scale", ts, factor=3.0)
    assert again.fingerprint() == out.fingerprint() != ts.fingerprint()
    assert neurodeck.transform("scale", ts, factor=4.0).fingerprint() != out.fingerprint()
    # A result computed from derived data carries the whole chain in its provenance.
    res = neurodeck.run("row-means", out)
    assert res.provenance["inputs"][0]["derivation"]["transform"] == "scale"
    np.testing.assert_allclose(res["mean"], data.mean(axis=1) * 3.0, rtol=1e-12)


def test_lazy_output_reads_only_the_windows_asked_for(steps, traces):
    path, data = traces
    ts = neurodeck.open(path)
    reads = []
    original = type(ts).get_data

    def spy(self, start=0, stop=None, picks=None):
        if self is ts:  # reads of the input (the output is a Traces too)
            reads.append((start, stop))
        return original(self, start, stop, picks)

    type(ts).get_data = spy
    try:
        out = neurodeck.transform("scale", ts, factor=2.0)
        assert reads == []  # nothing computed yet
        win = out.get_data(100, 120, picks=[2])
    finally:
        type(ts).get_data = original
    assert reads == [(100, 120)]
    np.testing.assert_allclose(win, data[2:3, 100:120] * 2, rtol=1e-12)


def test_transform_contract_violations_are_plugin_errors(steps, traces):
    ts = neurodeck.open(traces[0])
    with pytest.raises(PluginError, match="returned its input"):
        neurodeck.transform("identity-bad", ts)
    with pytest.raises(KeyError, match="no transform 'nope'"):
        neurodeck.transform("nope", ts)
    with pytest.raises(InputError, match="accepts timeseries"):
        neurodeck.transform("scale", neurodeck.Connectome(np.eye(2)))


def test_transforms_are_listed_with_their_schemas(steps, capsys):
    assert {"scale", "first-rows"} <= {t.id for t in neurodeck.transforms()}
    assert cli.main(["transforms", "--json"]) == 0
    listed = {t["id"]: t for t in json.loads(capsys.readouterr().out)}
    assert listed["scale"]["storage"] == "lazy"
    assert listed["scale"]["params"][0]["name"] == "factor"
    assert listed["first-rows"]["produces"] == ["traces"]


def test_cli_transform_writes_the_new_dataset(steps, traces, tmp_path, capsys):
    path, data = traces
    out = tmp_path / "scaled.csv"
    assert cli.main(["transform", "scale", "--input", str(path), "--param", "factor=0.5",
                     "--output", str(out), "-q"]) == 0
    assert "wrote" in capsys.readouterr().out
    back = neurodeck.open(out)
    np.testing.assert_allclose(back.get_data(), data * 0.5, rtol=1e-12)
    # A name no writer takes fails before anything is written.
    assert cli.main(["transform", "scale", "-i", str(path), "-o", str(tmp_path / "x.xyz"),
                     "-q"]) == 2
    assert not (tmp_path / "x.xyz").exists()
    assert "use one of" in capsys.readouterr().err


def test_a_mistyped_command_fails_instead_of_starting_the_gui():
    proc = subprocess.run([sys.executable, "-m", "neurodeck", "transfroms"], timeout=60,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "neither a command nor an existing file" in proc.stderr
    assert "did you mean transforms" in proc.stderr
