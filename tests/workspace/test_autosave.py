"""Autosave writes only when something changed; a dead process's autosave is recoverable."""

import subprocess
import sys

import numpy as np

from neurodeck.data.result import Result
from neurodeck.session import Session
from neurodeck.workspace import load_workspace, recoverable
from neurodeck.workspace.autosave import Autosaver, discard, pid_alive


def test_autosave_only_when_changed(tmp_path):
    s = Session()
    saver = Autosaver(s, tmp_path)
    assert saver.save() is None and not saver.path.exists()  # empty session: nothing
    s.add(Result({"x": np.arange(3.0)}, {"analysis": "t"}),
          origin={"op": "run", "analysis": "t", "inputs": [], "params": {}})
    assert saver.save() == saver.path
    mtime = saver.path.stat().st_mtime_ns
    assert saver.save() is None and saver.path.stat().st_mtime_ns == mtime
    assert recoverable(tmp_path) == []  # this process is alive
    saver.discard()
    assert not saver.path.exists()


def test_a_crashed_process_leaves_a_recoverable_autosave(tmp_path):
    code = (
        "import numpy as np, os, sys\n"
        "from neurodeck.data.result import Result\n"
        "from neurodeck.session import Session\n"
        "from neurodeck.workspace.autosave import Autosaver\n"
        "s = Session()\n"
        "s.add(Result({'x': np.arange(4.0)}, {'analysis': 't'}, name='mine'),\n"
        "      origin={'op': 'run', 'analysis': 't', 'inputs': [], 'params': {}})\n"
        f"Autosaver(s, {str(tmp_path)!r}).save()\n"
        "os._exit(1)  # a crash: no clean-exit discard\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code])
    assert proc.wait(timeout=60) == 1 and not pid_alive(proc.pid)
    found = recoverable(tmp_path)
    assert [f.name for f in found] == [f"autosave-{proc.pid}.ndws"]
    session, restored = load_workspace(found[0])
    assert restored.problems == []
    (entry,) = session.entries.values()
    assert entry.name == "mine"
    np.testing.assert_array_equal(entry.dataset["x"], np.arange(4.0))
    discard(found[0])
    assert recoverable(tmp_path) == []
