#!/usr/bin/env bash
# Build the Linux installers: the PyInstaller one-folder bundle, a tarball, a .deb and an
# AppImage-style AppDir (turned into an .AppImage when appimagetool is on PATH).
#
#   packaging/build-linux.sh            # everything, into packaging/out/
#   packaging/build-linux.sh --bundle   # the one-folder bundle only (what the tests need)
#   packaging/build-linux.sh --check    # everything, then the bundle tests against it
#   packaging/build-linux.sh --package  # tarball/.deb/AppDir from an existing bundle
#
# PYTHON selects the interpreter (default: python3); it needs neurodeck installed and
# PyInstaller + Pillow. Everything works offline.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="$HERE/out"
PYTHON="${PYTHON:-python3}"
MODE="${1:-all}"

VERSION="$("$PYTHON" -c 'from neurodeck._version import __version__; print(__version__)')"
ARCH="$(uname -m)"
DEB_ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
BUNDLE="$OUT/dist/neurodeck"

step() { printf '\n== %s\n' "$*"; }
seconds() { date +%s; }

t0=$(seconds)
if [[ "$MODE" != "--package" ]]; then
    step "PyInstaller one-folder bundle"
    # --clean (no cached analysis) for release artefacts; --bundle (tests) reuses the cache.
    CLEAN="--clean"; [[ "$MODE" == "--bundle" ]] && CLEAN=""
    "$PYTHON" -m PyInstaller --noconfirm $CLEAN --log-level WARN \
        --distpath "$OUT/dist" --workpath "$OUT/build" "$HERE/neurodeck.spec"
fi
t1=$(seconds)
echo "bundle: $BUNDLE ($(du -sh "$BUNDLE" | cut -f1), PyInstaller $((t1 - t0)) s)"
[[ "$MODE" == "--bundle" ]] && exit 0

step "tarball"
TARBALL="$OUT/neurodeck-$VERSION-linux-$ARCH.tar.gz"
tar -C "$OUT/dist" -cf - neurodeck | gzip -6 > "$TARBALL"
echo "$TARBALL ($(du -h "$TARBALL" | cut -f1), $(( $(seconds) - t1 )) s)"

# Desktop entry and icons, shared by the .deb and the AppDir.
ICON_PNG="$OUT/icons/neurodeck.png"
ICON_SVG="$ROOT/resources/icons/neurodeck.svg"
desktop_entry() {  # $1: Exec line
    cat <<EOF
[Desktop Entry]
Type=Application
Name=neurodeck
GenericName=Neuroscience data viewer
Comment=Open neuroscience recordings, images and connectomes; run analyses
Exec=$1 %F
Icon=neurodeck
Terminal=false
Categories=Science;Education;MedicalSoftware;
EOF
}

step ".deb"
DEB_ROOT="$OUT/deb/neurodeck_${VERSION}_${DEB_ARCH}"
rm -rf "$OUT/deb"
mkdir -p "$DEB_ROOT/DEBIAN" "$DEB_ROOT/opt" "$DEB_ROOT/usr/bin" \
    "$DEB_ROOT/usr/share/applications" "$DEB_ROOT/usr/share/icons/hicolor/256x256/apps" \
    "$DEB_ROOT/usr/share/icons/hicolor/scalable/apps"
cp -al "$BUNDLE" "$DEB_ROOT/opt/neurodeck" 2>/dev/null || cp -a "$BUNDLE" "$DEB_ROOT/opt/neurodeck"
ln -s /opt/neurodeck/neurodeck "$DEB_ROOT/usr/bin/neurodeck"
desktop_entry /opt/neurodeck/neurodeck > "$DEB_ROOT/usr/share/applications/neurodeck.desktop"
cp "$ICON_PNG" "$DEB_ROOT/usr/share/icons/hicolor/256x256/apps/neurodeck.png"
cp "$ICON_SVG" "$DEB_ROOT/usr/share/icons/hicolor/scalable/apps/neurodeck.svg"
SIZE_KB="$(du -sk "$DEB_ROOT/opt" | cut -f1)"
# The Qt xcb platform plugin needs these X libraries, which minimal systems lack.
cat > "$DEB_ROOT/DEBIAN/control" <<EOF
Package: neurodeck
Version: $VERSION
Section: science
Priority: optional
Architecture: $DEB_ARCH
Installed-Size: $SIZE_KB
Depends: libc6 (>= 2.28), libgl1, libegl1, libfontconfig1, libdbus-1-3, libxkbcommon0, libxkbcommon-x11-0, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, libxcb-shape0, libxcb-randr0, libxcb-render-util0, libxcb-image0
Maintainer: The neurodeck developers <neurodeck@users.noreply.github.com>
Homepage: https://github.com/neurodeck/neurodeck
Description: Plugin-based desktop app for neuroscience data
 Open EEG/MEG, calcium traces, spikes, fMRI and connectomes; run connectivity,
 RSA, tensor and state-space analyses; view results. Self-contained (bundled
 Python); third-party plugins install per user with "neurodeck install-plugin".
EOF
DEB="$OUT/neurodeck_${VERSION}_${DEB_ARCH}.deb"
dpkg-deb --root-owner-group -Zgzip --build "$DEB_ROOT" "$DEB" >/dev/null
rm -rf "$OUT/deb"
echo "$DEB ($(du -h "$DEB" | cut -f1))"

step "AppDir (AppImage layout)"
APPDIR="$OUT/neurodeck.AppDir"
rm -rf "$APPDIR"
mkdir -p "$APPDIR/usr/share/icons/hicolor/256x256/apps"
cp -al "$BUNDLE" "$APPDIR/usr/neurodeck" 2>/dev/null || cp -a "$BUNDLE" "$APPDIR/usr/neurodeck"
cat > "$APPDIR/AppRun" <<'EOF'
#!/bin/sh
HERE="$(dirname "$(readlink -f "$0")")"
exec "$HERE/usr/neurodeck/neurodeck" "$@"
EOF
chmod +x "$APPDIR/AppRun"
desktop_entry neurodeck > "$APPDIR/neurodeck.desktop"
cp "$ICON_PNG" "$APPDIR/neurodeck.png"
cp "$ICON_PNG" "$APPDIR/usr/share/icons/hicolor/256x256/apps/neurodeck.png"
ln -sf neurodeck.png "$APPDIR/.DirIcon"
echo "$APPDIR"
if command -v appimagetool >/dev/null; then
    APPIMAGE="$OUT/neurodeck-$VERSION-$ARCH.AppImage"
    ARCH="$ARCH" appimagetool --no-appstream "$APPDIR" "$APPIMAGE"
    echo "$APPIMAGE ($(du -h "$APPIMAGE" | cut -f1))"
else
    echo "(appimagetool not on PATH: AppDir only; CI downloads appimagetool to pack it)"
fi

t2=$(seconds)
step "done in $((t2 - t0)) s (bundle $((t1 - t0)) s)"

if [[ "$MODE" == "--check" ]]; then
    step "bundle tests"
    NEURODECK_BUNDLE="$BUNDLE" "$PYTHON" -m pytest -q -p no:cacheprovider \
        "$ROOT/tests/packaging/test_bundle.py"
fi
