"""The connectivity result as a labelled heatmap (reusing the shell's matrix widget)."""

from __future__ import annotations

from neurodeck.data import Result
from neurodeck.gui.widgets.matrix import MatrixHeatmap


class ConnectivityView(MatrixHeatmap):
    def __init__(self, result: Result, parent=None):
        method = result.provenance.get("parameters", {}).get("method", "pearson")
        z = result.provenance.get("parameters", {}).get("fisher_z", False)
        unit = "z" if z else ("partial r" if method == "partial" else "r")
        matrix = result["matrix"]
        limit = 1.0 if not z else float(max(abs(matrix[abs(matrix) < 1e6]).max(), 1e-9))
        super().__init__(matrix, [str(x) for x in result["labels"]], parent=parent,
                         symmetric=True, levels=(-limit, limit), value_name=unit,
                         title=result.name)
