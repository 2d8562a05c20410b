"""Start-up without a usable display: a clear message and exit 3, never Qt's abort."""

import os
import subprocess
import sys

import pytest

from neurodeck.gui import display

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 check")


def _start(env_changes):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM",
                                                            "WAYLAND_DISPLAY")}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-m", "neurodeck"], env=env, capture_output=True,
                          text=True, timeout=60)


def test_no_display_says_so_and_how_to_run_offscreen(tmp_path):
    proc = _start({"NEURODECK_CONFIG_DIR": str(tmp_path)})
    assert proc.returncode == 3, proc.stderr
    assert "no display" in proc.stderr and "QT_QPA_PLATFORM=offscreen" in proc.stderr


def test_missing_xcb_libraries_are_named_with_their_package(monkeypatch):
    monkeypatch.setenv("DISPLAY", ":99")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    real = display.ctypes.CDLL

    def fake(name, *a, **kw):
        if name == "libxcb-icccm.so.4":
            raise OSError("cannot open shared object file")
        return real(name, *a, **kw) if name not in display.XCB_LIBRARIES else None

    monkeypatch.setattr(display.ctypes, "CDLL", fake)
    why = display.problem()
    assert "libxcb-icccm4" in why and "apt install" in why and "offscreen" in why
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert display.problem() is None
