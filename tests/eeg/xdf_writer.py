"""A minimal XDF writer for tests (the XDF 1.0 specification: magic, chunks of FileHeader,
StreamHeader, Samples and StreamFooter), so the reader is tested on files we build with
known content rather than on one sample file."""

from __future__ import annotations

import struct
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

FORMATS = {"float32": "<f4", "double64": "<f8", "int32": "<i4", "int16": "<i2"}


def _varlen(n: int) -> bytes:
    if n < 256:
        return b"\x01" + struct.pack("<B", n)
    if n < 2**32:
        return b"\x04" + struct.pack("<I", n)
    return b"\x08" + struct.pack("<Q", n)


def _chunk(tag: int, content: bytes) -> bytes:
    body = struct.pack("<H", tag) + content
    return _varlen(len(body)) + body


def _header(stream: dict) -> bytes:
    chans = "".join(
        "<channel><label>{}</label><type>{}</type><unit>{}</unit></channel>".format(
            escape(c["label"]), escape(c.get("type", "")), escape(c.get("unit", "")))
        for c in stream.get("channels", []))
    xml = ("<?xml version=\"1.0\"?><info><name>{name}</name><type>{type}</type>"
           "<channel_count>{n}</channel_count><nominal_srate>{srate}</nominal_srate>"
           "<channel_format>{fmt}</channel_format><created_at>0</created_at>"
           "<desc><channels>{chans}</channels></desc></info>").format(
        name=escape(stream["name"]), type=escape(stream["type"]), n=stream["n_channels"],
        srate=stream["srate"], fmt=stream["format"], chans=chans)
    return xml.encode()


def write_xdf(path: Path, streams: list[dict]) -> Path:
    """``streams``: dicts with name, type, format ('float32'... or 'string'), srate, channels
    (label/type/unit dicts), n_channels, and ``samples`` (n x channels array, or a list of
    strings) with ``stamps`` (n time stamps, s)."""
    out = bytearray(b"XDF:")
    out += _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    for sid, s in enumerate(streams, 1):
        out += _chunk(2, struct.pack("<I", sid) + _header(s))
    for sid, s in enumerate(streams, 1):
        body = bytearray(struct.pack("<I", sid))
        samples, stamps = s["samples"], np.asarray(s["stamps"], float)
        body += _varlen(len(stamps))
        for i, t in enumerate(stamps):
            body += b"\x08" + struct.pack("<d", float(t))
            if s["format"] == "string":
                text = str(samples[i]).encode()
                body += _varlen(len(text)) + text
            else:
                body += np.asarray(samples[i], dtype=FORMATS[s["format"]]).tobytes()
        out += _chunk(3, bytes(body))
    for sid, s in enumerate(streams, 1):  # clock offsets (zero): the streams share a clock
        stamps = np.asarray(s["stamps"], float)
        for t in (stamps[0], stamps[-1]) if len(stamps) else ():
            out += _chunk(4, struct.pack("<I", sid) + struct.pack("<dd", float(t), 0.0))
    for sid, s in enumerate(streams, 1):
        stamps = np.asarray(s["stamps"], float)
        first = stamps[0] if len(stamps) else 0
        last = stamps[-1] if len(stamps) else 0
        footer = (f'<?xml version="1.0"?><info><first_timestamp>{first}</first_timestamp>'
                  f"<last_timestamp>{last}</last_timestamp>"
                  f"<sample_count>{len(stamps)}</sample_count>"
                  "<clock_offsets></clock_offsets></info>")
        out += _chunk(6, struct.pack("<I", sid) + footer.encode())
    Path(path).write_bytes(bytes(out))
    return Path(path)
