"""Render the app icon (resources/icons/neurodeck.svg) to PNG, ICO and ICNS.

PyInstaller wants ``.ico`` (Windows) and ``.icns`` (macOS); Linux desktop files use the
PNG. Rendered with Qt's SVG renderer (offscreen), packed with Pillow.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "neurodeck.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def make_icons(out: Path) -> dict[str, Path]:
    """Write neurodeck.png (256 px), neurodeck.ico and neurodeck.icns under ``out``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6 import QtCore, QtGui, QtSvg

    _app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication([])
    out.mkdir(parents=True, exist_ok=True)
    renderer = QtSvg.QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise RuntimeError(f"cannot render {SVG}")
    pngs = {}
    for size in SIZES:
        image = QtGui.QImage(size, size, QtGui.QImage.Format_ARGB32)
        image.fill(QtCore.Qt.transparent)
        painter = QtGui.QPainter(image)
        renderer.render(painter)
        painter.end()
        path = out / f"neurodeck-{size}.png"
        image.save(str(path))
        pngs[size] = path
    big = Image.open(pngs[512])
    paths = {"png": out / "neurodeck.png", "ico": out / "neurodeck.ico",
             "icns": out / "neurodeck.icns"}
    Image.open(pngs[256]).save(paths["png"])
    big.save(paths["ico"], sizes=[(s, s) for s in SIZES if s <= 256])
    big.save(paths["icns"])
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "packaging" / "out" / "icons"
    for kind, path in make_icons(target).items():
        print(kind, path)
