"""A small real session (the bundled EEG sample, edited, with an FC result) for the tests."""

from pathlib import Path

import numpy as np
import pytest

from neurodeck import api
from neurodeck.paths import resource_path
from neurodeck.session import Session

EEG = resource_path("samples", "eegmmidb_S001R04.edf")
ROI = resource_path("samples", "nitime_rest_roi_timeseries.csv")
FC_PARAMS = {"method": "partial", "tmax": 40.0}


def gui_open(session: Session, path: Path, **options):
    """Open a file and record it exactly as MainWindow.open_file does."""
    out = api.open(path, **options)
    origin = {"op": "open", "path": str(path), "reader": None, "options": options}
    entries = [session.add(ds, origin=origin) for ds in (out if isinstance(out, list) else [out])]
    return entries[0]


def gui_run(session: Session, analysis: str, entry_ids: list[int], **params):
    """Run an analysis and record it exactly as MainWindow.run_analysis does."""
    pm = api.plugin_manager()
    spec = pm.analysis(analysis)
    values = spec.schema.resolve(params)
    datasets = [session.entries[i].dataset for i in entry_ids]
    result = api.execute(spec, datasets, values, None, pm.plugin_version(spec.plugin))
    origin = {"op": "run", "analysis": analysis, "inputs": entry_ids, "params": dict(values)}
    return session.add(result, parent=entry_ids[0], origin=origin)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """Copies of the samples in a folder the test may move or change."""
    d = tmp_path / "data"
    d.mkdir()
    for src in (EEG, ROI, ROI.with_suffix(".json")):
        (d / src.name).write_bytes(src.read_bytes())
    return d


@pytest.fixture
def edited_session(data_dir) -> Session:
    """EEG opened, 3 channels marked bad, annotations edited; FC before and after an edit."""
    s = Session()
    eeg = gui_open(s, data_dir / EEG.name)
    rec = eeg.dataset
    gui_run(s, "fc", [eeg.id], **FC_PARAMS)  # before the edit: all channels
    rec.bads = rec.labels[:3]  # the browser writes through like this
    ev = rec.events
    keep = np.arange(len(ev)) % 2 == 0
    rec.set_events(type(ev)(ev.onset[keep] + 0.25, ev.duration[keep],
                            [f"{lab}-edited" for lab, k in zip(ev.label, keep, strict=True) if k]))
    gui_run(s, "fc", [eeg.id], **FC_PARAMS)  # after the edit: 61 channels
    roi = gui_open(s, data_dir / ROI.name)
    gui_run(s, "fc", [roi.id], method="pearson", fisher_z=True)
    return s
