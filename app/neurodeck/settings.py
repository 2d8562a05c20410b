"""Per-user settings (disabled plugins, recent files, preferences) in a JSON file."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from .atomic import write_text_atomic


def config_dir() -> Path:
    """``$NEURODECK_CONFIG_DIR`` or the platform's user config folder."""
    env = os.environ.get("NEURODECK_CONFIG_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir("neurodeck", appauthor=False))


class Settings:
    """A small JSON-backed dictionary, saved atomically on every change."""

    def __init__(self, path: Path | None = None):
        self.path = path or config_dir() / "settings.json"
        self._data: dict[str, Any] = {}
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(loaded, dict):
                self._data = loaded
        except (OSError, ValueError):
            # A missing or corrupt settings file must never stop the app.
            self._data = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._data[key] = value
        # A read-only home keeps the value for this session only.
        with contextlib.suppress(OSError):
            write_text_atomic(self.path, json.dumps(self._data, indent=2, sort_keys=True))

    # -- conveniences ---------------------------------------------------------
    @property
    def disabled_plugins(self) -> set[str]:
        value = self.get("disabled_plugins", [])  # a hand-edited file may hold anything
        return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()

    def set_plugin_enabled(self, name: str, enabled: bool) -> None:
        disabled = self.disabled_plugins
        (disabled.discard if enabled else disabled.add)(name)
        self.set("disabled_plugins", sorted(disabled))

    def recent_files(self) -> list[str]:
        value = self.get("recent_files", [])
        return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []

    def add_recent(self, path: str, limit: int = 10) -> None:
        items = [path] + [p for p in self.recent_files() if p != path]
        self.set("recent_files", items[:limit])
