"""Starting the GUI: the QApplication, the style, the main window, the first files."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from PySide6 import QtCore, QtGui, QtWidgets

from .. import api
from ..paths import resource_path


def create_app(argv: Sequence[str] | None = None) -> QtWidgets.QApplication:
    app = QtWidgets.QApplication.instance()
    if app is None:
        QtCore.QCoreApplication.setOrganizationName("neurodeck")
        QtCore.QCoreApplication.setApplicationName("neurodeck")
        app = QtWidgets.QApplication(list(argv or ["neurodeck"]))
    icon = resource_path("icons", "neurodeck.svg")
    if icon.exists():
        app.setWindowIcon(QtGui.QIcon(str(icon)))
    style = resource_path("style.qss")
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    return app


def build_window(files: Sequence[str] = (), *, safe_mode: bool = False, open_sample: bool = True):
    """Create the main window and queue the first files (or the sample) to open."""
    from .main_window import MainWindow
    from .prefs_dialog import pref

    pm = api.plugin_manager(safe_mode=safe_mode)
    window = MainWindow(pm)
    if safe_mode:
        window.setWindowTitle("neurodeck (safe mode)")

    def first_files() -> None:
        if files:
            for f in files:
                window.open_file(f)
        elif open_sample and pref(pm.settings, "open_sample_at_start"):
            samples = pm.contributions("sample_data")
            preferred = [s for s in samples if s.kind == "recording"] or samples
            if preferred:
                window.open_sample(preferred[0])

    # After the window is shown: opening (and importing MNE) never delays start-up.
    QtCore.QTimer.singleShot(0, window, first_files)
    QtCore.QTimer.singleShot(0, window, _warm_probe)
    return window


def main(argv: Sequence[str] | None = None, *, safe_mode: bool = False) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--safe-mode" in args:
        args.remove("--safe-mode")
        safe_mode = True
    from .display import problem

    why = problem()
    if why:  # Qt would abort (exit 134) with a misleading message: say what is wrong
        print(f"neurodeck: error: {why}", file=sys.stderr)
        return 3
    _log_to_file()
    app = create_app([sys.argv[0], *args])
    window = build_window([a for a in args if not a.startswith("-")], safe_mode=safe_mode)
    window.show()
    if os.environ.get("NEURODECK_QUIT_AFTER_MS"):  # smoke tests and the start-up benchmark
        QtCore.QTimer.singleShot(int(os.environ["NEURODECK_QUIT_AFTER_MS"]), app.quit)
    if os.environ.get("NEURODECK_QUIT_WHEN_IDLE"):  # smoke tests: once the first files opened
        _quit_when_idle(app, window)
    code = app.exec()
    window.deleteLater()
    return int(code)


def _warm_probe() -> None:
    """Start the worker that opens untrusted files first (in the background), so the first
    file the user opens does not wait for it to start."""
    from ..safety import policy, probe

    if policy.current().probe:
        probe.warm_up()


def _quit_when_idle(app, window) -> None:
    """Quit as soon as the first files have opened (no job active after one ran)."""
    timer = QtCore.QTimer(window)
    timer.setInterval(100)

    def check() -> None:
        if window.jobs.jobs and not window.jobs.active_jobs():
            timer.stop()
            app.quit()

    timer.timeout.connect(check)
    timer.start()


def log_path():
    """Where the app's log file is (shown in Help > Where Files Live)."""
    from ..settings import config_dir

    return config_dir() / "logs" / "neurodeck.log"


def _log_to_file() -> None:
    """Keep the log panel's messages on disk too (1 MB x 3 files)."""
    import contextlib
    import logging
    from logging.handlers import RotatingFileHandler

    with contextlib.suppress(OSError):  # a read-only home must not stop the app
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3,
                                      encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                               "%(message)s"))
        logging.getLogger("neurodeck").addHandler(handler)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
