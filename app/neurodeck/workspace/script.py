"""Export a session's history as a formatted, runnable Python script.

The script uses neurodeck's public API (``neurodeck.open``, ``neurodeck.run``,
``Result.save``) and MNE's where the step is MNE's (bad channels and annotations of
recordings are set on the ``mne.io.Raw`` directly). Only the lineage of the entries
alive at the end is written: what was opened and closed without use is left out.
"""

from __future__ import annotations

import datetime as _dt
import keyword
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._version import __version__
from ..hashing import file_sha256
from ..session import is_edit
from .codegen import INDENT, Call, Code, Stmt, Var, assign, kwargs, scalar, statement
from .replay import needed_records

log = logging.getLogger("neurodeck")


class ScriptFormError(ValueError):
    """A transform's exported statements are not the data they must be."""


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
        self.opened: dict[tuple, str] = {}  # file key -> variable holding all it opened
        self.checked: set[str] = set()
        # A file opened by several records holds several datasets (or was opened twice):
        # those are picked by name.
        counts: dict[tuple, int] = {}
        for rec in history:
            if rec["op"] == "open":
                k = self._key(rec)
                counts[k] = counts.get(k, 0) + 1
        self.multi = {k for k, n in counts.items() if n > 1}
        self.files: dict[str, str] = {}  # path -> constant name
        self.imports: set[str] = set()  # modules transforms' own statements call into
        self.base: dict[int, str] = {}  # transform output -> variable of its chain's start

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
            elif is_edit(op):
                body += self._edit(step, rec)
            elif op == "run":
                lines, fname = self._run(step, rec)
                body += lines
                outputs[rec["entry"]] = fname
            elif op == "transform":
                body += self._transform(step, rec)
            elif op == "member":
                body += self._member(step, rec)
            elif op == "study":
                body += self._study(step, rec)
            elif op == "rename":
                body += [comment(f"{step}. Rename"),
                         assign(f"{self.var[rec['entry']]}.name", str(rec["name"]))]
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
        modules = {"neurodeck", *self.imports} | ({"mne"} if uses_mne else set())
        lines += [f"import {m}" for m in sorted(modules)]
        lines.append("")
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
                lines.append(assign(const, Call("Path", [("", str(path))])))
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
                f"{INDENT}for d in items:",
                f"{INDENT * 2}if d.name == name:",
                f"{INDENT * 3}return d",
                f'{INDENT}names = ", ".join(d.name for d in items)',
                f'{INDENT}raise SystemExit(f"no dataset named {{name!r}} in the file (it holds: '
                '{names})")',
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
        lines = [comment(f"{step}. Open {fname}")]
        if path not in self.checked:
            self.checked.add(path)
            try:
                sha = file_sha256(path)
            except OSError:
                lines.append(comment(f"({fname} is a folder or was not readable at export "
                                     "time: no sha256 check)"))
            else:
                lines.append(statement(Call("check", [("", Code(const)), ("", sha)])))
        args: list[tuple[str, Any]] = [("", Code(const))]
        if rec.get("reader"):
            args.append(("reader=", rec["reader"]))
        args += kwargs(rec.get("options") or {})
        call = Call("neurodeck.open", args)
        key = self._key(rec)
        if key in self.multi:  # a file holding several datasets: opened once, then picked
            if key not in self.opened:
                self.opened[key] = self._name(f"{Path(fname).stem}_datasets")
                lines.append(assign(self.opened[key], call))
            call = Call("pick", [("", Code(self.opened[key])), ("", str(rec.get("name", "")))])
        lines.append(assign(var, call))
        return lines

    def _edit(self, step: int, rec: Mapping[str, Any]) -> list[str]:
        var = self.var[rec["entry"]]
        mne_raw = self.kind.get(rec["entry"]) == "recording"
        if rec["op"] == "set_bads":
            if mne_raw:
                return [comment(f"{step}. Mark bad channels (MNE: info['bads'])"),
                        assign(f'{var}.raw.info["bads"]', list(rec["bads"]))]
            return [comment(f"{step}. Mark bad channels"),
                    assign(f"{var}.bads", list(rec["bads"]))]
        if rec["op"] != "set_annotations":  # an edit a dataset type of a plugin declares
            values = {k: v for k, v in rec.items() if k not in ("op", "entry", "time")}
            return [comment(f"{step}. Edit ({rec['op']})"),
                    statement(Call(f"{var}.apply_edit", [("", str(rec["op"])), ("", values)]))]
        rows = [tuple(r) for r in zip(rec["onset"], rec["duration"], rec["label"], strict=True)]
        table = f"{var}_annotations"
        lines = [comment(f"{step}. Set the annotations: (onset s from the first sample, "
                         "duration s, label)"),
                 assign(table, rows)]
        if mne_raw:
            # neurodeck onsets count from the first sample; MNE's from first_time.
            lines[0] = lines[0].replace("annotations:", "annotations (MNE):")
            lines.append(statement(Call(f"{var}.raw.set_annotations", [("", Call(
                "mne.Annotations", [
                    ("onset=", Code(f"[t + {var}.raw.first_time for t, _, _ in {table}]")),
                    ("duration=", Code(f"[d for _, d, _ in {table}]")),
                    ("description=", Code(f"[label for _, _, label in {table}]")),
                    ("orig_time=", Code(f"{var}.raw.annotations.orig_time")),
                ]))])))
        else:
            lines.append(statement(Call(f"{var}.set_events", [("", Call(
                "neurodeck.Events.from_lists", [
                    ("", Code(f"[t for t, _, _ in {table}]")),
                    ("", Code(f"[d for _, d, _ in {table}]")),
                    ("", Code(f"[label for _, _, label in {table}]")),
                ]))])))
        return lines

    def _run(self, step: int, rec: Mapping[str, Any]) -> tuple[list[str], str]:
        inputs = [self.var[e] for e in rec.get("inputs", [])]
        var = self.var[rec["entry"]] = self._name(
            f"{rec['analysis']}_{inputs[0] if inputs else 'result'}")
        fname = f"{var}.h5"
        args = [("", rec["analysis"]), *[("", Code(v)) for v in inputs],
                *kwargs(rec.get("params") or {})]
        return [comment(f"{step}. Run {rec['analysis']} on {', '.join(inputs) or 'nothing'}"),
                assign(var, Call("neurodeck.run", args)),
                f"{var}.save(OUT / {scalar(fname)})"], fname



    def _transform(self, step: int, rec: Mapping[str, Any]) -> list[str]:
        inputs = [self.var[e] for e in rec.get("inputs", [])]
        kinds = [self.kind.get(e, "") for e in rec.get("inputs", [])]
        # Named after the data the chain started from ("filter_rec", not
        # "filter_notch_rereference_rec"), so chains of transforms keep short names.
        first = rec.get("inputs", [None])[0] if inputs else None
        base = self.base.get(first, inputs[0]) if inputs else "data"
        var = self.var[rec["entry"]] = self._name(f"{rec['transform']}_{base}")
        self.base[rec["entry"]] = base
        spec = _transform_spec(str(rec["transform"]))
        produced = tuple(spec.produces) if spec is not None else ()
        self.kind[rec["entry"]] = next((k for k in produced if k in kinds), produced[0]) \
            if produced else (kinds[0] if kinds else "")
        head = comment(f"{step}. Transform {rec['transform']}: "
                       f"{', '.join(inputs) or 'nothing'} -> {var} (a new dataset)")
        own = self._own_form(spec, rec, inputs, kinds, var)
        if own is not None:
            # Named as the engine names a transform's output (neurodeck.engine.make_derived).
            suffix = scalar(f" \u00b7 {rec['transform']}")
            name = [assign(f"{var}.name", Code(f"{inputs[0]}.name + {suffix}"))] if inputs \
                else []
            return [head, *own, *name]
        args = [("", rec["transform"]), *[("", Code(v)) for v in inputs],
                *kwargs(rec.get("params") or {})]
        return [head, assign(var, Call("neurodeck.transform", args))]

    # -- a transform written as the library calls it declares --------------------------------
    def _own_form(self, spec: Any, rec: Mapping[str, Any], inputs: list[str],
                  kinds: list[str], var: str) -> list[str] | None:
        """The statements ``spec.script`` gives, checked and named, or None (then the
        script calls ``neurodeck.transform``)."""
        if spec is None or spec.script is None:
            return None
        from ..plugin_api.lazy import resolve

        try:
            stmts = resolve(spec.script)(dict(rec.get("params") or {}), list(kinds))
            if stmts is None:
                return None
            return self._statements(list(stmts), tuple(spec.script_modules), inputs, var)
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not stop the export
            log.warning("transform %s: its script form was not used (%s)", spec.id, exc)
            return None

    def _statements(self, stmts: list[Any], modules: tuple[str, ...], inputs: list[str],
                    var: str) -> list[str]:
        if not stmts:
            raise ScriptFormError("no statements")
        local: dict[str, str] = {}
        used: set[str] = set()
        lines = []
        for k, st in enumerate(stmts):
            if not isinstance(st, Stmt) or not isinstance(st.call, Call):
                raise ScriptFormError(f"statement {k} is {type(st).__name__}, not a Stmt")
            call = self._call(st.call, modules, local, inputs, used)
            last = k == len(stmts) - 1
            if last and len(st.targets) != 1:
                raise ScriptFormError("the last statement must bind the new dataset")
            names = []
            for t in st.targets:
                if not (isinstance(t, str) and t.isidentifier() and not keyword.iskeyword(t)):
                    raise ScriptFormError(f"target {t!r} is not a name")
                if last:
                    names.append(var)
                else:
                    if t not in local:
                        local[t] = self._name(t)
                    names.append(local[t])
            lines.append(assign(", ".join(names), call) if names else statement(call))
        self.imports |= used
        return lines

    def _func(self, func: Any, modules: tuple[str, ...], local: dict[str, str],
              inputs: list[str], used: set[str]) -> str:
        if not isinstance(func, str) or not func:
            raise ScriptFormError(f"function {func!r} is not a dotted name")
        head, _, rest = func.partition(".")
        tail = rest.split(".") if rest else []
        if not all(p.isidentifier() and not keyword.iskeyword(p) for p in tail):
            raise ScriptFormError(f"function {func!r} is not a dotted name")
        if head.startswith("@") and head[1:].isdigit():
            i = int(head[1:])
            if i >= len(inputs):
                raise ScriptFormError(f"{func!r}: the step has {len(inputs)} input(s)")
            return ".".join([inputs[i], *tail])
        if head in local:
            return ".".join([local[head], *tail])
        for m in modules:
            if func == m or func.startswith(m + "."):
                used.add(m)
                return func
        raise ScriptFormError(f"{func!r} is neither a declared module ({', '.join(modules)}), "
                              "an input nor a name bound before")

    def _call(self, call: Call, modules: tuple[str, ...], local: dict[str, str],
              inputs: list[str], used: set[str]) -> Call:
        args = []
        for prefix, value in call.args:
            if prefix and not (prefix.endswith("=") and prefix[:-1].isidentifier()
                               and not keyword.iskeyword(prefix[:-1])):
                raise ScriptFormError(f"argument prefix {prefix!r} is not 'name='")
            args.append((prefix, self._value(value, modules, local, inputs, used)))
        return Call(self._func(call.func, modules, local, inputs, used), args)

    def _value(self, v: Any, modules: tuple[str, ...], local: dict[str, str],
               inputs: list[str], used: set[str]) -> Any:
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, Var):
            if isinstance(v.name, int) and not isinstance(v.name, bool):
                if not 0 <= v.name < len(inputs):
                    raise ScriptFormError(f"input {v.name} does not exist")
                text = inputs[v.name]
            elif isinstance(v.name, str) and v.name in local:
                text = local[v.name]
            else:
                raise ScriptFormError(f"{v.name!r} is not a name bound before")
            if v.attr:
                parts = str(v.attr).split(".")
                if not all(p.isidentifier() and not keyword.iskeyword(p) for p in parts):
                    raise ScriptFormError(f"attribute {v.attr!r} is not a dotted name")
                text += "." + ".".join(parts)
            if v.key is not None:
                if not isinstance(v.key, (str, int)) or isinstance(v.key, bool):
                    raise ScriptFormError(f"subscript {v.key!r} is not a name or a number")
                text += f"[{scalar(v.key)}]"
            return Code(text)
        if isinstance(v, Call):
            return self._call(v, modules, local, inputs, used)
        if isinstance(v, (list, tuple)):
            items = [self._value(x, modules, local, inputs, used) for x in v]
            return tuple(items) if isinstance(v, tuple) else items
        if isinstance(v, Mapping):
            out = {}
            for key, value in v.items():
                if not (key is None or isinstance(key, (bool, int, float, str))):
                    raise ScriptFormError(f"dictionary key {key!r} is not a literal")
                out[key] = self._value(value, modules, local, inputs, used)
            return out
        raise ScriptFormError(f"{type(v).__name__} is not a literal, a Var or a Call")

    def _member(self, step: int, rec: Mapping[str, Any]) -> list[str]:
        study = self.var[rec["study"]]
        var = self.var[rec["entry"]] = self._name(f"{study}_{rec['member']}")
        return [comment(f"{step}. Member {rec['member']} of {study}"),
                assign(var, Call(f"{study}.member", [("", str(rec["member"]))]))]

    def _study(self, step: int, rec: Mapping[str, Any]) -> list[str]:
        inputs = [Code(self.var[e]) for e in rec.get("inputs", [])]
        var = self.var[rec["entry"]] = self._name(str(rec.get("name") or "study"))
        return [comment(f"{step}. A study of {len(inputs)} datasets"),
                assign(var, Call("neurodeck.study", [("", inputs),
                                                     ("name=", str(rec.get("name", "study")))]))]


def _transform_spec(transform_id: str) -> Any:
    """The installed transform (None when it is not installed: the generic call is written,
    and fails clearly when the script runs)."""
    from .. import api

    try:
        return api.plugin_manager().transform(transform_id)
    except KeyError:
        return None


def comment(text: str) -> str:
    """A comment line: the text on one line, control characters (newlines...) escaped, so
    data in a comment can never become code."""
    safe = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in str(text))
    return "# " + safe[:300]
