"""Help > About: versions of neurodeck and of the libraries it stands on."""

from __future__ import annotations

import importlib.metadata as md
import platform

from PySide6 import QtCore, QtWidgets

from .._version import __version__

LIBRARIES = ("PySide6-Essentials", "pyqtgraph", "numpy", "scipy", "mne", "nilearn", "nibabel",
             "tensorly", "pluggy", "h5py", "dask")


def versions() -> dict[str, str]:
    out = {"neurodeck": __version__, "Python": platform.python_version(),
           "Qt": QtCore.qVersion()}
    for name in LIBRARIES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            out[name] = "not installed"
    return out


def show_about(parent: QtWidgets.QWidget) -> None:
    rows = "".join(f"<tr><td>{k}</td><td>&nbsp;{v}</td></tr>" for k, v in versions().items())
    QtWidgets.QMessageBox.about(
        parent, "About neurodeck",
        f"<h3>neurodeck {__version__}</h3><p>Open neuroscience recordings and images, run "
        f"modern analyses, and look at the results, reproducibly.</p><table>{rows}</table>")
