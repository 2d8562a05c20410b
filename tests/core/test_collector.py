"""Full garbage collections stay short while jobs run: what exists after a job that
imported modules is frozen, garbage is collected first, and objects that may leave the
session are handed back to the collector (neurodeck.jobs.collector)."""

import gc
import sys
import types
import weakref

import numpy as np
import pytest

from neurodeck.data import Traces
from neurodeck.jobs import collector
from neurodeck.session import Session


@pytest.fixture(autouse=True)
def _thawed(monkeypatch):
    gc.unfreeze()
    monkeypatch.setattr(collector, "_modules_at_freeze", len(sys.modules))
    monkeypatch.setattr(collector, "_released", False)
    yield
    gc.unfreeze()  # later tests run with an ordinary collector


class Node:
    def __init__(self):
        self.other = self  # a reference cycle: only the collector frees it


def _import_modules(monkeypatch, n=collector.MODULES_GROWTH):
    for i in range(n):
        monkeypatch.setitem(sys.modules, f"_neurodeck_fake_{i}", types.ModuleType("m"))


def test_settle_freezes_only_after_imports_and_collects_first(monkeypatch):
    assert not collector.settle() and gc.get_freeze_count() == 0  # nothing imported
    garbage = Node()
    dead = weakref.ref(garbage)
    del garbage  # unreachable, but alive until a collection
    alive = Node()
    _import_modules(monkeypatch)
    assert collector.settle()
    assert dead() is None  # collected, not frozen
    assert gc.get_freeze_count() > 1000  # modules, classes, functions... and ``alive``
    assert not gc.is_finalized(alive) and not collector.settle()  # no new imports: no-op


def test_release_hands_frozen_objects_back(monkeypatch):
    _import_modules(monkeypatch)
    assert collector.settle()
    node = Node()  # made after the freeze: collectable as ever
    _import_modules(monkeypatch, 2 * collector.MODULES_GROWTH)
    assert collector.settle()  # ``node`` is frozen now
    dead = weakref.ref(node)
    del node
    gc.collect()
    assert dead() is not None  # a frozen cycle is out of the collector's reach...
    collector.release()
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert dead() is None  # ...until it is released
    assert collector.settle()  # and the next job's end freezes again


def test_session_releases_when_entries_leave(monkeypatch):
    session = Session()
    entry = session.add(Traces(np.zeros((2, 10)), ["a", "b"], sfreq=10.0))
    _import_modules(monkeypatch)
    assert collector.settle() and gc.get_freeze_count() > 0
    session.remove(entry.id)
    assert gc.get_freeze_count() == 0
