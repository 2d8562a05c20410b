"""Export a session's history as a formatted, runnable Python script.

The script uses neurodeck's public API (``neurodeck.open``, ``neurodeck.run``,
``Result.save``) and MNE's where the step is MNE's (bad channels and annotations of
recordings are set on the ``mne.io.Raw`` directly). Only the lineage of the entries
alive at the end is written: what was opened and closed without use is left out.
"""

from __future__ import annotations

import datetime as _dt
import keyword
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..hashing import file_sha256
from ..session import EDIT_OPS
from .replay import needed_records

WIDTH = 99
INDENT = "    "


@dataclass
class ScriptExport:
    """The script's text and the result file it writes for each entry (entry id -> name)."""

    text: str
    outputs: dict[int, str] = field(default_factory=dict)


def export_script(history: Sequence[Mapping[str, Any]], path: str | Path | None = None, *,
                  targets: Iterable[int] | None = None,
                  paths: Mapping[str, str] | None = None) -> ScriptExport:
    """Build the script (and write it to ``path`` if given). ``paths`` maps saved raw
    file paths to where they are now."""
    out = _Writer(needed_records(history, targets), dict(paths or {}), history).build()
    compile(out.text, str(path or "<export>"), "exec")  # a bug here must not reach the user
    if path is not None:
        from ..atomic import write_text_atomic

        write_text_atomic(path, out.text)
    return out


class _Writer:
    def __init__(self, records: list[dict[str, Any]], paths: dict[str, str],
                 history: Sequence[Mapping[str, Any]]):
        self.records = records
        self.paths = paths
        self.var: dict[int, str] = {}
        self.kind: dict[int, str] = {}
        self.taken: set[str] = {"neurodeck", "mne", "sys", "hashlib", "Path", "OUT", "HERE",
                                "check", "pick"}
        # A file opened by several records holds several datasets (or was opened twice):
        # those are picked by name.
        counts: dict[tuple, int] = {}
        for rec in history:
            if rec["op"] == "open":
                k = self._key(rec)
                counts[k] = counts.get(k, 0) + 1
        self.multi = {k for k, n in counts.items() if n > 1}
        self.files: dict[str, str] = {}  # path -> constant name

    @staticmethod
    def _key(rec: Mapping[str, Any]) -> tuple:
        return (rec["path"], rec.get("reader"), repr(sorted((rec.get("options") or {}).items())))

    # -- names ------------------------------------------------------------------------
    def _name(self, base: str, upper: bool = False) -> str:
        s = re.sub(r"\W+", "_", base.rsplit(".", 1)[0] if "." in base else base).strip("_")
        s = (s.upper() if upper else s.lower()) or ("DATA" if upper else "data")
        if s[0].isdigit() or keyword.iskeyword(s):
            s = ("D_" if upper else "d_") + s
        name, n = s, 2
        while name in self.taken:
            name, n = f"{s}_{n}", n + 1
        self.taken.add(name)
        return name

    # -- the script -----------------------------------------------------------------------
    def build(self) -> ScriptExport:
        body: list[str] = []
        outputs: dict[int, str] = {}
        for step, rec in enumerate(self.records, 1):
            op = rec["op"]
            if op == "open":
                body += self._open(step, rec)
            elif op in EDIT_OPS:
                body += self._edit(step, rec)
            elif op == "run":
                lines, fname = self._run(step, rec)
                body += lines
                outputs[rec["entry"]] = fname
            body.append("")
        return ScriptExport(self._header(body, outputs) + "\n".join(body).rstrip() + "\n",
                            outputs)

    def _header(self, body: list[str], outputs: dict[int, str]) -> str:
        uses_mne = any("mne." in line for line in body)
        uses_pick = any("pick(" in line for line in body)
        date = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [
            '"""Reproduce a neurodeck session from its raw files.',
            "",
            f"Exported by neurodeck {__version__} on {date}. Each step is one operation "
            "recorded",
            "in the session (what was opened, edited and computed, with every parameter).",
            "Results are written as HDF5 files to the output folder (default: beside this",
            "script); ``neurodeck.Result.load(path)`` reads them back with their provenance.",
            "",
            "Usage: python this_script.py [OUTPUT_FOLDER]",
            '"""',
            "",
            "import hashlib",
            "import sys",
            "from pathlib import Path",
            "",
        ]
        if uses_mne:
            lines.append("import mne")
        lines += ["import neurodeck", ""]
        lines += [
            "HERE = Path(__file__).resolve()",
            "OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else "
            'HERE.with_name(HERE.stem + "_results")',
            "OUT.mkdir(parents=True, exist_ok=True)",
            "",
        ]
        if self.files:
            lines.append("# Raw files (edit these paths if the data moved).")
            for path, const in self.files.items():
                value = _call("Path", [_scalar(str(path))], lead=len(const) + 3)
                lines.append(_assign(const, value))
            lines.append("")
        lines += [
            "",
            "def check(path: Path, sha256: str) -> None:",
            f'{INDENT}"""Stop if a raw file is not the one the session used."""',
            f"{INDENT}digest = hashlib.sha256()",
            f'{INDENT}with open(path, "rb") as fh:',
            f'{INDENT * 2}for block in iter(lambda: fh.read(1 << 20), b""):',
            f"{INDENT * 3}digest.update(block)",
            f"{INDENT}if digest.hexdigest() != sha256:",
            f'{INDENT * 2}raise SystemExit(f"{{path}} is not the file the session used '
            '(sha256 differs)")',
            "",
        ]
        if uses_pick:
            lines += [
                "",
                "def pick(datasets, name: str):",
                f'{INDENT}"""One dataset, by name, of a file that holds several."""',
                f"{INDENT}items = datasets if isinstance(datasets, list) else [datasets]",
                f"{INDENT}return next((d for d in items if d.name == name), items[0])",
                "",
            ]
        return "\n".join(lines) + "\n\n"

    def _open(self, step: int, rec: Mapping[str, Any]) -> list[str]:
        path = self.paths.get(rec["path"], rec["path"])
        fname = Path(str(path).replace("\\", "/")).name
        if path not in self.files:
            self.files[path] = self._name(fname, upper=True)
        const = self.files[path]
        var = self.var[rec["entry"]] = self._name(rec.get("name") or fname)
        self.kind[rec["entry"]] = str(rec.get("kind", ""))
        lines = [f"# {step}. Open {fname}"]
        try:
            lines.append(_call("check", [const, _scalar(file_sha256(path))]))
        except OSError:
            lines.append(f"# ({fname} was not readable at export time: no sha256 check)")
        args = [const]
        if rec.get("reader"):
            args.append(f"reader={_scalar(rec['reader'])}")
        args += _kwargs(rec.get("options") or {})
        lead = len(var) + 3
        if self._key(rec) in self.multi:
            call = _call("pick", [_call("neurodeck.open", args, 1),
                                  _scalar(str(rec.get("name", "")))], lead=lead)
        else:
            call = _call("neurodeck.open", args, lead=lead)
        lines.append(_assign(var, call))
        return lines

    def _edit(self, step: int, rec: Mapping[str, Any]) -> list[str]:
        var = self.var[rec["entry"]]
        mne_raw = self.kind.get(rec["entry"]) == "recording"
        if rec["op"] == "set_bads":
            if mne_raw:
                return [f"# {step}. Mark bad channels (MNE: info['bads'])",
                        _assign(f'{var}.raw.info["bads"]', _literal(rec["bads"]))]
            return [f"# {step}. Mark bad channels", _assign(f"{var}.bads", _literal(rec["bads"]))]
        onset, duration, label = rec["onset"], rec["duration"], rec["label"]
        if mne_raw:
            # neurodeck onsets count from the first sample; MNE's from first_time.
            return [
                f"# {step}. Set the annotations (MNE; onsets in s from the first sample)",
                _assign(f"{var}_onset", _literal(onset)),
                _call(f"{var}.raw.set_annotations", [_call("mne.Annotations", [
                    f"onset=[t + {var}.raw.first_time for t in {var}_onset]",
                    f"duration={_literal(duration, 2)}",
                    f"description={_literal(label, 2)}",
                    f"orig_time={var}.raw.annotations.orig_time",
                ], 1)]),
            ]
        return [f"# {step}. Set the events", _call(f"{var}.set_events", [
            _call("neurodeck.Events", [f"onset={_literal(onset, 2)}",
                                       f"duration={_literal(duration, 2)}",
                                       f"label={_literal(label, 2)}"], 1)])]

    def _run(self, step: int, rec: Mapping[str, Any]) -> tuple[list[str], str]:
        inputs = [self.var[e] for e in rec.get("inputs", [])]
        var = self.var[rec["entry"]] = self._name(
            f"{rec['analysis']}_{inputs[0] if inputs else 'result'}")
        fname = f"{var}.h5"
        args = [_scalar(rec["analysis"]), *inputs, *_kwargs(rec.get("params") or {})]
        return [f"# {step}. Run {rec['analysis']} on {', '.join(inputs) or 'nothing'}",
                _assign(var, _call("neurodeck.run", args, lead=len(var) + 3)),
                f"{var}.save(OUT / {_scalar(fname)})"], fname


# -- formatting (black-like: one line if it fits, else one argument per line) ---------------
def _kwargs(values: Mapping[str, Any]) -> list[str]:
    out = []
    for k, v in values.items():
        if k.isidentifier() and not keyword.iskeyword(k):
            out.append(f"{k}={_literal(v, 1)}")
        else:
            out.append(f"**{{{_scalar(k)}: {_literal(v, 1)}}}")
    return out


def _scalar(v: Any) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return f'float("{v}")'
    r = repr(v)
    if isinstance(v, str) and r.startswith("'") and '"' not in v:
        r = '"' + r[1:-1] + '"'  # double quotes, as formatters write them
    return r


def _literal(value: Any, level: int = 0) -> str:
    """A Python literal for JSON-like ``value``; long lists wrap, filled to the width."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_literal(v, level + 1)}"
                               for k, v in value.items()) + "}"
    if not isinstance(value, (list, tuple)):
        return _scalar(value)
    items = [_literal(v, level + 1) for v in value]
    one = "[" + ", ".join(items) + "]"
    if len(one) + len(INDENT) * level <= WIDTH - 20 or not items:
        return one
    pad = INDENT * (level + 1)
    lines, line = [], ""
    for it in items:
        if line and len(pad) + len(line) + len(it) + 2 > WIDTH:
            lines.append(pad + line.rstrip())
            line = ""
        line += it + ", "
    lines.append(pad + line.rstrip())
    return "[\n" + "\n".join(lines) + "\n" + INDENT * level + "]"


def _call(func: str, args: list[str], level: int = 0, lead: int = 0) -> str:
    """``func(args)`` on one line if it fits (``lead``: characters before it on the line,
    e.g. an assignment), else one argument per line."""
    one = f"{func}({', '.join(args)})"
    if "\n" not in one and lead + len(one) + len(INDENT) * level <= WIDTH - 1:
        return one
    pad = INDENT * (level + 1)
    # Multi-line arguments were built for their level already: only the first line moves.
    inner = ",\n".join(pad + a for a in args)
    return f"{func}(\n{inner},\n{INDENT * level})"


def _assign(target: str, value: str) -> str:
    return f"{target} = {value}"
