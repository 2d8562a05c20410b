"""Installing third-party plugins into a per-user plugin folder.

The folder (:func:`plugin_dir`) is appended to ``sys.path`` before plugin discovery, so
packages in it are found through their ``neurodeck.plugins`` entry points like any other
installed plugin. Appending (never prepending) means a plugin cannot shadow the packages
the app itself ships (numpy, Qt...).

Installation runs pip in two steps so that the app's own packages are never installed
twice: a dry run against the running environment reports what is missing (less what the
plugin folder already holds), then only those distributions are installed with
``--target --no-deps``. Only wheels are installed (building a source package runs its
code), and each wheel is read before it is installed: one that would shadow an installed
distribution or module (``numpy``, ``neurodeck``...) or ships a start-up hook
(``sitecustomize.py``, ``usercustomize.py``, ``.pth`` files, a top-level ``pip/``...) is
refused (:func:`check_wheel`). pip never runs with the plugin folder on its path, so
nothing in the folder runs inside pip. In the frozen (PyInstaller) app pip is bundled
and run by the app's own executable (see :func:`run_pip_if_requested`).

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
    from pip._internal.cli.main import main as pip_main

    sys.exit(pip_main(sys.argv[1:]))


def _pip(args: Sequence[str], plugin_folder: Path) -> subprocess.CompletedProcess[str]:
    """Run pip with the plugin folder kept off its path: a file planted there (a
    ``sitecustomize.py``, a fake ``pip`` package) must never run inside pip."""
    env = dict(os.environ)
    env[PIP_ENV] = "1"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    folder = os.path.realpath(plugin_folder)
    kept = [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
            if p and os.path.realpath(p) != folder]
    if kept:
        env["PYTHONPATH"] = os.pathsep.join(kept)
    else:
        env.pop("PYTHONPATH", None)
    cmd = [*pip_command(), *args]
    # No console window flashing up when the windowed app runs pip on Windows.
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False,
                          creationflags=flags, cwd=tempfile.gettempdir())
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
    if Path(requirement).is_file() and not requirement.endswith(".whl"):
        raise InstallError(f"{spec}: only wheels (.whl) can be installed; building a source "
                           "package runs its code (build a wheel with `python -m build`)")
    if requirement.endswith(".whl"):
        check_wheel(Path(requirement), target)  # before pip even reads it
    common = [*pip_args, "--only-binary=:all:"]
    with tempfile.TemporaryDirectory(prefix="neurodeck-pip-") as tmp:
        report_path = Path(tmp) / "report.json"
        plan = ["install", "--dry-run", "--quiet", "--report", str(report_path), *common]
        if upgrade:
            plan.append("--upgrade")
        _pip([*plan, requirement], target)
        report = json.loads(report_path.read_text(encoding="utf-8"))
        # pip does not see the plugin folder (kept off its path): drop what is there.
        present = {k: d.version for k, d in _distributions(target).items()}
        items = [i for i in report.get("install", [])
                 if present.get(canonical_name(i["metadata"]["name"])) != i["metadata"]["version"]]
        if not items:
            raise InstallError(f"{spec}: already installed and up to date"
                               + ("" if upgrade else " (use upgrade to update it)"))
        top = [i for i in items if i.get("requested")]
        _refuse_app_packages(items, target)
        wheels = _fetch(items, common, Path(tmp) / "wheels", target)
        for wheel in wheels:
            check_wheel(wheel, target)
        _pip(["install", "--quiet", "--no-deps", "--upgrade", "--target", str(target),
              *common, *map(str, wheels)], target)
    manifest = _read_manifest(target)
    deps = [canonical_name(i["metadata"]["name"]) for i in items if not i.get("requested")]
    for item in top:
        key = canonical_name(item["metadata"]["name"])
        manifest[key] = sorted(set(manifest.get(key, [])) | set(deps))
    _write_manifest(target, manifest)
    importlib.invalidate_caches()
    return [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in items]


def _fetch(items: list[dict], common: list[str], folder: Path, target: Path) -> list[Path]:
    """The wheel file of every item: local ones as they are, the others downloaded."""
    local, remote = [], []
    for item in items:
        url = item["download_info"]["url"]
        path = _local_path(url)
        if path is not None:
            local.append(Path(path))
        else:
            remote.append(f"{item['metadata']['name']} @ {url}")
    if remote:
        folder.mkdir(parents=True, exist_ok=True)
        _pip(["download", "--quiet", "--no-deps", "--dest", str(folder), *common, *remote],
             target)
        local += sorted(folder.iterdir())
    return local


#: Top-level names that run at interpreter start-up or replace the installer itself.
STARTUP_NAMES = frozenset({"sitecustomize", "usercustomize", "site", "pip", "setuptools",
                           "pkg_resources", "_distutils_hack", "distutils", "wheel",
                           "encodings", "__pycache__"})


def _module_name(top: str) -> str:
    """``foo`` for ``foo/``, ``foo.py``, ``foo.cpython-311-x86_64-linux-gnu.so``..."""
    return top.split(".", 1)[0]


def _installed_elsewhere(module: str, target: Path) -> str | None:
    """Where ``module`` is importable from outside the plugin folder, if it is."""
    import importlib.util

    if module in sys.builtin_module_names:
        return "built in"
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.origin is None and spec.submodule_search_locations is not None:
        return None  # a namespace package: shared between distributions by design
    places = [spec.origin] if spec.origin and spec.origin not in ("built-in", "frozen") else []
    places += list(spec.submodule_search_locations or [])
    if not places:
        return spec.origin or "installed"
    root = target.resolve()
    outside = [p for p in places if root not in Path(p).resolve().parents]
    return outside[0] if outside else None


def check_wheel(wheel: Path, target: Path) -> None:
    """Refuse a wheel that would shadow what is installed or run code at start-up.

    Read from the archive itself (not its metadata, which could lie): every path it
    would install, data-scheme files included.
    """
    import zipfile

    try:
        with zipfile.ZipFile(wheel) as zf:
            names = zf.namelist()
    except (OSError, zipfile.BadZipFile) as exc:
        raise InstallError(f"{wheel.name}: not a readable wheel ({exc})") from exc
    problems: list[str] = []
    dist = wheel.name.split("-", 1)[0]
    with contextlib.suppress(md.PackageNotFoundError, ValueError):
        installed_dist = md.distribution(dist)
        located = Path(str(installed_dist.locate_file(""))).resolve()
        if target.resolve() not in (located, *located.parents):
            problems.append(f"it is named {dist!r}, a package neurodeck already has "
                            f"(version {installed_dist.version}); a plugin cannot replace it")
    tops: set[str] = set()
    for name in names:
        parts = [p for p in name.replace("\\", "/").split("/") if p]
        if not parts:
            continue
        if name.startswith("/") or ".." in parts or ":" in parts[0]:
            problems.append(f"{name!r} would be written outside the plugin folder")
            continue
        if parts[0].endswith(".data") and len(parts) > 2:
            if parts[1] in ("purelib", "platlib"):
                parts = parts[2:]
            elif parts[-1].endswith(".pth"):
                problems.append(f"{name!r} is a .pth start-up file")
                continue
            else:
                continue
        if parts[0].endswith((".dist-info", ".data")):
            continue
        if len(parts) == 1 and parts[0].endswith(".pth"):
            problems.append(f"{parts[0]!r} is a .pth start-up file (it would run at every "
                            "Python start)")
            continue
        tops.add(parts[0])
    for top in sorted(tops):
        module = _module_name(top)
        if module in STARTUP_NAMES:
            problems.append(f"it ships a top-level {top!r}, which Python or pip would run "
                            "in place of its own")
            continue
        where = _installed_elsewhere(module, target)
        if where is not None:
            problems.append(f"its top-level {top!r} would shadow the installed module "
                            f"{module!r} ({where})")
    if problems:
        raise InstallError(f"{wheel.name} was refused: " + "; ".join(problems))


def _refuse_app_packages(deps: list[dict], target: Path) -> None:
    """A distribution the app already has (numpy, neurodeck, ...) cannot be installed
    again as a plugin or a plugin's dependency, in any version: the folder comes last on
    ``sys.path``, so the app's copy would win anyway, and a second copy is how a wheel
    named like an installed package would shadow it."""
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
        raise InstallError("a plugin cannot install packages that neurodeck itself ships "
                           "(a second copy would shadow or fight the app's): "
                           + ", ".join(clashes))


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
