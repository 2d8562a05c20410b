"""Library exceptions in user terms.

Parsers fail on crafted bytes with messages written for their developers - an empty
``AssertionError``, ``unpack requires a buffer of 4 bytes``, ``maximum recursion depth
exceeded``. :func:`plain` says what that means for the file, keeping the library's own
text (when it has any) in brackets for a bug report.
"""

from __future__ import annotations

import struct
import zlib

_BY_TYPE: tuple[tuple[type[BaseException], str], ...] = (
    (RecursionError, "its structure is nested too deeply to read (a damaged or crafted file)"),
    (AssertionError, "its header is inconsistent (an internal check of the reader failed)"),
    (struct.error, "it ends in the middle of a header or record (truncated or damaged)"),
    (EOFError, "it ends early (truncated: an interrupted copy or download?)"),
    (zlib.error, "its compressed data are damaged"),
    (UnicodeDecodeError, "a text field holds bytes that are not text in any known encoding"),
    (OverflowError, "a header value is too large to be real"),
    (ZeroDivisionError, "a header field that must not be zero is zero"),
    (IndexError, "a header field points past the end of the data"),
    (MemoryError, "it declares more data than fits in memory"),
)


def plain(exc: BaseException) -> str:
    """What ``exc`` (raised by a reader on this file) means, in words."""
    detail = str(exc).strip()
    for kind, text in _BY_TYPE:
        if isinstance(exc, kind):
            return f"{text} ({type(exc).__name__}: {detail[:200]})" if detail else text
    if not detail:
        return f"the reader failed without saying why ({type(exc).__name__})"
    return f"{detail[:300]} ({type(exc).__name__})"
