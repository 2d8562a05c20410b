"""Can a window be shown here? Checked before Qt starts, because Qt aborts the process
(exit 134) when its platform plugin cannot load, with a message that names the wrong
library. The check names what is missing and how to run without a screen."""

from __future__ import annotations

import ctypes
import os
import sys

#: Libraries Qt 6's xcb platform plugin loads (Debian/Ubuntu package in brackets).
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
}
OFFSCREEN_HINT = ("To run without a screen (servers, CI), set QT_QPA_PLATFORM=offscreen, "
                  "or start a virtual screen (Xvfb :99 & export DISPLAY=:99).")


def problem() -> str | None:
    """Why a window cannot be shown here (a message for the user), or None."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if platform and platform not in ("xcb",):
        return None  # offscreen, wayland, vnc...: Qt's own checks are enough
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not os.environ.get("DISPLAY"):
        return ("neurodeck cannot open a window: there is no display (DISPLAY is not set). "
                + OFFSCREEN_HINT)
    missing = []
    for lib, package in XCB_LIBRARIES.items():
        try:
            ctypes.CDLL(lib)
        except OSError:
            missing.append(package)
    if missing:
        return ("neurodeck cannot open a window: Qt's X11 (xcb) platform needs system "
                f"libraries that are missing: {', '.join(missing)}. On Debian/Ubuntu: "
                f"sudo apt install {' '.join(missing)}. " + OFFSCREEN_HINT)
    return None
