"""Installing third-party plugins into a per-user plugin folder.

The folder (:func:`plugin_dir`) is appended to ``sys.path`` before plugin discovery, so
packages in it are found through their ``neurodeck.plugins`` entry points like any other
installed plugin. Appending (never prepending) means a plugin cannot shadow the packages
the app itself ships (numpy, Qt...).

Installation runs pip in two steps so that the app's own packages are never installed
twice: a dry run against the running environment (plus the plugin folder) reports what
is missing, then only those distributions are installed with ``--target --no-deps``. In
the frozen (PyInstaller) app pip is bundled and run by the app's own executable (see
:func:`run_pip_if_requested`); there only wheels can be installed, since building an
sdist needs a Python interpreter the bundle does not have.

Changes take effect at the next start: modules already imported stay in memory.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

from ..errors import NeurodeckError

PIP_ENV = "NEURODECK_RUN_PIP"
MANIFEST = "neurodeck-plugins.json"
ENTRY_POINT_GROUP = "neurodeck.plugins"


class InstallError(NeurodeckError):
    """A plugin could not be installed or removed; the message says why."""


@dataclass(frozen=True)
class InstalledPlugin:
    """One distribution in the per-user plugin folder."""

    name: str
    version: str
    plugins: tuple[str, ...]  # its neurodeck.plugins entry-point names
    requested: bool  # installed by the user (not only as a dependency)


# -- the folder ------------------------------------------------------------------------
def plugin_dir() -> Path:
    """``$NEURODECK_PLUGIN_DIR``, else ``plugins/`` in the per-user data folder.

    One sub-folder per Python minor version: compiled wheels are tied to it, and the
    frozen app's Python may differ from a source install's.
    """
    env = os.environ.get("NEURODECK_PLUGIN_DIR")
    if env:
        return Path(env)
    if os.environ.get("NEURODECK_CONFIG_DIR"):
        # Isolated settings (tests, portable installs) isolate plugins too.
        base = Path(os.environ["NEURODECK_CONFIG_DIR"]) / "plugins"
    else:
        import platformdirs

        base = Path(platformdirs.user_data_dir("neurodeck", appauthor=False)) / "plugins"
    return base / f"py{sys.version_info.major}.{sys.version_info.minor}"


def activate_plugin_dir(path: Path | None = None) -> Path | None:
    """Append the plugin folder to ``sys.path`` (if it exists); return it."""
    path = Path(path or plugin_dir())
    if not path.is_dir():
        return None
    entry = str(path)
    if entry not in sys.path:
        sys.path.append(entry)
        importlib.invalidate_caches()
    return path


# -- listing -----------------------------------------------------------------------------
def canonical_name(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _read_manifest(target: Path) -> dict[str, list[str]]:
    try:
        data = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): [str(d) for d in v] for k, v in data.items() if isinstance(v, list)}


def _write_manifest(target: Path, manifest: dict[str, list[str]]) -> None:
    from ..atomic import write_text_atomic

    write_text_atomic(target / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))


def _distributions(target: Path) -> dict[str, md.Distribution]:
    out = {}
    for dist in md.distributions(path=[str(target)]):
        name = dist.metadata["Name"]
        if name:
            out[canonical_name(name)] = dist
    return out


def installed(target: Path | None = None) -> list[InstalledPlugin]:
    """The distributions in the plugin folder, plugins first."""
    target = Path(target or plugin_dir())
    if not target.is_dir():
        return []
    manifest = _read_manifest(target)
    out = []
    for key, dist in _distributions(target).items():
        eps = tuple(ep.name for ep in dist.entry_points if ep.group == ENTRY_POINT_GROUP)
        out.append(InstalledPlugin(dist.metadata["Name"], dist.version, eps, key in manifest))
    return sorted(out, key=lambda p: (not p.plugins, p.name.lower()))


# -- pip ----------------------------------------------------------------------------------
def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def pip_command() -> list[str]:
    """How to start pip: ``python -m pip``, or the frozen app's console executable."""
    if not frozen():
        return [sys.executable, "-m", "pip"]
    exe = Path(sys.executable)
    # The windowed executable (neurodeck-gui) has no stdout; pip needs the console one.
    console = exe.with_name("neurodeck" + exe.suffix)
    return [str(console if console.exists() else exe)]


def run_pip_if_requested() -> None:
    """In the frozen app: act as pip when started by :func:`_pip` (never returns then)."""
    if os.environ.get(PIP_ENV) != "1" or not frozen():
        return
    del os.environ[PIP_ENV]
    # The bundle ignores PYTHONPATH; honour it here so the dry run sees the plugin folder.
    for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if entry and entry not in sys.path:
            sys.path.append(entry)
    from pip._internal.cli.main import main as pip_main

    sys.exit(pip_main(sys.argv[1:]))


def _pip(args: Sequence[str], extra_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env[PIP_ENV] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(extra_path), env.get("PYTHONPATH", "")) if p)
    cmd = [*pip_command(), *args]
    # No console window flashing up when the windowed app runs pip on Windows.
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                          creationflags=flags)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-12:])
        raise InstallError(f"pip {args[0]} failed (exit {proc.returncode}):\n{tail}")
    return proc


def _requirement(spec: str) -> str:
    """A wheel path becomes absolute; anything else is a requirement for pip."""
    path = Path(spec).expanduser()
    if spec.endswith((".whl", ".tar.gz", ".zip")) or path.exists():
        if not path.exists():
            raise InstallError(f"no such file: {spec}")
        return str(path.resolve())
    return spec


def _local_path(url: str) -> str | None:
    parsed = urlparse(url)
    if parsed.scheme != "file":
        return None
    return url2pathname(unquote(parsed.path))


def install(spec: str, *, target: Path | None = None, upgrade: bool = False,
            pip_args: Sequence[str] = ()) -> list[str]:
    """Install a plugin (wheel file or requirement such as ``neurodeck-foo>=1``).

    ``pip_args`` go to both pip calls (e.g. ``["--no-index", "--find-links", DIR]``).
    Returns the ``name==version`` of every distribution installed. Raises
    :class:`InstallError` when pip fails, when nothing needs installing, or when the
    plugin needs a different version of a package the app already ships.
    """
    target = Path(target or plugin_dir())
    target.mkdir(parents=True, exist_ok=True)
    requirement = _requirement(spec)
    common = list(pip_args)
    if frozen():
        common.append("--only-binary=:all:")
    with tempfile.TemporaryDirectory(prefix="neurodeck-pip-") as tmp:
        report_path = Path(tmp) / "report.json"
        plan = ["install", "--dry-run", "--quiet", "--report", str(report_path), *common]
        if upgrade:
            plan.append("--upgrade")
        _pip([*plan, requirement], target)
        report = json.loads(report_path.read_text(encoding="utf-8"))
    items = report.get("install", [])
    if not items:
        raise InstallError(f"{spec}: already installed and up to date"
                           + ("" if upgrade else " (use upgrade to update it)"))
    top = [i for i in items if i.get("requested")]
    _refuse_app_packages([i for i in items if not i.get("requested")], target)
    sources = []
    for item in items:
        url = item["download_info"]["url"]
        sources.append(_local_path(url) or f"{item['metadata']['name']} @ {url}")
    _pip(["install", "--quiet", "--no-deps", "--upgrade", "--target", str(target),
          *common, *sources], target)
    manifest = _read_manifest(target)
    deps = [canonical_name(i["metadata"]["name"]) for i in items if not i.get("requested")]
    for item in top:
        key = canonical_name(item["metadata"]["name"])
        manifest[key] = sorted(set(manifest.get(key, [])) | set(deps))
    _write_manifest(target, manifest)
    importlib.invalidate_caches()
    return [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items]


def _refuse_app_packages(deps: list[dict], target: Path) -> None:
    """A dependency the app already ships (in another version) cannot be replaced: the
    plugin folder comes last on ``sys.path``, so the app's copy would win anyway."""
    clashes = []
    for item in deps:
        name = item["metadata"]["name"]
        with contextlib.suppress(md.PackageNotFoundError):
            dist = md.distribution(name)
            located = Path(str(dist.locate_file(""))).resolve()
            if target.resolve() not in (located, *located.parents):
                clashes.append(f"{name} {item['metadata']['version']} (the app has "
                               f"{dist.version})")
    if clashes:
        raise InstallError("the plugin needs versions of packages that neurodeck itself "
                           "ships: " + ", ".join(clashes))


def remove(name: str, *, target: Path | None = None) -> list[str]:
    """Remove a plugin distribution and the dependencies only it needed.

    Returns the names removed. Raises :class:`InstallError` if it is not in the folder.
    """
    target = Path(target or plugin_dir())
    dists = _distributions(target) if target.is_dir() else {}
    key = canonical_name(name)
    if key not in dists:
        # Also accept the plugin's entry-point name (what `neurodeck plugins` shows).
        key = next((k for k, d in dists.items() if any(
            ep.group == ENTRY_POINT_GROUP and ep.name == name for ep in d.entry_points)), key)
    if key not in dists:
        raise InstallError(f"{name} is not installed in {target}")
    manifest = _read_manifest(target)
    manifest.pop(key, None)
    # Its dependency tree inside the folder, less what the other plugins still need.
    keep = requirement_closure(dists, [k for k in manifest if k in dists])
    orphans = requirement_closure(dists, [key]) - keep - set(manifest) - {key}
    removed = []
    for k in [key, *sorted(orphans)]:
        if k in dists:
            removed.append(dists[k].metadata["Name"])  # read before its metadata goes
            _delete_distribution(dists[k], target)
    _write_manifest(target, manifest)
    importlib.invalidate_caches()
    return removed


def requirement_closure(dists: dict[str, md.Distribution], roots: Sequence[str]) -> set[str]:
    """The distributions of ``dists`` (keyed by canonical name) that ``roots`` need,
    transitively, following extras such as ``dask[distributed]``. Also used by the
    PyInstaller spec to copy the metadata of everything the app ships."""
    from packaging.requirements import Requirement

    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonical_name(r), frozenset()) for r in roots]
    while todo:
        key, extras = todo.pop()
        if (key, extras) in seen or key not in dists:
            continue
        seen.add((key, extras))
        for text in dists[key].requires or []:
            req = Requirement(text)
            envs = [{"extra": e} for e in extras] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((canonical_name(req.name), frozenset(req.extras)))
    return {key for key, _ in seen}


def _delete_distribution(dist: md.Distribution, target: Path) -> None:
    root = target.resolve()
    info_dir = Path(str(dist._path)).resolve()  # type: ignore[attr-defined]
    # RECORD may name scripts outside the folder (../../bin): never touch those.
    files = [p for p in (Path(str(dist.locate_file(rel))).resolve() for rel in dist.files or [])
             if root in p.parents]
    for path in files:
        if path.is_file():
            path.unlink()
    for ep in dist.entry_points:
        if ep.group in ("console_scripts", "gui_scripts"):
            for script in (root / "bin").glob(ep.name + "*"):
                script.unlink()
    shutil.rmtree(info_dir, ignore_errors=True)
    # Drop the folders the files lived in once empty (deepest first).
    dirs = {p.parent for p in files}
    for d in sorted(dirs, key=lambda p: len(p.parts), reverse=True):
        # Byte-code caches are not in RECORD: a folder holding only them is empty.
        while d != root and root in d.parents and d.is_dir():
            if any(p.name != "__pycache__" for p in d.iterdir()):
                break
            shutil.rmtree(d, ignore_errors=True)
            d = d.parent


# -- command line ----------------------------------------------------------------------
def configure_cli(sub: argparse._SubParsersAction) -> None:
    """Add ``install-plugin`` and ``remove-plugin`` to the ``neurodeck`` command."""
    p = sub.add_parser("install-plugin",
                       help="install a plugin (wheel file or package name) for this user")
    p.add_argument("spec", nargs="?", help="a .whl file or a requirement (neurodeck-foo>=1)")
    p.add_argument("--upgrade", action="store_true", help="update it if already installed")
    p.add_argument("--list", action="store_true", help="list the installed plugins instead")
    p.add_argument("--pip-arg", action="append", default=[], metavar="ARG",
                   help="extra pip argument, e.g. --pip-arg=--no-index (repeatable)")
    p = sub.add_parser("remove-plugin", help="remove a plugin installed for this user")
    p.add_argument("name", help="its distribution or plugin name")


def cmd_install(args: argparse.Namespace) -> int:
    if args.list or not args.spec:
        for p in installed():
            kind = "plugin" if p.plugins else "dependency"
            print(f"{p.name:<28} {p.version:<10} {kind} {', '.join(p.plugins)}")
        print(f"(folder: {plugin_dir()})")
        return 0
    try:
        done = install(args.spec, upgrade=args.upgrade, pip_args=args.pip_arg)
    except InstallError as exc:
        print(f"neurodeck: error: {exc}", file=sys.stderr)
        return 1
    print(f"installed {', '.join(done)} into {plugin_dir()}; restart neurodeck to use it")
    for p in installed():
        if p.requested and not p.plugins:
            print(f"note: {p.name} declares no '{ENTRY_POINT_GROUP}' entry point, so it "
                  "adds nothing to neurodeck by itself", file=sys.stderr)
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    try:
        gone = remove(args.name)
    except InstallError as exc:
        print(f"neurodeck: error: {exc}", file=sys.stderr)
        return 1
    print(f"removed {', '.join(gone)}; restart neurodeck for it to take effect")
    return 0
