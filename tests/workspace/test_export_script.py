"""Export as Python script: the script, run on its own, reproduces the session's results."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neurodeck.data.result import Result
from neurodeck.workspace import export_script


def test_exported_script_reproduces_the_session_results(edited_session, tmp_path):
    script = tmp_path / "analysis.py"
    export = export_script(edited_session.history, script)
    assert export.outputs == {2: "fc_eegmmidb_s001r04.h5", 3: "fc_eegmmidb_s001r04_2.h5",
                              5: "fc_nitime_rest_roi_timeseries.h5"}
    text = script.read_text()
    # MNE does MNE's steps; neurodeck runs the analyses.
    assert 'eegmmidb_s001r04.raw.info["bads"] = ["Fc5.", "Fc3.", "Fc1."]' in text
    assert "mne.Annotations(" in text and "neurodeck.run(" in text
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, str(script), str(out)], capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for entry_id, name in export.outputs.items():
        mine = edited_session.entries[entry_id].dataset
        theirs = Result.load(out / name)
        assert list(theirs["labels"]) == list(mine["labels"])
        # Same code and data in another process: equal to rounding (bit-equal in practice).
        np.testing.assert_allclose(theirs["matrix"], mine["matrix"], rtol=1e-12, atol=1e-15)
        assert theirs.provenance["parameters"] == mine.provenance["parameters"]
        assert theirs.provenance["inputs"][0]["sha256"] == mine.provenance["inputs"][0]["sha256"]


def test_script_is_lint_clean_and_formatted(edited_session, tmp_path):
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    assert Path(ruff).exists(), "ruff is needed (it is in the 'test' extra)"
    script = tmp_path / "analysis.py"
    export_script(edited_session.history, script)
    for args in (["check", "--select", "E,F,W,I,B,UP"], ["format", "--check"]):
        proc = subprocess.run([ruff, *args, "--isolated", "--line-length", "99", str(script)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_script_stops_when_a_raw_file_changed(edited_session, tmp_path, data_dir):
    script = tmp_path / "analysis.py"
    export_script(edited_session.history, script)
    with open(data_dir / "eegmmidb_S001R04.edf", "ab") as fh:
        fh.write(b"\0")
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "sha256 differs" in proc.stderr


def test_closed_and_unused_data_are_left_out(edited_session, tmp_path):
    edited_session.remove(4)
    text = export_script(edited_session.history).text
    assert "nitime" not in text and text.count("neurodeck.run(") == 2


def test_generic_events_and_odd_values_are_valid_python():
    history = [
        {"op": "open", "entry": 1, "path": "/nowhere/traces.csv", "reader": "csv",
         "options": {"sfreq": 5.0}, "name": "traces.csv", "kind": "traces"},
        {"op": "set_annotations", "entry": 1, "onset": [0.5] * 40, "duration": [0.0] * 40,
         "label": ["it's \"q\""] * 40},
        {"op": "run", "entry": 2, "analysis": "x", "inputs": [1],
         "params": {"a": float("nan"), "class": 1, "lst": list(range(60))}},
    ]
    text = export_script(history).text
    compile(text, "x", "exec")
    assert 'float("nan")' in text and '**{"class": 1}' in text
    assert "traces.set_events(" in text and "neurodeck.Events.from_lists(" in text
    assert all(len(line) <= 99 for line in text.splitlines())



def _traces_and_units_nwb(path):
    """An NWB file holding two datasets: dF/F traces of 3 ROIs and 2 units' spike times."""
    from datetime import UTC, datetime

    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.ophys import DfOverF, ImageSegmentation, OpticalChannel, RoiResponseSeries

    nwb = NWBFile(session_description="t", identifier="t",
                  session_start_time=datetime(2024, 1, 1, tzinfo=UTC))
    plane = nwb.create_imaging_plane(
        name="plane", optical_channel=OpticalChannel(name="g", description="g",
                                                     emission_lambda=510.0),
        description="p", device=nwb.create_device(name="scope"), excitation_lambda=920.0,
        indicator="GCaMP6s", location="head", imaging_rate=4.0)
    mod = nwb.create_processing_module(name="ophys", description="o")
    seg = ImageSegmentation()
    mod.add(seg)
    ps = seg.create_plane_segmentation(name="ps", description="p", imaging_plane=plane)
    for i in range(3):
        ps.add_roi(pixel_mask=[(i, i, 1.0)])
    data = np.random.default_rng(2).normal(size=(80, 3))
    mod.add(DfOverF(roi_response_series=RoiResponseSeries(
        name="dff", data=data, unit="a.u.", rate=4.0,
        rois=ps.create_roi_table_region(region=[0, 1, 2], description="a"))))
    nwb.add_unit(spike_times=[0.5, 1.25, 3.0])
    nwb.add_unit(spike_times=[2.0])
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)


def test_a_dataset_of_a_several_dataset_file_is_picked_by_name_strictly(tmp_path):
    """The script picks the analysed dataset of a file that holds several by its name, and
    reproduces the result; the generated pick() stops on a name the file does not hold
    (it never falls back to another dataset)."""
    from neurodeck import api
    from neurodeck.session import Session

    path = tmp_path / "session.nwb"
    _traces_and_units_nwb(path)
    s = Session()
    out = api.open(path)
    assert isinstance(out, list) and len(out) == 2
    origin = {"op": "open", "path": str(path), "reader": None, "options": {}}
    entries = [s.add(ds, origin=origin) for ds in out]
    traces = next(e for e in entries if e.dataset.kind == "traces")
    pm = api.plugin_manager()
    spec = pm.analysis("fc")
    values = spec.schema.resolve({"method": "pearson"})
    result = api.execute(spec, [traces.dataset], values, None, pm.plugin_version(spec.plugin))
    s.add(result, parent=traces.id, origin={"op": "run", "analysis": "fc",
                                            "inputs": [traces.id], "params": dict(values)})
    script = tmp_path / "several.py"
    export = export_script(s.history, script)
    text = script.read_text()
    assert "pick(" in text and text.count("neurodeck.open(") == 1
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (entry_id, name), = export.outputs.items()
    np.testing.assert_allclose(Result.load(tmp_path / "out" / name)["matrix"],
                               s.entries[entry_id].dataset["matrix"], rtol=1e-12)
    namespace: dict = {}
    start = text.index("def pick(")
    exec(compile(text[start:text.index("\n\n\n", start)], "pick", "exec"), namespace)  # noqa: S102

    class Named:
        def __init__(self, name):
            self.name = name

    assert namespace["pick"]([Named("a"), Named("b")], "b").name == "b"
    with pytest.raises(SystemExit, match="no dataset named 'c'"):
        namespace["pick"]([Named("a"), Named("b")], "c")
