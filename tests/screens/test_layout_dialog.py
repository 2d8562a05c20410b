"""The "How should this file be read?" dialog speaks the user's language and lets several
trace arrays be chosen where the reader can use them (one animal each)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtWidgets

import neurodeck
from neurodeck.gui.layout_dialog import LayoutDialog

pytestmark = pytest.mark.gui
DEVELOPER_WORDS = ("data_key", "neurons_x_time", "time_x_neurons", "sfreq", "describe_layout",
                   "float64", "candidates")


def _ask(path):
    with pytest.raises(neurodeck.LayoutChoiceNeeded) as asked:
        neurodeck.open(path)
    return asked.value


def _visible_text(dialog: QtWidgets.QDialog) -> str:
    parts = []
    for label in dialog.findChildren(QtWidgets.QLabel):
        if label.isVisibleTo(dialog):
            parts.append(label.text())
    for combo in dialog.findChildren(QtWidgets.QComboBox):
        if combo.isVisibleTo(dialog):
            parts += [combo.itemText(i) for i in range(combo.count())]
    table = dialog.table
    parts += [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())
              if not table.isColumnHidden(c)]
    return "\n".join(parts)


def test_question_in_the_users_words_and_details_for_scripts(qtbot, tmp_path,
                                                              neurodeck_plugins):
    rng = np.random.default_rng(0)
    path = tmp_path / "two_animals.npz"
    np.savez(path, first=rng.normal(size=(4, 50)), second=rng.normal(size=(6, 50)))
    dialog = LayoutDialog(_ask(path))
    qtbot.addWidget(dialog)
    dialog.show()
    text = _visible_text(dialog)
    assert "table of traces" in text and "one row per neuron" in text
    assert not [w for w in DEVELOPER_WORDS if w in text], text
    assert dialog.table.item(0, 1).text() == "4 \u00d7 50"
    assert "decimal numbers" in dialog.table.item(0, 2).text()
    assert not dialog.details.isVisible() and "data_key" in dialog.details.text()


def test_several_arrays_open_together_one_animal_each(qtbot, tmp_path, neurodeck_plugins):
    rng = np.random.default_rng(1)
    a, b, c = rng.normal(size=(4, 50)), rng.normal(size=(6, 50)), rng.normal(size=(3, 50))
    path = tmp_path / "animals.npz"
    np.savez(path, first=a, second=b, third=c, sfreq=np.float64(10.0))
    dialog = LayoutDialog(_ask(path))
    qtbot.addWidget(dialog)
    keys = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
    assert dialog.several
    selection = dialog.table.selectionModel()
    dialog.table.clearSelection()
    for key in ("first", "third"):
        index = dialog.table.model().index(keys.index(key), 0)
        selection.select(index, selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
    options = dialog.options()
    assert options["data_key"] == ["first", "third"]
    ds = neurodeck.open(path, **options)
    assert ds.n_animals == 2 and list(ds.animals) == ["first", "third"]
    np.testing.assert_array_equal(ds.arrays[0], a)
    np.testing.assert_array_equal(ds.arrays[1], c)
    # one row chosen: one array, as before
    dialog.table.selectRow(keys.index("second"))
    assert dialog.options()["data_key"] == "second"


def test_time_unit_question_lists_what_each_unit_implies(qtbot, tmp_path, neurodeck_plugins):
    path = tmp_path / "spikes.txt"
    path.write_text("\n".join(str(x) for x in np.sort(np.random.default_rng(2)
                                                      .uniform(0, 5000, 400))))
    dialog = LayoutDialog(_ask(path))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.several
    text = _visible_text(dialog)
    assert "without saying their unit" in text
    assert "s long" in dialog.table.item(1, 3).text()  # what ms would make of the file
    assert [dialog.table.item(r, 0).text() for r in range(3)] == ["s", "ms", "us"]
