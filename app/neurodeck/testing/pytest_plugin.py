"""pytest fixtures neurodeck ships for plugin authors (a ``pytest11`` entry point).

* ``neurodeck_config`` - an isolated, empty per-user settings folder.
* ``neurodeck_plugins`` - a fresh :class:`~neurodeck.plugin_api.manager.PluginManager`
  with every installed plugin discovered, installed as the process-wide manager
  for the test (``neurodeck.run``/``neurodeck.open`` use it).
* ``shared_data`` - the path of ``../shared/data``; skips when it is absent.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from . import shared_data_dir


@pytest.fixture
def neurodeck_config(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path_factory.mktemp("neurodeck-config")
    monkeypatch.setenv("NEURODECK_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def neurodeck_plugins(neurodeck_config: Path) -> Iterator:
    from neurodeck import api
    from neurodeck.plugin_api.manager import PluginManager

    previous = api._MANAGER
    pm = PluginManager()
    pm.discover()
    api.set_plugin_manager(pm)
    try:
        yield pm
    finally:
        api.set_plugin_manager(previous)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is not present beside this checkout (e.g. an sdist "
                    "built elsewhere); these tests need the real recordings in it")
    return path
