"""Plugin discovery and error isolation over pluggy.

Plugins are found through the ``neurodeck.plugins`` entry-point group. A plugin
that fails to import, or whose hook raises, is recorded with its traceback and
skipped; every other plugin keeps working.
"""

from __future__ import annotations

import importlib.metadata as md
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
        """Load every plugin registered under the ``neurodeck.plugins`` entry points."""
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
            try:
                module = ep.load()
            except BaseException as exc:  # noqa: BLE001 - a plugin may raise anything
                if isinstance(exc, KeyboardInterrupt):
                    raise
                info.errors.append(traceback.format_exc())
                continue
            self._register(module, info)
        self._cache.clear()

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
        stamped with the name of the plugin that made it."""
        if kind not in self._cache:
            self._cache[kind] = list(self._collect(HOOKS[kind]))
        return self._cache[kind]

    def _collect(self, hook_name: str) -> Iterable[Any]:
        hook = getattr(self.pm.hook, hook_name)
        for impl in hook.get_hookimpls():
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
                    self._record(name, f"hook {hook_name} returned {item!r}, not a contribution")
                    continue
                yield replace(item, plugin=name)

    def _record(self, plugin: str, message: str) -> None:
        info = self.info.setdefault(plugin, PluginInfo(name=plugin, module=plugin))
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
