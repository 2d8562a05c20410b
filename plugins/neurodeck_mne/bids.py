"""BIDS datasets through mne-bids: a BIDS root opens as a study, each recording is read by
``mne_bids.read_raw_bids`` (channel types, bad channels, events and electrode positions from
its sidecars), and processed data are written as BIDS derivatives next to the raw data.

The study's table has the BIDS entities (subject, session, task, acquisition, run,
datatype) and the ``participants.tsv`` columns of each member's subject. Listing reads file
names and two tables only; recordings are opened when a member is reached.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
from pathlib import Path
from typing import Any

from neurodeck.data import Dataset, Recording, Study
from neurodeck.data.study import FileMember
from neurodeck.errors import ReadError

#: Recording files mne-bids reads (the data file of each format; sidecars are skipped).
DATA_EXTENSIONS = (".edf", ".bdf", ".vhdr", ".set", ".fif", ".con", ".sqd", ".ds", ".mff",
                   ".snirf", ".nwb", ".lay", ".eeg")
DATATYPES = ("eeg", "meg", "ieeg")
#: BIDS entity -> study column.
ENTITIES = {"subject": "subject", "session": "session", "task": "task",
            "acquisition": "acquisition", "run": "run", "processing": "processing",
            "recording": "recording", "datatype": "datatype"}
DERIVATIVES = "neurodeck"


def sniff_bids(path: Path) -> bool:
    """A folder holding ``dataset_description.json`` (a BIDS root)."""
    path = Path(path)
    return path.is_dir() and (path / "dataset_description.json").is_file()


def _participants(root: Path) -> dict[str, dict[str, str]]:
    table = root / "participants.tsv"
    if not table.is_file() or table.stat().st_size > 50_000_000:
        return {}
    with open(table, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return {str(r.get("participant_id", "")).removeprefix("sub-"):
            {k: v for k, v in r.items() if k and k != "participant_id"} for r in rows}


def members(root: Path) -> list[FileMember]:
    """One member per recording of the BIDS tree (derivatives and sourcedata left out)."""
    import mne_bids

    root = Path(root)
    found = []
    with _quiet():
        paths = mne_bids.find_matching_paths(root, datatypes=list(DATATYPES),
                                             extensions=list(DATA_EXTENSIONS))
    extra = _participants(root)
    for bp in sorted(paths, key=lambda p: str(p.fpath)):
        rel = Path(bp.fpath).resolve().relative_to(root.resolve())
        if rel.parts and rel.parts[0] in ("derivatives", "sourcedata", "code"):
            continue
        if bp.suffix not in DATATYPES:
            continue
        meta: dict[str, Any] = {col: getattr(bp, ent) for ent, col in ENTITIES.items()
                                if getattr(bp, ent, None) is not None}
        for k, v in extra.get(str(bp.subject), {}).items():
            meta.setdefault(k, v)
        # Opened as the root with the file named inside it: mne-bids reads sidecars up
        # the tree (scans.tsv, participants.tsv, dataset_description.json), and a read is
        # confined to the folder it opens (neurodeck.safety), here the dataset the user chose.
        found.append(FileMember(bp.basename, meta, "recording", path=root,
                                reader="bids-raw", options={"fname": rel.as_posix()}))
    return found


def read_bids(path: Path, **_: Any) -> Study:
    """The BIDS root as a study of its recordings."""
    root = Path(path)
    try:
        found = members(root)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ReadError(root, f"not a readable BIDS dataset: {exc}") from exc
    if not found:
        raise ReadError(root, "a BIDS dataset with no EEG, MEG or iEEG recording")
    name = root.name
    with contextlib.suppress(OSError, ValueError):
        given = json.loads((root / "dataset_description.json").read_text("utf-8")).get("Name")
        if given and given != "[Unspecified]":  # mne-bids' placeholder
            name = given
    columns = [c for c in ("subject", "session", "task", "acquisition", "run", "datatype")
               if any(c in m.meta for m in found)]
    return Study(found, name=str(name), source=root, columns=columns)


def read_bids_raw(path: Path, fname: str | None = None) -> Recording:
    """One recording of a BIDS dataset (``path`` the root, ``fname`` the recording's path
    inside it; or ``path`` the recording itself), through ``mne_bids.read_raw_bids``."""
    import mne_bids

    root = Path(path)
    if fname is not None:
        path = (root / fname).resolve()
        if not path.is_relative_to(root.resolve()):
            raise ReadError(root, f"{fname} is not inside the dataset")
    else:
        path, root = Path(path), None
    with _quiet():
        bp = mne_bids.get_bids_path_from_fname(path)
        if root is not None:
            bp = bp.copy().update(root=root)
        try:
            raw = mne_bids.read_raw_bids(bp, verbose="error")
        except (ValueError, RuntimeError, OSError, KeyError) as exc:
            raise ReadError(path, f"mne-bids could not read it: {exc}") from exc
    meta = {"bids": {"root": str(bp.root), **{e: getattr(bp, e) for e in ENTITIES
                                              if getattr(bp, e, None) is not None}}}
    return Recording(raw, source=path, name=bp.basename, meta=meta)


# -- derivatives ------------------------------------------------------------------------------
def _bids_of(ds: Dataset) -> dict[str, Any]:
    """The BIDS entities a dataset descends from (its own, or its inputs' through the
    derivation, or its study row)."""
    if "bids" in ds.meta:
        return dict(ds.meta["bids"])
    for path in _source_paths(ds.derivation):  # made by transforms: the file it came from
        found = _entities_of(Path(path))
        if found:
            return found
    raise ValueError(f"{ds.name} does not come from a BIDS dataset (no BIDS entities)")


def _source_paths(derivation: Any) -> list[str]:
    """Input file paths named in a derivation record, first input first (depth first)."""
    out: list[str] = []
    for rec in (derivation or {}).get("inputs", []):
        if rec.get("path"):
            out.append(str(rec["path"]))
        out += _source_paths(rec.get("derivation"))
    return out


def _entities_of(path: Path) -> dict[str, Any]:
    import mne_bids

    if not path.name.startswith("sub-") or not path.is_file():
        return {}
    try:
        bp = mne_bids.get_bids_path_from_fname(path, check=False)
    except (ValueError, RuntimeError):
        return {}
    return {"root": str(bp.root), **{e: getattr(bp, e) for e in ENTITIES
                                     if getattr(bp, e, None) is not None}}


def derivative_path(ds: Dataset, desc: str, root: str | Path | None = None,
                    pipeline: str = DERIVATIVES, extension: str = ".fif") -> Path:
    """``<root>/derivatives/<pipeline>/sub-XX/[ses-YY/]<datatype>/..._desc-<desc>_<suffix>``."""
    import mne_bids

    ent = _bids_of(ds)
    base = Path(root or ent.get("root") or ".")
    datatype = ent.get("datatype") or "eeg"
    bp = mne_bids.BIDSPath(
        root=base / "derivatives" / pipeline, subject=ent.get("subject"),
        session=ent.get("session"), task=ent.get("task"), acquisition=ent.get("acquisition"),
        run=ent.get("run"), description=desc, datatype=datatype, suffix=datatype,
        extension=extension, check=False)
    return Path(bp.fpath)


def ensure_description(deriv_root: Path, source: Path | None) -> Path:
    """``dataset_description.json`` of the derivatives folder (BIDS requires it)."""
    deriv_root.mkdir(parents=True, exist_ok=True)
    target = deriv_root / "dataset_description.json"
    if not target.exists():
        from neurodeck._version import __version__

        doc = {"Name": "neurodeck derivatives", "BIDSVersion": "1.9.0",
               "DatasetType": "derivative",
               "GeneratedBy": [{"Name": "neurodeck", "Version": __version__}]}
        if source is not None:
            doc["SourceDatasets"] = [{"URL": Path(source).resolve().as_uri()}]
        from neurodeck.atomic import write_text_atomic

        write_text_atomic(target, json.dumps(doc, indent=2) + "\n")
    return target


def write_derivative(ds: Dataset, desc: str, root: str | Path | None = None,
                     pipeline: str = DERIVATIVES) -> Path:
    """Write a processed recording (FIF), epochs (-epo.fif) or result (HDF5) of a BIDS
    member under ``derivatives/<pipeline>/``, with the dataset description."""
    from neurodeck.data import Epochs, Result

    from .io import write_fif

    ent = _bids_of(ds)
    base = Path(root or ent.get("root") or ".")
    if isinstance(ds, Result):
        target = derivative_path(ds, desc, base, pipeline, extension=".h5")
    else:
        target = derivative_path(ds, desc, base, pipeline)
    if isinstance(ds, Epochs) and ds.mne_epochs is not None:
        target = target.with_name(target.name.replace(f"_{ent.get('datatype') or 'eeg'}.fif",
                                                      "_epo.fif"))
    target.parent.mkdir(parents=True, exist_ok=True)
    ensure_description(base / "derivatives" / pipeline, base)
    if isinstance(ds, Result):
        ds.save(target)
    elif isinstance(ds, Epochs):
        from .io import write_epochs

        write_epochs(ds, target)
    elif isinstance(ds, Recording):
        write_fif(ds, target)
    else:
        raise ValueError(f"{ds.name} ({ds.kind}): no BIDS derivative format for it")
    return target


# -- the command: a pipeline over a BIDS dataset, written as derivatives ---------------------
def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("root", help="the BIDS root (holds dataset_description.json)")
    p.add_argument("pipeline", help="a pipeline file (TOML/JSON) to run on each recording")
    p.add_argument("--desc", required=True, help="the derivatives' desc- label ('clean')")
    p.add_argument("--subject", action="append", help="only these subjects (repeatable)")
    p.add_argument("--task", action="append", help="only these tasks (repeatable)")
    p.add_argument("--name", default=DERIVATIVES, help="derivatives/<name>/ (default "
                   "neurodeck)")


def main(args: argparse.Namespace) -> int:
    import sys

    from neurodeck.pipeline import load

    study = read_bids(Path(args.root))
    where: dict[str, Any] = {}
    if args.subject:
        where["subject"] = args.subject
    if args.task:
        where["task"] = args.task
    if where:
        study = study.subset(**where)
    pipe = load(args.pipeline)
    failed = 0
    for i, m in enumerate(study.members):
        try:
            out = pipe.run(study.member(i))
            print(write_derivative(out, args.desc, args.root, args.name))
        except Exception as exc:  # noqa: BLE001 - one failing member must not stop the rest
            failed += 1
            print(f"{m.key}: failed: {exc}", file=sys.stderr)
    return 1 if failed else 0


def _quiet():
    from .lazy import mne_quiet

    return mne_quiet()
