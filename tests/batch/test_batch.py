"""Batch runs on a LocalCluster of 2 workers over copies of the bundled samples."""

import os
import subprocess
import sys

import numpy as np
import pytest

from neurodeck import api
from neurodeck.batch import expand_inputs, output_names, read_summary, run_batch
from neurodeck.cli import main as cli_main
from neurodeck.data.result import Result
from neurodeck.errors import InputError, ParameterError
from neurodeck.paths import resource_path

EEG = resource_path("samples", "eegmmidb_S001R04.edf")
ROI = resource_path("samples", "nitime_rest_roi_timeseries.csv")
PARAMS = {"method": "partial", "tmax": "30"}  # strings, as from the command line


@pytest.fixture
def inputs(tmp_path):
    """Three EEG copies under different names, two ROI tables, and one broken file."""
    d = tmp_path / "in"
    d.mkdir()
    for name in ("s01_eeg.edf", "s02_eeg.edf", "s03_eeg.edf"):
        (d / name).write_bytes(EEG.read_bytes())
    for name in ("roi_a", "roi_b"):
        (d / f"{name}.csv").write_bytes(ROI.read_bytes())
        (d / f"{name}.json").write_bytes(ROI.with_suffix(".json").read_bytes())
    (d / "s04_eeg.edf").write_bytes(b"not an EDF file at all")
    return d


def _run(inputs, out, **kw):
    return run_batch("fc", [str(inputs / "*.edf"), str(inputs / "*.csv")], PARAMS, out,
                     workers=2, processes=False, **kw)


def test_batch_results_equal_single_runs_and_one_failure_does_not_stop_others(inputs,
                                                                              tmp_path):
    events = []
    rep = _run(inputs, tmp_path / "out",
               on_progress=lambda path, state, f, m: events.append((os.path.basename(path),
                                                                    state)))
    assert rep.workers == 2
    status = {os.path.basename(i.input): i.status for i in rep.items}
    assert status == {"s01_eeg.edf": "ok", "s02_eeg.edf": "ok", "s03_eeg.edf": "ok",
                      "s04_eeg.edf": "failed", "roi_a.csv": "ok", "roi_b.csv": "ok"}
    bad = next(i for i in rep.items if i.status == "failed")
    assert "s04_eeg.edf" in bad.error and bad.output == ""
    assert "Traceback" in (tmp_path / "out" / "s04_eeg.error.txt").read_text()
    # Each batch result equals running the analysis on that file directly.
    direct = api.run("fc", EEG, method="partial", tmax=30.0)
    for name in ("s01_eeg", "s02_eeg", "s03_eeg"):
        res = Result.load(tmp_path / "out" / f"{name}.h5")
        np.testing.assert_array_equal(res["matrix"], direct["matrix"])
        assert res.provenance["inputs"][0]["path"].endswith(f"{name}.edf")
    # The summary table: one row per input, status and timings.
    rows = read_summary(rep.summary)
    assert [r["status"] for r in rows] == [status[os.path.basename(r["input"])] for r in rows]
    assert all(float(r["seconds"]) > 0 for r in rows)
    assert {r["reused"] for r in rows} == {"no"}
    # Progress per input: each went queued -> running -> ok/failed.
    for name, final in status.items():
        states = [s for n, s in events if n == name]
        assert states[0] == "queued" and "running" in states and states[-1] == final


def test_restart_skips_current_results_and_recomputes_what_changed(inputs, tmp_path):
    out = tmp_path / "out"
    _run(inputs, out)
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.glob("*.h5")}
    rep = _run(inputs, out)
    reused = {os.path.basename(i.input) for i in rep.items if i.reused}
    assert reused == {"s01_eeg.edf", "s02_eeg.edf", "s03_eeg.edf", "roi_a.csv", "roi_b.csv"}
    assert [i.status for i in rep.items if not i.reused] == ["failed"]  # retried, fails again
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.h5")} == mtimes
    # A changed input, a torn result and a different parameter are not current.
    with open(inputs / "roi_b.csv", "a") as fh:
        fh.write("\n")
    (out / "s02_eeg.h5").write_bytes(b"torn")
    rep = _run(inputs, out)
    assert sorted(os.path.basename(i.input) for i in rep.computed) == [
        "roi_b.csv", "s02_eeg.edf", "s04_eeg.edf"]
    rep = run_batch("fc", str(inputs / "s0[12]_eeg.edf"), {**PARAMS, "fisher_z": "true"}, out,
                    workers=2, processes=False)
    assert [i.reused for i in rep.items] == [False, False]


def test_bad_parameters_and_no_inputs_fail_before_any_work(inputs, tmp_path):
    with pytest.raises(ParameterError):
        run_batch("fc", str(inputs / "*.edf"), {"method": "nope"}, tmp_path / "o")
    with pytest.raises(InputError, match="no file matches"):
        run_batch("fc", str(inputs / "*.xyz"), {}, tmp_path / "o")
    assert not (tmp_path / "o" / "summary.csv").exists()


def test_cli_batch(inputs, tmp_path, capsys):
    rc = cli_main(["batch", "fc", "--inputs", f"{inputs / 'roi_a.csv'},{inputs / 'roi_b.csv'}",
                   "--param", "method=pearson", "--out", str(tmp_path / "o"), "--workers",
                   "2", "--threads"])
    assert rc == 0
    assert "2/2 ok" in capsys.readouterr().out
    rc = cli_main(["batch", "fc", "-i", str(inputs / "*.edf"), "-p", "tmax=10", "-o",
                   str(tmp_path / "o"), "-w", "2", "--threads", "-q"])
    assert rc == 1  # s04 fails
    rows = read_summary(tmp_path / "o" / "summary.csv")
    # The earlier run's rows are kept (merged), this run's follow them.
    assert [os.path.basename(r["input"]) for r in rows] == [
        "roi_a.csv", "roi_b.csv", "s01_eeg.edf", "s02_eeg.edf", "s03_eeg.edf", "s04_eeg.edf"]
    assert [r["status"] for r in rows] == ["ok", "ok", "ok", "ok", "ok", "failed"]


def test_output_names_stay_unique_and_stable(tmp_path):
    paths = [tmp_path / "a" / "s1" / "run.edf", tmp_path / "b" / "s1" / "run.edf",
             tmp_path / "c" / "x.edf"]
    names = output_names(paths)
    assert names[paths[2]] == "x.h5"
    assert names[paths[0]] == "a_s1_run.h5" and names[paths[1]] == "b_s1_run.h5"


def test_expand_inputs(inputs):
    assert [p.name for p in expand_inputs(str(inputs / "s0*.edf"))] == [
        "s01_eeg.edf", "s02_eeg.edf", "s03_eeg.edf", "s04_eeg.edf"]
    both = expand_inputs([f"{inputs / 'roi_a.csv'},{inputs / 'roi_b.csv'}",
                          str(inputs / "roi_a.csv")])
    assert [p.name for p in both] == ["roi_a.csv", "roi_b.csv"]


def test_dask_is_not_imported_by_neurodeck_its_cli_or_gui():
    code = ("import sys, neurodeck, neurodeck.cli, neurodeck.batch, neurodeck.workspace\n"
            "import neurodeck.gui.main_window, neurodeck.gui.batch_dialog\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_process_workers(inputs, tmp_path):
    """Real worker processes (what the CLI uses by default): same results."""
    rep = run_batch("fc", [str(inputs / "roi_a.csv"), str(inputs / "s04_eeg.edf")],
                    {"method": "pearson"}, tmp_path / "o", workers=2)
    assert [i.status for i in rep.items] == ["ok", "failed"]
    assert all(int(i.worker.split(":")[1]) != os.getpid() for i in rep.items)  # elsewhere
    direct = api.run("fc", ROI, method="pearson")
    np.testing.assert_array_equal(Result.load(tmp_path / "o" / "roi_a.h5")["matrix"],
                                  direct["matrix"])


def test_local_workers_keep_the_adaptive_allocator(monkeypatch):
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers (and in this process's
    environment, for the next ones); that made every analysis ~1.3x slower in a worker.
    Our local cluster leaves it out, in the workers and here."""
    from neurodeck.batch import runner

    runner._close_clusters()
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    client = runner._local_client(2, True)
    try:
        seen = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    finally:
        client.close()
        runner._close_clusters()
    assert len(seen) == 2 and set(seen.values()) == {None}, seen
    assert "MALLOC_TRIM_THRESHOLD_" not in os.environ


def test_cluster_policy_from_measured_input_times(monkeypatch):
    """A cluster is started only when the inputs measured here say it pays for its start
    with the cores that are free; the first input (it paid for imports) decides alone only
    when it alone took longer than a cluster's start."""
    from neurodeck.batch import runner

    start = runner.CLUSTER_START_S
    assert not runner.worth_a_cluster([], 100, 2)
    assert not runner.worth_a_cluster([0.5], 100, 2)  # a slow first input of tiny ones
    assert not runner.worth_a_cluster([0.5, 0.02, 0.03, 0.02], 40, 2)  # 40 x 20 ms: a loop
    assert runner.worth_a_cluster([0.5, 0.02, 0.03, 0.02], 1000, 2)
    assert runner.worth_a_cluster([start * 1.2], 8, 2)  # heavy inputs: switch at once
    assert not runner.worth_a_cluster([start * 1.2], 8, 1)  # no spare core: never
    assert not runner.worth_a_cluster([5.0, 5.0], 1, 4)  # one input left
    monkeypatch.setattr(runner.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(runner.os, "getloadavg", lambda: (1.0, 1.0, 1.0))
    assert runner.spare_cores() == 2  # only this process runs
    monkeypatch.setattr(runner.os, "getloadavg", lambda: (8.0, 8.0, 8.0))
    assert runner.spare_cores() == 1  # other jobs keep both cores busy


def test_small_batch_runs_in_process_and_its_summary_is_complete(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for i in range(12):
        (d / f"r{i:02d}.csv").write_bytes(ROI.read_bytes())
        (d / f"r{i:02d}.json").write_bytes(ROI.with_suffix(".json").read_bytes())
    # Warm this process first (a cold first input also pays for imports, which on a slow
    # machine can exceed a cluster's start; the policy then starts one, as designed).
    api.run("fc", d / "r00.csv", method="pearson")
    rep = run_batch("fc", str(d / "*.csv"), {"method": "pearson"}, tmp_path / "out")
    assert rep.mode == "in-process" and not rep.failed and len(rep.items) == 12
    rows = read_summary(rep.summary)
    assert len(rows) == 12 and {r["status"] for r in rows} == {"ok"}


def test_named_workers_time_a_first_wave_then_chunk_tiny_inputs(tmp_path, monkeypatch):
    """With workers named nothing is timed here first: two single inputs per worker are
    timed on the workers, then the tiny rest go in chunks (one dask task each), so they
    do not each pay a task's overhead; every input is still run exactly once."""
    from neurodeck.batch import runner

    d = tmp_path / "in"
    d.mkdir()
    for i in range(24):
        (d / f"roi_{i:02d}.csv").write_bytes(ROI.read_bytes())
        (d / f"roi_{i:02d}.json").write_bytes(ROI.with_suffix(".json").read_bytes())
    sizes: list[int] = []
    chunks = runner._chunks

    def spy(todo, size):
        out = chunks(todo, size)
        sizes.extend(len(c) for c in out)
        return out

    monkeypatch.setattr(runner, "_chunks", spy)
    rep = run_batch("fc", str(d / "*.csv"), {"method": "pearson"}, tmp_path / "out",
                    workers=2, processes=False)
    assert [i.status for i in rep.items] == ["ok"] * 24
    assert sum(sizes) == 24
    assert sizes[:4] == [1, 1, 1, 1]  # the timed first wave
    # the rest: tiny inputs (ms each) in chunks of several (at least 4 per worker)
    assert len(sizes) - 4 <= 10 and max(sizes[4:]) > 1
