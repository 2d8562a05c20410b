"""Plugin discovery and error isolation over pluggy.

Plugins are found through the ``neurodeck.plugins`` entry-point group. A plugin
that fails to import, or whose hook raises, is recorded with its traceback and
skipped; every other plugin keeps working.
"""

from __future__ import annotations

import contextlib
import importlib.metadata as md
import os
import sys
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from types import ModuleType
from typing import Any

import pluggy

from .. import hookspecs
from ..errors import PluginError
from ..settings import Settings
from .contributions import CONTRIBUTION_TYPES, Analysis, Transform

ENTRY_POINT_GROUP = "neurodeck.plugins"
BUILTIN_DIST = "neurodeck"
#: Plugins inside the core package itself, registered before the entry points (as datasette
#: registers its DEFAULT_PLUGINS): the built-in command-line sub-commands.
DEFAULT_PLUGINS = {"neurodeck-core": "neurodeck.commands"}
#: A plugin whose import takes longer is skipped (and reported): a hung import must not
#: hang start-up or every CLI command. ``NEURODECK_PLUGIN_IMPORT_TIMEOUT`` overrides it.
IMPORT_TIMEOUT_S = 20.0
#: The field naming each kind of contribution (ids must be unique per kind).
ID_FIELD = {"commands": "name"}

HOOKS: dict[str, str] = {
    "readers": "neurodeck_readers",
    "writers": "neurodeck_writers",
    "analyses": "neurodeck_analyses",
    "transforms": "neurodeck_transforms",
    "views": "neurodeck_views",
    "sample_data": "neurodeck_sample_data",
    "commands": "neurodeck_commands",
}


@dataclass
class PluginInfo:
    """What the plugin manager knows of one plugin."""

    name: str
    module: str
    version: str = ""
    distribution: str = ""
    builtin: bool = False
    enabled: bool = True
    loaded: bool = False
    errors: list[str] = field(default_factory=list)  # tracebacks

    @property
    def status(self) -> str:
        if not self.enabled:
            return "disabled"
        if self.errors and not self.loaded:
            return "failed"
        return "error" if self.errors else "ok"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "module": self.module, "version": self.version,
                "distribution": self.distribution, "builtin": self.builtin,
                "enabled": self.enabled, "status": self.status, "errors": list(self.errors)}


class PluginManager:
    """Discovers plugins, collects their contributions and remembers their failures."""

    def __init__(self, settings: Settings | None = None, safe_mode: bool = False):
        self.settings = settings if settings is not None else Settings()
        self.safe_mode = safe_mode
        self.pm = pluggy.PluginManager("neurodeck")
        self.pm.add_hookspecs(hookspecs)
        self.info: dict[str, PluginInfo] = {}
        self._cache: dict[str, list[Any]] = {}

    # -- discovery ---------------------------------------------------------------
    def discover(self) -> None:
        """Load every plugin registered under the ``neurodeck.plugins`` entry points.

        Plugins print nothing to stdout (it goes to stderr), so machine-readable output
        such as ``neurodeck plugins --json`` stays clean.
        """
        with contextlib.redirect_stdout(sys.stderr):
            self._discover()

    def _discover(self) -> None:
        from .installer import activate_plugin_dir

        activate_plugin_dir()  # plugins the user installed (neurodeck install-plugin)
        import importlib

        for name, module in DEFAULT_PLUGINS.items():
            if name not in self.info:
                info = PluginInfo(name=name, module=module, builtin=True,
                                  distribution=BUILTIN_DIST, version=_core_version())
                self.info[name] = info
                self._register(importlib.import_module(module), info)
        disabled = self.settings.disabled_plugins
        for ep in md.entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in self.info:
                continue
            dist = getattr(ep, "dist", None)
            dist_name = dist.metadata["Name"] if dist is not None else ""
            info = PluginInfo(
                name=ep.name, module=ep.value,
                version=dist.version if dist is not None else "",
                distribution=dist_name or "",
                builtin=(dist_name or "").lower() == BUILTIN_DIST,
            )
            info.enabled = ep.name not in disabled and not (self.safe_mode and not info.builtin)
            self.info[ep.name] = info
            if not info.enabled:
                continue
            module = self._load(ep, info)
            if module is not None:
                self._register(module, info)
        self._cache.clear()

    @staticmethod
    def _load(ep: md.EntryPoint, info: PluginInfo) -> Any:
        """Import a plugin's module in a thread, giving up after IMPORT_TIMEOUT_S."""
        box: dict[str, Any] = {}

        def target() -> None:
            try:
                box["module"] = ep.load()
            except BaseException:  # noqa: BLE001 - a plugin may raise anything
                box["error"] = traceback.format_exc()

        timeout = float(os.environ.get("NEURODECK_PLUGIN_IMPORT_TIMEOUT", IMPORT_TIMEOUT_S))
        thread = threading.Thread(target=target, name=f"import-{ep.name}", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            info.errors.append(f"importing {ep.value} did not finish in {timeout:g} s; the "
                               "plugin is skipped (start neurodeck with --safe-mode, or "
                               "remove it)")
            return None
        if "error" in box:
            info.errors.append(box["error"])
            return None
        return box.get("module")

    def register(
        self, plugin: ModuleType | object, name: str | None = None, *,
        version: str = "", builtin: bool = False,
    ) -> PluginInfo:
        """Register a plugin object at run time (tests, scripts, notebooks)."""
        name = name or getattr(plugin, "__name__", type(plugin).__name__)
        info = PluginInfo(name=name, module=getattr(plugin, "__name__", name),
                          version=version or str(getattr(plugin, "__version__", "")),
                          builtin=builtin)
        self.info[name] = info
        self._register(plugin, info)
        self._cache.clear()
        return info

    def unregister(self, name: str) -> None:
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self.info.pop(name, None)
        self._cache.clear()

    def _register(self, plugin: Any, info: PluginInfo) -> None:
        try:
            self.pm.register(plugin, name=info.name)
            info.loaded = True
        except BaseException:  # noqa: BLE001
            info.errors.append(traceback.format_exc())

    def set_enabled(self, name: str, enabled: bool) -> None:
        """Persist the choice; it takes effect at the next start."""
        self.settings.set_plugin_enabled(name, enabled)
        if name in self.info:
            self.info[name].enabled = enabled

    # -- contributions -------------------------------------------------------------
    def contributions(self, kind: str) -> list[Any]:
        """All contributions of one kind (``"readers"``, ``"analyses"``...), each
        stamped with the name of the plugin that made it. Malformed ones are refused, and
        of two with the same id the built-in (else the first registered) is kept; each
        refusal is recorded on its plugin."""
        if kind not in self._cache:
            with contextlib.redirect_stdout(sys.stderr):
                items = list(self._collect(HOOKS[kind]))
            self._cache[kind] = self._unique(kind, items)
        return self._cache[kind]

    def _collect(self, hook_name: str) -> Iterable[Any]:
        from .validate import problems

        hook = getattr(self.pm.hook, hook_name)
        impls = sorted(hook.get_hookimpls(), key=lambda i: not self._builtin(i.plugin_name))
        for impl in impls:
            name = impl.plugin_name
            try:
                items = impl.function() or []
                items = list(items)
            except BaseException as exc:  # noqa: BLE001
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self._record(name, f"hook {hook_name} raised:\n{traceback.format_exc()}")
                continue
            for item in items:
                if not isinstance(item, CONTRIBUTION_TYPES):
                    self._record(name, f"hook {hook_name} returned {item!r:.100}, not a "
                                       "contribution")
                    continue
                bad = problems(item)
                if bad:
                    self._record(name, f"hook {hook_name}: {type(item).__name__} "
                                       f"{getattr(item, 'id', getattr(item, 'name', '?'))!r:.60}"
                                       f" is refused: bad field(s) {', '.join(bad)}")
                    continue
                yield replace(item, plugin=name)

    def _builtin(self, plugin: str) -> bool:
        info = self.info.get(plugin)
        return bool(info and info.builtin)

    def _unique(self, kind: str, items: list[Any]) -> list[Any]:
        key = ID_FIELD.get(kind, "id")
        seen: dict[str, Any] = {}
        out = []
        for item in items:  # built-in plugins first
            ident = getattr(item, key)
            if ident in seen:
                first = seen[ident]
                origin = "built-in " if self._builtin(first.plugin) else ""
                self._record(item.plugin, f"{kind[:-1]} id {ident!r} is already provided by "
                                          f"{origin}plugin {first.plugin!r}; this one is "
                                          "ignored (rename its id)")
                continue
            seen[ident] = item
            out.append(item)
        return out

    def _record(self, plugin: str, message: str) -> None:
        info = self.info.setdefault(plugin, PluginInfo(name=plugin, module=plugin))
        if message not in info.errors:  # contributions are collected again after changes
            info.errors.append(message)

    def errors(self) -> list[PluginError]:
        return [
            PluginError(i.name, e.splitlines()[-1] if e.strip() else "error", e)
            for i in self.info.values() for e in i.errors
        ]

    # -- look-ups ------------------------------------------------------------------
    def analysis(self, analysis_id: str) -> Analysis:
        for a in self.contributions("analyses"):
            if a.id == analysis_id:
                return a
        known = ", ".join(sorted(a.id for a in self.contributions("analyses")))
        raise KeyError(f"no analysis {analysis_id!r} (available: {known})")

    def transform(self, transform_id: str) -> Transform:
        for t in self.contributions("transforms"):
            if t.id == transform_id:
                return t
        known = ", ".join(sorted(t.id for t in self.contributions("transforms")))
        raise KeyError(f"no transform {transform_id!r} (available: {known or 'none'})")

    def step(self, kind: str, step_id: str) -> Analysis | Transform:
        """An analysis (``kind="analysis"``) or a transform (``"transform"``) by id."""
        if kind == "analysis":
            return self.analysis(step_id)
        if kind == "transform":
            return self.transform(step_id)
        raise ValueError(f"unknown step kind {kind!r} (analysis or transform)")

    def plugin_version(self, name: str) -> str:
        info = self.info.get(name)
        return info.version if info else ""


def _core_version() -> str:
    from .._version import __version__

    return __version__
