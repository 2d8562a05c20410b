"""Reading small text tables the same way in every reader."""

from __future__ import annotations

from pathlib import Path

from .errors import ReadError


def text_lines(path: str | Path) -> list[str]:
    """Non-empty, non-comment (``#``) lines of a text file.

    UTF-8 (with or without BOM), falling back to Latin-1 so odd headers never stop a
    read; binary content is refused with a clear error.
    """
    path = Path(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ReadError(path, "binary content, not a text table")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ReadError(path, "the table has no rows")
    return lines
