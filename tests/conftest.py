"""Test-suite wide set-up: offscreen Qt, an isolated settings folder."""

import os
import tempfile

# Set before any Qt import: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the developer's real settings.
os.environ.setdefault("NEURODECK_CONFIG_DIR", tempfile.mkdtemp(prefix="neurodeck-test-config-"))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_blocking_unsaved_prompt(monkeypatch, request):
    """Closing a window with unsaved work asks Save/Discard/Cancel in a modal box; in tests
    (offscreen, nobody to click) the answer is Discard unless a test sets its own."""
    if "qtbot" not in request.fixturenames:
        return
    from neurodeck.gui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "ask_unsaved", lambda self, text: "discard")
