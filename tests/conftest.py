"""Test-suite wide set-up: offscreen Qt, an isolated settings folder."""

import os
import tempfile

# Set before any Qt import: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never touch the developer's real settings.
os.environ.setdefault("NEURODECK_CONFIG_DIR", tempfile.mkdtemp(prefix="neurodeck-test-config-"))
