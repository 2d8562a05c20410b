#!/usr/bin/env bash
# Build the macOS app and disk image: PyInstaller (.app from the same spec), then a .dmg
# holding neurodeck.app and a link to /Applications.
#
#   PYTHON=python3 packaging/macos/build-macos.sh
#
# Signing and notarisation are optional: set CODESIGN_IDENTITY (a "Developer ID
# Application: ..." identity in the keychain) to sign the app and the image.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PACKAGING="$(dirname "$HERE")"
OUT="$PACKAGING/out"
PYTHON="${PYTHON:-python3}"
VERSION="$("$PYTHON" -c 'from neurodeck._version import __version__; print(__version__)')"
ARCH="$(uname -m)"

t0=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$OUT/dist" --workpath "$OUT/build" "$PACKAGING/neurodeck.spec"
APP="$OUT/dist/neurodeck.app"
echo "app: $APP ($(du -sh "$APP" | cut -f1), built in $(( $(date +%s) - t0 )) s)"

if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$APP"
fi

STAGE="$OUT/dmg"
rm -rf "$STAGE"
mkdir -p "$STAGE"
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="$OUT/neurodeck-$VERSION-macos-$ARCH.dmg"
rm -f "$DMG"
hdiutil create -volname "neurodeck $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
rm -rf "$STAGE"
if [[ -n "${CODESIGN_IDENTITY:-}" ]]; then
    codesign --sign "$CODESIGN_IDENTITY" --timestamp "$DMG"
fi
echo "$DMG ($(du -h "$DMG" | cut -f1))"
