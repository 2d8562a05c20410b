"""Connectomes from edge lists and adjacency matrices (CSV/TSV/NPY).

Edge lists: one row per edge with a source, a target, an optional weight and an
optional type column; names are stripped of padding; each type becomes a layer and
``weights`` is the sum of the layers. Gap junctions (``electrical``, ``gap``...) are
undirected: a pair listed once is mirrored, a pair listed both ways keeps the larger
weight of the two. Repeated rows of one pair and type are summed (synapse counts).

Adjacency matrices: a square CSV/TSV with node labels as the header and first
column (or no labels), or a square NPY.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from tokenize import TokenError

import numpy as np

from neurodeck.data import Connectome
from neurodeck.errors import NotMine, ReadError
from neurodeck.safety.limits import check_array, check_nbytes, check_text

SOURCE_COLUMNS = ("source", "pre", "from", "presynaptic", "src", "neuron1", "node1", "i")
TARGET_COLUMNS = ("target", "post", "to", "postsynaptic", "dst", "neuron2", "node2", "j")
WEIGHT_COLUMNS = ("weight", "synapses", "nbr", "count", "n_synapses", "w", "value")
TYPE_COLUMNS = ("type", "synapse_type", "edge_type", "kind", "layer")
UNDIRECTED_TYPES = ("electrical", "gap", "gap junction", "gap_junction", "gj", "ej")
MAX_TEXT_BYTES = 512 * 2**20
_CONNECTOME_NAME = re.compile(r"adjacen|connectom|connectivity|_conn\b|weights", re.IGNORECASE)


def _text(path: Path) -> str:
    if path.stat().st_size > MAX_TEXT_BYTES:
        raise ReadError(path, "the table is larger than 512 MiB")
    check_text(path)
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ReadError(path, "binary content, not a text table")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _rows(path: Path, text: str) -> list[list[str]]:
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ReadError(path, "the table has no rows")
    first = lines[0]
    delim = "\t" if "\t" in first else ("," if "," in first else (";" if ";" in first else None))
    if delim is None:
        return [ln.split() for ln in lines]
    try:
        return [[c.strip() for c in r] for r in csv.reader(io.StringIO("\n".join(lines)),
                                                           delimiter=delim)]
    except csv.Error as exc:
        raise ReadError(path, f"malformed CSV ({exc})") from exc


def _head_rows(path: Path) -> list[list[str]]:
    """The first rows, parsed from the first 64 KiB only: readers decline cheaply."""
    with open(path, "rb") as fh:
        head = fh.read(65536)
    if b"\x00" in head[:4096]:
        raise ReadError(path, "binary content, not a text table")
    text = head.decode("utf-8-sig", errors="replace")
    if len(head) == 65536:
        text = text.rsplit("\n", 1)[0]
    return _rows(path, text)[:3]


def _find(header: list[str], names: tuple[str, ...], given: str | None) -> int | None:
    low = [h.strip().lower() for h in header]
    if given is not None:
        if given.lower() not in low:
            return -1
        return low.index(given.lower())
    return next((low.index(n) for n in names if n in low), None)


def read_edge_list(path: str | Path, *, source: str | None = None, target: str | None = None,
                   weight: str | None = None, type: str | None = None,  # noqa: A002
                   directed: bool | None = None) -> Connectome:
    """An edge-list table as a :class:`Connectome` with one layer per edge type."""
    path = Path(path)
    header = _head_rows(path)[0]
    cols = {k: _find(header, names, given) for k, names, given in (
        ("source", SOURCE_COLUMNS, source), ("target", TARGET_COLUMNS, target),
        ("weight", WEIGHT_COLUMNS, weight), ("type", TYPE_COLUMNS, type))}
    missing = [k for k, given in (("source", source), ("target", target), ("weight", weight),
                                  ("type", type)) if cols[k] == -1 and given is not None]
    if missing:
        raise ReadError(path, f"no column(s) {', '.join(missing)} in header {header}")
    if cols["source"] is None or cols["target"] is None:
        raise NotMine(path, "not an edge list: no source/target columns")
    rows = _rows(path, _text(path))
    if [c.strip().lower() for c in rows[0]] != [c.strip().lower() for c in header]:
        raise ReadError(path, "the header changed while reading")
    body = rows[1:]
    if not body:
        raise ReadError(path, "the edge list has no edges")
    width = len(header)
    nodes: dict[str, int] = {}
    edges: dict[str, dict[tuple[int, int], float]] = {}
    for n, r in enumerate(body, start=2):
        if len(r) != width:
            raise ReadError(path, f"row {n} has {len(r)} fields, expected {width}")
        a, b = r[cols["source"]].strip(), r[cols["target"]].strip()
        if not a or not b:
            raise ReadError(path, f"row {n} has an empty node name")
        w = 1.0
        if cols["weight"] is not None:
            try:
                w = float(r[cols["weight"]])
            except ValueError:
                raise ReadError(path, f"row {n}: weight {r[cols['weight']]!r} is not a "
                                      "number") from None
            if not np.isfinite(w):
                raise ReadError(path, f"row {n}: weight {w} is not finite")
        kind = r[cols["type"]].strip() if cols["type"] is not None else "edges"
        i, j = nodes.setdefault(a, len(nodes)), nodes.setdefault(b, len(nodes))
        layer = edges.setdefault(kind or "edges", {})
        layer[(i, j)] = layer.get((i, j), 0.0) + w
    size = len(nodes)
    if size > 50_000:
        raise ReadError(path, f"{size} nodes: dense matrices that large are not supported")
    # One dense matrix per edge type plus their sum: a few kB of text can name enough
    # nodes and types for gigabytes.
    n_layers = len(edges) + 1
    check_nbytes(path, 8.0 * size * size * n_layers,
                 f"{size} nodes x {size} nodes x {n_layers} layers (one per edge type, and "
                 "their sum)")
    layers: dict[str, np.ndarray] = {}
    for kind, pairs in edges.items():
        m = np.zeros((size, size))
        ij = np.array(list(pairs), dtype=np.int64).reshape(-1, 2)
        m[ij[:, 0], ij[:, 1]] = list(pairs.values())
        if kind.lower() in UNDIRECTED_TYPES:
            m = np.maximum(m, m.T)
        layers[kind] = m
    total = sum(layers.values())
    labels = list(nodes)
    meta = {"edge_rows": len(body), "undirected_layers": [k for k in layers
                                                          if k.lower() in UNDIRECTED_TYPES]}
    return Connectome(total, labels, layers=layers if len(layers) > 1 or cols["type"]
                      is not None else None, directed=directed, name=path.name, source=path,
                      meta=meta)


def read_adjacency(path: str | Path, *, directed: bool | None = None) -> Connectome:
    """A square CSV/TSV (labels optional) or NPY adjacency matrix (labels from a
    ``<file>.json`` sidecar: ``{"labels": [...]}``)."""
    path = Path(path)
    if path.suffix.lower() == ".npy":
        return _adjacency_npy(path, directed)
    head = _head_rows(path)
    row_labelled = len(head) > 1 and not _numeric(head[1][:1])
    if not row_labelled and not _CONNECTOME_NAME.search(path.stem):
        # Unlabelled square numbers may as well be traces: only claim them when named so.
        raise NotMine(path, "not an adjacency matrix (no row labels)")
    rows = _rows(path, _text(path))
    labelled = not _numeric(rows[0])
    if labelled:
        header = rows[0]
        body = rows[1:]
        has_row_labels = bool(body) and not _numeric(body[0][:1])
        cols = header[1:] if has_row_labels and len(header) == len(body[0]) else header
        if has_row_labels:
            row_labels = [r[0] for r in body]
            body = [r[1:] for r in body]
            if row_labels != cols:
                raise ReadError(path, "not an adjacency matrix: row labels differ from the "
                                      "column labels")
        labels: list[str] | None = [c.strip() for c in cols]
    else:
        body, labels = rows, None
    n = len(body)
    if n == 0 or any(len(r) != n for r in body):
        raise ReadError(path, f"not an adjacency matrix: {n} rows of lengths "
                              f"{sorted({len(r) for r in body})[:3]} (must be square)")
    try:
        w = np.array([[float(x) if x.strip() else 0.0 for x in r] for r in body])
    except ValueError as exc:
        raise ReadError(path, f"not an adjacency matrix: {exc}") from exc
    if not np.all(np.isfinite(w)):
        raise ReadError(path, "the matrix holds non-finite values")
    return Connectome(w, labels, directed=directed, name=path.name, source=path)


def _numeric(cells: list[str]) -> bool:
    try:
        [float(c) for c in cells if c.strip()]
    except ValueError:
        return False
    return True


def _adjacency_npy(path: Path, directed: bool | None) -> Connectome:
    side = path.with_name(path.name + ".json")
    meta = {}
    if side.exists():
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ReadError(side, f"sidecar is not valid JSON ({exc})") from exc
    try:
        w = np.load(path, allow_pickle=False, mmap_mode="r")
    except (ValueError, OSError, EOFError, SyntaxError, OverflowError, TokenError) as exc:
        raise ReadError(path, f"not a plain numeric .npy array ({exc})") from exc
    if w.ndim != 2 or w.shape[0] != w.shape[1] or w.dtype.kind not in "biuf":
        raise ReadError(path, f"an adjacency matrix must be square numeric, got {w.shape} "
                              f"{w.dtype}")
    check_array(path, w.shape, float, "the adjacency matrix")
    w = np.asarray(w, dtype=float)
    if not np.all(np.isfinite(w)):
        raise ReadError(path, "the matrix holds non-finite values")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    try:
        return Connectome(w, labels, directed=directed, name=path.name, source=path)
    except ValueError as exc:
        raise ReadError(path, str(exc)) from exc
