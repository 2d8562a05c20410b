"""Reproducible work: workspace files, history replay and export as a Python script.

A workspace (``name.ndws``) is a JSON document beside a folder of result files
(``name.ndws.d/``): datasets are referenced by path and sha256 and re-opened from their
raw files, results are stored as HDF5, and the session's history (structured records
with dataset lineage) is kept so the work can be replayed or exported as a script.
Opening a workspace never executes code: it parses JSON and reads HDF5 arrays.
"""

from .autosave import Autosaver, recoverable
from .format import SUFFIX, WorkspaceError, read_document, results_dir
from .load import Restored, apply, load_workspace, locate_sources, restore
from .locate import Locator, SourceRef
from .replay import Replayer, alive, lineage, needed_records, replay
from .script import ScriptExport, export_script
from .store import save_workspace

__all__ = [
    "SUFFIX", "Autosaver", "Locator", "Replayer", "Restored", "ScriptExport", "SourceRef",
    "WorkspaceError",
    "alive", "apply", "export_script", "lineage", "load_workspace", "locate_sources",
    "needed_records", "read_document", "recoverable", "replay", "restore", "results_dir",
    "save_workspace",
]
