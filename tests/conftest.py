"""Test-suite wide set-up: offscreen Qt, an isolated settings folder."""

import os
import tempfile

# Set before any Qt import: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the developer's real settings.
os.environ.setdefault("NEURODECK_CONFIG_DIR", tempfile.mkdtemp(prefix="neurodeck-test-config-"))


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_blocking_prompts(monkeypatch, request):
    """Closing a window with unsaved work asks Save/Discard/Cancel, and a file over the
    memory budget or pointing outside its folder asks Yes/No, in modal boxes; in tests
    (offscreen, nobody to click) the answers are Discard and No (the safe one) unless a
    test sets its own."""
    if "qtbot" not in request.fixturenames:
        return
    from neurodeck.gui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "ask_unsaved", lambda self, text: "discard")
    monkeypatch.setattr(MainWindow, "ask_consent", lambda self, text: "no")
