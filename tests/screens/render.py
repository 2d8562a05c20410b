"""Render every view and dialog of the built-in plugins in a 1366x768 main window, save
the PNGs and audit them (run in its own process: the screen's size and pixel ratio are
fixed when Qt starts).

    python tests/screens/render.py OUT_DIR [--case NAME ...]

Writes OUT_DIR/*.png and OUT_DIR/report.json: {"screen": ..., "dpr": ..., "shots":
[{"name", "file", "defects": [...]}], "errors": [...]}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _settle(app, rounds: int = 6) -> None:
    from PySide6 import QtCore

    for _ in range(rounds):
        app.processEvents(QtCore.QEventLoop.AllEvents, 50)
        time.sleep(0.02)


def _tabs_of(widget):
    """Every QTabWidget inside ``widget`` (a view's pages), outermost first."""
    from PySide6 import QtWidgets

    found = [widget] if isinstance(widget, QtWidgets.QTabWidget) else []
    return found + widget.findChildren(QtWidgets.QTabWidget)


def shoot_views(app, window, out: Path, only, shots, errors, timings) -> None:
    from gallery import cases

    views = {v.id: v for v in window.pm.contributions("views")}
    for case, build in cases(window.pm, only):
        t0 = time.monotonic()
        built = _guarded(build, errors, f"building {case}")
        timings[f"build {case}"] = round(time.monotonic() - t0, 2)
        for k, (view_id, ds) in enumerate(built):
            name = f"{case}-{k}-{view_id or 'arrays'}"
            try:
                shoot_one(app, window, out, name, views[view_id] if view_id else None, ds,
                          shots, errors)
            except Exception:  # noqa: BLE001 - every case reports, one failing stops none
                errors.append(f"{name}: {traceback.format_exc()}")


def shoot_one(app, window, out, name, view, ds, shots, errors) -> None:
    from neurodeck.gui.widgets import audit

    entry = window.session.add(ds)
    widget = window.show_entry(entry.id, view)
    _settle(app)
    inner = getattr(widget, "view", widget)
    if view is not None and type(inner).__module__.startswith("neurodeck.gui.views"):
        errors.append(f"{name}: view {view.id} fell back to {type(inner).__name__}")
    pages = [t for t in _tabs_of(inner) if t.count() > 1]
    tab_widget = pages[0] if pages else None
    for i in range(tab_widget.count() if tab_widget is not None else 1):
        label = name
        if tab_widget is not None:
            tab_widget.setCurrentIndex(i)
            label = f"{name}-tab{i}-{_slug(tab_widget.tabText(i))}"
        _settle(app)
        file = out / f"{label}.png"
        window.grab().save(str(file))
        defects = [str(d) for d in audit.audit(widget)]
        shots.append({"name": label, "file": file.name, "defects": defects,
                      "view": view.id if view is not None else type(inner).__name__,
                      "pixels": [int(window.grab().width()), int(window.grab().height())]})
    window.tabs.removeTab(window.tabs.indexOf(widget))
    widget.deleteLater()


def _guarded(fn, errors, what):
    try:
        return fn()
    except Exception:  # noqa: BLE001
        errors.append(f"{what}: {traceback.format_exc()}")
        return []


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text)[:30]


def dialogs(window):
    """(name, dialog) for every dialog a user meets: each analysis' and transform's
    parameters, the reader's questions, batch, plugins, preferences, help."""
    from neurodeck.errors import LayoutChoiceNeeded
    from neurodeck.gui.batch_dialog import BatchDialog
    from neurodeck.gui.help_dialog import HelpDialog
    from neurodeck.gui.layout_dialog import LayoutDialog
    from neurodeck.gui.param_dialog import ParamDialog
    from neurodeck.gui.plugin_dialog import PluginDialog
    from neurodeck.gui.prefs_dialog import PrefsDialog

    pm = window.pm
    for spec in [*pm.contributions("analyses"), *pm.contributions("transforms")]:
        yield f"params-{spec.id}", lambda spec=spec: ParamDialog(spec, [], parent=window)
    arrays = [{"key": f"animal{k}/traces", "shape": [120, 6000], "dtype": "float32",
               "role": "traces"} for k in range(3)] + [
        {"key": "animal0/dff", "shape": [120, 6000], "dtype": "float32", "role": "traces"}]
    layouts = {
        "layout-arrays": LayoutChoiceNeeded("/data/session1/animals.h5",
                                            "several 2-D arrays could be the traces",
                                            "data_key", arrays),
        "layout-rate": LayoutChoiceNeeded("/data/rec.npy", "the file does not record its "
                                          "sampling rate", "sfreq", []),
        "layout-time-unit": LayoutChoiceNeeded(
            "/data/spikes.txt", "4000 spike times (one column) but no unit", "time_unit",
            [{"key": u, "shape": [4000], "dtype": "spike times", "role": f"{u}"}
             for u in ("s", "ms", "us")]),
    }
    for name, err in layouts.items():
        yield name, lambda err=err: LayoutDialog(err, window)
    yield "batch", lambda: BatchDialog(window)
    yield "plugins", lambda: PluginDialog(pm, window)
    yield "preferences", lambda: PrefsDialog(window.settings, window)
    for page in ("manual", "shortcuts", "files"):
        yield f"help-{page}", lambda page=page: HelpDialog(window, page)


def shoot_dialogs(app, window, out: Path, shots, errors) -> None:
    from neurodeck.gui.widgets import audit

    screen = app.primaryScreen().availableGeometry()
    for name, make in dialogs(window):
        try:
            dialog = make()
            dialog.show()
            dialog.adjustSize()
            _settle(app, 3)
            file = out / f"dialog-{name}.png"
            dialog.grab().save(str(file))
            defects = [str(d) for d in audit.larger_than_screen(dialog, screen)]
            defects += [str(d) for d in audit.audit(dialog)]
            shots.append({"name": f"dialog-{name}", "file": file.name, "defects": defects,
                          "size": [dialog.width(), dialog.height()]})
            dialog.close()
            dialog.deleteLater()
        except Exception:  # noqa: BLE001
            errors.append(f"dialog {name}: {traceback.format_exc()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--case", action="append", default=None)
    parser.add_argument("--no-dialogs", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    from neurodeck import api
    from neurodeck.gui.app import create_app
    from neurodeck.gui.main_window import MainWindow
    from neurodeck.plugin_api.manager import PluginManager

    app = create_app(["neurodeck-screens"])
    pm = PluginManager()
    pm.discover()
    api.set_plugin_manager(pm)
    window = MainWindow(pm)
    window.ask_unsaved = lambda text: "discard"
    screen = app.primaryScreen()
    window.setGeometry(screen.availableGeometry())
    window.show()
    _settle(app)
    shots: list[dict] = []
    errors: list[str] = []
    timings: dict[str, float] = {}
    shoot_views(app, window, args.out, args.case, shots, errors, timings)
    if not args.no_dialogs:
        shoot_dialogs(app, window, args.out, shots, errors)
    geo = screen.geometry()
    report = {"screen": [geo.width(), geo.height()], "dpr": screen.devicePixelRatio(),
              "window": [window.width(), window.height()], "shots": shots, "errors": errors,
              "timings": timings}
    (args.out / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    window.close()
    return 0


if __name__ == "__main__":
    import os

    os._exit(main())  # skip interpreter teardown (PySide6 exit-time aborts, see shared/)
