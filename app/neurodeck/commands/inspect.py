"""``neurodeck info``, ``plugins``, ``analyses`` and ``transforms``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .. import api
from .options import reader_options


def configure_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def configure_info(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="a file, or a folder (a study)")
    p.add_argument("--reader", help="force a reader by id")
    p.add_argument("--option", action="append", default=[], metavar="K=V",
                   help="reader option, e.g. data_key=traces")
    p.add_argument("--member", metavar="KEY|INDEX", help="describe one member only")
    p.add_argument("--json", action="store_true")


def info(args: argparse.Namespace) -> int:
    from ..data.study import Study
    from ..studies import member_specs

    options = reader_options(args.option)
    path = Path(args.file)
    if args.member is not None:
        out: Any = api.open(path, reader=args.reader, member=args.member, **options)
    elif path.is_file() and (listed := member_specs(api.plugin_manager(), path, args.reader)):
        out = api.open_study(path, reader=listed[0], **options)
    else:
        out = api.open(path, reader=args.reader, **options)
    items = out if isinstance(out, list) else [out]
    docs = []
    for ds in items:
        doc = ds.summary()
        if isinstance(ds, Study):
            doc["member_table"] = ds.table()
        docs.append(doc)
    if args.json:
        print(json.dumps(docs if isinstance(out, list) else docs[0], indent=2, default=str))
        return 0
    for doc in docs:
        table = doc.pop("member_table", None)
        width = max(len(k) for k in doc)
        for k, v in doc.items():
            print(f"{k:<{width}}  {v}")
        if table:
            _print_table(table)
        print()
    return 0


def _print_table(rows: list[dict[str, Any]], limit: int = 200) -> None:
    cols = [c for c in rows[0] if any(r.get(c) not in (None, "") for r in rows)]
    widths = {c: min(max(len(c), *(len(str(r.get(c, ""))) for r in rows[:limit])), 40)
              for c in cols}
    print()
    print("  ".join(f"{c:<{widths[c]}}" for c in cols))
    for r in rows[:limit]:
        cells = ["" if r.get(c) is None else str(r.get(c)) for c in cols]
        print("  ".join(f"{v:<{widths[c]}.{widths[c]}}" for v, c in zip(cells, cols,
                                                                        strict=True)))
    if len(rows) > limit:
        print(f"... and {len(rows) - limit} more (--json lists them all)")


def plugins(args: argparse.Namespace) -> int:
    infos = api.plugins()
    if args.json:
        print(json.dumps([i.to_json() for i in infos], indent=2))
        return 0
    for i in sorted(infos, key=lambda i: i.name):
        origin = "built-in" if i.builtin else (i.distribution or "registered")
        print(f"{i.name:<14} {i.version:<10} {i.status:<9} {origin}")
        for err in i.errors:
            print("    " + err.strip().splitlines()[-1])
    return 0


def _listing(specs: list, args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps([s.to_json() for s in specs], indent=2, default=str))
        return 0
    for s in sorted(specs, key=lambda s: s.id):
        print(f"{s.id:<18} {s.title}  [{', '.join(s.accepts)}]  ({s.plugin})")
        for p in s.params:
            print(f"    {p.name:<16} {p.type_name:<8} default={p.default!r:<10} {p.help}")
    return 0


def analyses(args: argparse.Namespace) -> int:
    return _listing(api.analyses(), args)


def transforms(args: argparse.Namespace) -> int:
    return _listing(api.transforms(), args)
