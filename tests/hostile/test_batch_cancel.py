"""Batch limits (issue 17, item 11): one hanging input cannot block a batch forever."""

import csv
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

PLUGIN = """
    import time

    import numpy as np
    from neurodeck.plugin_api import Analysis, hookimpl


    def run(inputs, params, progress):
        if "hang" in inputs[0].name:
            while True:  # a reader or analysis stuck on this input
                time.sleep(0.05)
        return {"mean": np.asarray(inputs[0].get_data().mean())}


    @hookimpl
    def neurodeck_analyses():
        return [Analysis(id="maybe-hang", title="t", description="d",
                         accepts=("timeseries",), run="hang_plugin:run",
                         outputs={"mean": "mean"})]
"""


@pytest.mark.slow
def test_a_hanging_input_times_out_and_the_others_finish(tmp_path):
    site = tmp_path / "site"
    (site / "hang_plugin").mkdir(parents=True)
    (site / "hang_plugin" / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    info = site / "hang_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: hang-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[neurodeck.plugins]\nhang = hang_plugin\n")
    data = tmp_path / "in"
    data.mkdir()
    for name in ("a_ok", "b_hang", "c_ok"):
        t = np.arange(50) / 10
        np.savetxt(data / f"{name}.csv", np.column_stack([t, np.ones((50, 2))]),
                   delimiter=",", header="time,x,y", comments="")
    env = {**os.environ, "PYTHONPATH": str(site), "NEURODECK_CONFIG_DIR": str(tmp_path / "c")}
    proc = subprocess.run([sys.executable, "-m", "neurodeck", "batch", "maybe-hang",
                           "--inputs", str(data / "*.csv"), "--out", str(tmp_path / "out"),
                           "--workers", "2", "--timeout", "8", "-q"], env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 1, proc.stderr[-2000:]  # one input failed
    with open(tmp_path / "out" / "summary.csv", newline="") as fh:
        rows = {os.path.basename(r["input"]): r for r in csv.DictReader(fh)}
    assert rows["a_ok.csv"]["status"] == "ok" and rows["c_ok.csv"]["status"] == "ok"
    assert rows["b_hang.csv"]["status"] == "failed"
    assert "timed out after 8 s" in rows["b_hang.csv"]["error"]
