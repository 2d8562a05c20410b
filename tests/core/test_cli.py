"""The neurodeck command line, run as a user would (a subprocess)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from neurodeck import Result


def cli(*args, check=False):
    return subprocess.run([sys.executable, "-m", "neurodeck", *args], capture_output=True,
                          text=True, timeout=300, check=check)


@pytest.fixture(scope="module")
def traces_csv(tmp_path_factory):
    rng = np.random.default_rng(5)
    data = rng.normal(size=(400, 4))
    path = tmp_path_factory.mktemp("cli") / "traces.csv"
    np.savetxt(path, np.column_stack([np.arange(400) / 10, data]), delimiter=",",
               header="time,a,b,c,d", comments="")
    return path, data


def test_plugins_and_analyses_json():
    plugins = json.loads(cli("plugins", "--json", check=True).stdout)
    assert {"mne", "tables", "fc"} <= {p["name"] for p in plugins}
    analyses = json.loads(cli("analyses", "--json", check=True).stdout)
    fc = next(a for a in analyses if a["id"] == "fc")
    assert {p["name"] for p in fc["params"]} >= {"method", "tmin", "tmax"}
    assert fc["outputs"]["matrix"] and fc["accepts"] == ["timeseries", "epochs"]


def test_info(traces_csv):
    out = json.loads(cli("info", str(traces_csv[0]), "--json", check=True).stdout)
    assert out["kind"] == "traces" and out["rows"] == 4 and out["sfreq"] == 10.0


def test_run_writes_a_result_with_progress_on_stderr(traces_csv, tmp_path):
    path, data = traces_csv
    out = tmp_path / "fc.h5"
    proc = cli("run", "fc", "--input", str(path), "--param", "tmin=10", "--param",
               "method=pearson", "--output", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "100.0%" in proc.stderr and "wrote" in proc.stdout
    res = Result.load(out)
    np.testing.assert_allclose(res["matrix"], np.corrcoef(data[100:].T), atol=1e-10)
    assert res.provenance["parameters"]["tmin"] == 10.0


@pytest.mark.parametrize("args, message", [
    (["--param", "method=kendall"], "not one of pearson, partial"),
    (["--param", "tmin"], "not of the form NAME=VALUE"),
    (["--param", "nonsense=1"], "unknown parameter"),
])
def test_bad_parameters_exit_non_zero_with_a_message(traces_csv, tmp_path, args, message):
    proc = cli("run", "fc", "--input", str(traces_csv[0]), *args, "--output",
               str(tmp_path / "x.h5"))
    assert proc.returncode == 2 and message in proc.stderr
    assert not (tmp_path / "x.h5").exists()


def test_bad_input_file_and_unknown_analysis(tmp_path):
    bad = tmp_path / "broken.edf"
    bad.write_bytes(b"garbage" * 10)
    proc = cli("run", "fc", "--input", str(bad), "--output", str(tmp_path / "x.h5"))
    assert proc.returncode == 2 and "broken.edf" in proc.stderr
    proc = cli("run", "no-such-analysis", "--input", str(bad), "--output", str(tmp_path / "x.h5"))
    assert proc.returncode == 2 and "no analysis 'no-such-analysis'" in proc.stderr
