"""The browser's keyboard map: mne-qt-browser's keys, plus a few of ours.

MNE users' habits carry over: the keys that mne-qt-browser 0.7.5 binds for raw data
(``_pg_figure.py``, ``keyboard_shortcuts``) do the same here, described in its own words:
arrows scroll (Shift: a full page), Home/End shorten/lengthen the window, PgUp/PgDn show
one more/fewer channel (Shift: ten), ``+``/``-`` amplitude, ``a`` annotations, ``b``
butterfly, ``d`` DC removal, ``l`` antialiasing, ``o`` overview bar, ``s`` scale bars,
``z`` zen mode, ``?`` help. Keys mne-qt-browser leaves free carry our own actions
(Ctrl+Home/End, ``[``/``]``, ``h``, ``f``, Delete). :func:`shortcuts` lists them all for
the Help menu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6 import QtCore

Qt = QtCore.Qt
SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier
#: Modifiers that decide a binding (keypad and group switches do not).
DECIDING = SHIFT | CTRL | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


@dataclass(frozen=True)
class Binding:
    """``keys`` (Qt key, modifiers) pairs that run ``action(view)``; ``text`` names them
    for people ("Shift+→")."""

    keys: tuple[tuple[Any, Any], ...]
    text: str
    description: str
    action: Callable[[Any], None]
    mne: bool = True  # also what mne-qt-browser does with this key


def _k(*pairs) -> tuple:
    return tuple(pairs)


BINDINGS: tuple[Binding, ...] = (
    Binding(_k((Qt.Key_Left, NONE)), "\u2190", "Scroll left (\u00bc page)",
            lambda v: v.scroll_time(-0.25)),
    Binding(_k((Qt.Key_Right, NONE)), "\u2192", "Scroll right (\u00bc page)",
            lambda v: v.scroll_time(0.25)),
    Binding(_k((Qt.Key_Left, SHIFT)), "Shift+\u2190", "Scroll left (full page)",
            lambda v: v.scroll_time(-1.0)),
    Binding(_k((Qt.Key_Right, SHIFT)), "Shift+\u2192", "Scroll right (full page)",
            lambda v: v.scroll_time(1.0)),
    Binding(_k((Qt.Key_Up, NONE)), "\u2191", "Scroll up (full page)",
            lambda v: v.scroll_rows(-1.0)),
    Binding(_k((Qt.Key_Down, NONE)), "\u2193", "Scroll down (full page)",
            lambda v: v.scroll_rows(1.0)),
    Binding(_k((Qt.Key_Home, NONE)), "Home", "Decrease duration (\u00bc page)",
            lambda v: v.change_span(-0.2)),
    Binding(_k((Qt.Key_End, NONE)), "End", "Increase duration (\u00bc page)",
            lambda v: v.change_span(0.25)),
    Binding(_k((Qt.Key_PageUp, NONE)), "Page up", "Increase shown channels (1)",
            lambda v: v.change_n_visible(1)),
    Binding(_k((Qt.Key_PageUp, SHIFT)), "Shift+Page up", "Increase shown channels (10)",
            lambda v: v.change_n_visible(10)),
    Binding(_k((Qt.Key_PageDown, NONE)), "Page down", "Decrease shown channels (1)",
            lambda v: v.change_n_visible(-1)),
    Binding(_k((Qt.Key_PageDown, SHIFT)), "Shift+Page down", "Decrease shown channels (10)",
            lambda v: v.change_n_visible(-10)),
    Binding(_k((Qt.Key_Minus, NONE)), "-", "Decrease Scale",
            lambda v: v.scale_all(1.25)),
    Binding(_k((Qt.Key_Plus, NONE), (Qt.Key_Plus, SHIFT), (Qt.Key_Equal, NONE)), "+ or =",
            "Increase Scale", lambda v: v.scale_all(0.8)),
    Binding(_k((Qt.Key_A, NONE)), "a", "Toggle Annotation Tool",
            lambda v: v.set_annotating(not v.annotating)),
    Binding(_k((Qt.Key_A, SHIFT)), "Shift+a", "Toggle Annotations visible",
            lambda v: v.set_annotations_visible(not v.annotations_visible)),
    Binding(_k((Qt.Key_B, NONE)), "b", "Toggle Butterfly", lambda v: v.toggle_butterfly()),
    Binding(_k((Qt.Key_D, NONE)), "d", "Toggle DC Correction",
            lambda v: v.set_remove_dc(not v.remove_dc)),
    Binding(_k((Qt.Key_L, NONE)), "l", "Toggle Antialiasing",
            lambda v: v.set_antialias(not v.antialias)),
    Binding(_k((Qt.Key_O, NONE)), "o", "Toggle Overview Bar",
            lambda v: v.set_overview_visible(not v.overview.isVisible())),
    Binding(_k((Qt.Key_S, NONE)), "s", "Toggle Scalebars",
            lambda v: v.set_scalebars_visible(not v.scalebars_visible)),
    Binding(_k((Qt.Key_Z, NONE)), "z", "Toggle Zen Mode",
            lambda v: v.set_zen(not v.zen)),
    Binding(_k((Qt.Key_Question, NONE), (Qt.Key_Question, SHIFT)), "?", "Show Help",
            lambda v: v.show_help()),
    # Ours: keys mne-qt-browser leaves free.
    Binding(_k((Qt.Key_Home, CTRL)), "Ctrl+Home", "Go to the start", lambda v: v.set_window(0.0),
            mne=False),
    Binding(_k((Qt.Key_End, CTRL)), "Ctrl+End", "Go to the end",
            lambda v: v.set_window(v.duration), mne=False),
    Binding(_k((Qt.Key_BracketLeft, NONE)), "[", "Zoom in (half the window, same centre)",
            lambda v: v.zoom_time(0.5), mne=False),
    Binding(_k((Qt.Key_BracketRight, NONE)), "]", "Zoom out (twice the window, same centre)",
            lambda v: v.zoom_time(2.0), mne=False),
    Binding(_k((Qt.Key_H, NONE)), "h", "Toggle heatmap", lambda v: v.toggle_heatmap(),
            mne=False),
    Binding(_k((Qt.Key_F, NONE)), "f", "Toggle the display filter",
            lambda v: v.set_filter_enabled(not v.filter_enabled), mne=False),
    Binding(_k((Qt.Key_Delete, NONE), (Qt.Key_Backspace, NONE)), "Delete",
            "Delete the selected annotation", lambda v: v.delete_selected_annotation(),
            mne=False),
)

#: Mouse gestures, listed with the keys in the help.
MOUSE: tuple[tuple[str, str], ...] = (
    ("Wheel", "Scroll in time"),
    ("Ctrl+wheel", "Zoom in time"),
    ("Click a trace", "Mark or unmark the channel as bad"),
    ("Drag (annotation tool on)", "Add an annotation, also inside an existing one"),
    ("Shift+drag an annotation", "Move it (undoable; the status bar says so)"),
    ("Drag an annotation's edge", "Resize it"),
    ("Double-click an annotation", "Rename it"),
    ("Right-click an annotation", "Rename or delete it"),
    ("Click the overview bar", "Jump there"),
)


def find(key: Any, modifiers: Any) -> Binding | None:
    """The binding for a key press, or None."""
    mods = modifiers & DECIDING
    for binding in BINDINGS:
        for k, m in binding.keys:
            if k == key and m == mods:
                return binding
    return None


def shortcuts() -> list[tuple[str, str]]:
    """(keys, what they do) for every key and mouse gesture, in help order."""
    return [(b.text, b.description) for b in BINDINGS] + list(MOUSE)


def help_dialog(parent: Any, rows: list[tuple[str, str]]) -> Any:
    """A non-modal window listing ``rows`` (keys, what they do)."""
    from PySide6 import QtWidgets

    dlg = QtWidgets.QDialog(parent)
    dlg.setWindowTitle("Browser: keys and mouse")
    table = QtWidgets.QTableWidget(len(rows), 2)
    table.setHorizontalHeaderLabels(["Keys", "Action"])
    for r, (keys_text, what) in enumerate(rows):
        table.setItem(r, 0, QtWidgets.QTableWidgetItem(keys_text))
        table.setItem(r, 1, QtWidgets.QTableWidgetItem(what))
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
    QtWidgets.QVBoxLayout(dlg).addWidget(table)
    dlg.resize(520, 560)
    dlg.show()
    return dlg
