"""pytest fixtures neurodeck ships for plugin authors (a ``pytest11`` entry point).

* ``neurodeck_config`` - an isolated, empty per-user settings folder.
* ``neurodeck_plugins`` - a fresh :class:`~neurodeck.plugin_api.manager.PluginManager`
  with every installed plugin discovered, installed as the process-wide manager
  for the test (``neurodeck.run``/``neurodeck.open`` use it).
* ``neurodeck_view`` - ``neurodeck_view(view_id, obj)`` builds a registered view of a
  dataset or result offscreen through its ``View`` contribution (needs pytest-qt).
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


@pytest.fixture
def neurodeck_view(neurodeck_plugins, request: pytest.FixtureRequest):
    """A factory: ``neurodeck_view("my-view", result)`` -> the widget, closed after the test.

    It goes through the plugin's declared ``View`` (id, ``accepts``, widget string), so a
    typo in the declaration fails here rather than in the app. Set
    ``QT_QPA_PLATFORM=offscreen`` (e.g. in conftest.py) to run without a display.
    """
    qtbot = request.getfixturevalue("qtbot")  # pytest-qt, only when this fixture is used
    from neurodeck.plugin_api.lazy import resolve

    def make(view_id: str, obj):
        views = {v.id: v for v in neurodeck_plugins.contributions("views")}
        if view_id not in views:
            raise LookupError(f"no view {view_id!r} (registered: {', '.join(sorted(views))})")
        view = views[view_id]
        if not view.accepts_dataset(obj):
            raise TypeError(f"view {view_id!r} accepts {', '.join(view.accepts)}, "
                            f"not {', '.join(obj.kinds)}")
        widget = resolve(view.widget)(obj)
        qtbot.addWidget(widget)
        widget.resize(640, 480)
        widget.show()
        return widget

    return make


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if path is None:
        pytest.skip("../shared/data is not present beside this checkout (e.g. an sdist "
                    "built elsewhere); these tests need the real recordings in it")
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest an analysis that returns undeclared (or misses required) outputs fails,
    so a plugin's own tests catch a mismatch between ``outputs`` and what ``run`` returns."""
    import os

    from ..engine import STRICT_ENV

    os.environ.setdefault(STRICT_ENV, "1")
