"""Killing the process in the middle of saving never damages the previous workspace.

A child process saves a changing session to the same workspace in a tight loop; the
test kills it (SIGKILL / TerminateProcess) at a random moment, 25 times, and after each
kill checks that the workspace file parses and that every result it names opens with
exactly the arrays it was saved with.
"""

import random
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from neurodeck.data.result import Result
from neurodeck.session import Session
from neurodeck.workspace import read_document, results_dir, save_workspace

CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    from neurodeck.data.result import Result
    from neurodeck.session import Session
    from neurodeck.workspace import save_workspace

    def result(i):
        x = np.random.default_rng(i).normal(size=(400, 400))  # 1.3 MB: saves take a while
        return Result({"x": x, "i": np.array(i)}, {"analysis": "t"}, name=f"r{i}")

    path, start = sys.argv[1], int(sys.argv[2])
    s = Session()
    for i in range(start, start + 100000):
        s.add(result(i), origin={"op": "run", "analysis": "t", "inputs": [], "params": {}})
        if len(s.entries) > 3:
            s.remove(min(s.entries))
        print("begin", i, flush=True)
        save_workspace(s, path)
        print("end", i, flush=True)
""")


def _check_intact(path) -> set[int]:
    doc = read_document(path)
    seen = set()
    for e in doc["entries"]:
        res = Result.load(results_dir(path) / e["result"])
        i = int(res["i"])
        assert e["name"] == f"r{i}"
        np.testing.assert_array_equal(res["x"], np.random.default_rng(i).normal(size=(400, 400)))
        seen.add(i)
    assert len(doc["entries"]) >= 1
    return seen


@pytest.mark.slow
def test_previous_workspace_survives_kills_mid_save(tmp_path):
    path = tmp_path / "w.ndws"
    child = tmp_path / "saver.py"
    child.write_text(CHILD)
    s = Session()
    s.add(Result({"x": np.random.default_rng(0).normal(size=(400, 400)), "i": np.array(0)},
                 {"analysis": "t"}, name="r0"))
    save_workspace(s, path)
    rng = random.Random(8)
    mid_save, replaced = 0, 0
    for k in range(25):
        proc = subprocess.Popen([sys.executable, str(child), str(path), str((k + 1) * 1000)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().startswith("begin")  # it is saving now
        seen = []
        if k % 2:  # every other child first completes a save, however loaded the machine
            while not (seen and seen[-1].startswith("end")):
                seen.append(proc.stdout.readline())
        # Sleep a random while, a few saves long, then kill without warning.
        time.sleep(rng.uniform(0.0, 0.3))
        proc.kill()
        lines = seen + (proc.stdout.read() or "").split("\n")
        proc.wait()
        last = [ln for ln in lines if ln][-1:] or ["begin"]
        mid_save += last[0].startswith("begin")
        replaced += max(_check_intact(path)) >= (k + 1) * 1000  # this child's save
    # The kills really landed inside saves, and saves really replaced the file.
    assert mid_save >= 10, mid_save
    assert replaced >= 5, replaced
