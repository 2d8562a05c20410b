"""Keeping the garbage collector's full passes short while jobs run (Qt-free).

A full (generation-2) collection holds the interpreter lock while it walks every object
the collector tracks. Once MNE, SciPy and numba are imported that is ~150,000 objects and
80-140 ms (five such passes during the EEG chain's epochs step, on a job thread), in which
the window cannot repaint. Nearly all of those objects are modules, classes and functions
that live as long as the process, so after a job that imported modules they are moved out
of the collector's reach (``gc.freeze``), once a collection has freed the garbage of the
moment (so no unreachable cycle is frozen with them).

Frozen objects are still freed by reference counting, but a reference cycle among them
would not be: a dataset that was alive at a freeze and is later removed from the session
could be in one. :func:`release` hands every frozen object back to the collector; the
session calls it when entries leave, and the next :func:`settle` freezes again.
"""

from __future__ import annotations

import gc
import sys
import threading

MODULES_GROWTH = 10  # new modules since the last freeze that make a new one worthwhile

_lock = threading.Lock()
_modules_at_freeze = 0
_released = False


def settle() -> bool:
    """After a job: if modules were imported (or frozen objects released) since the last
    freeze, collect and freeze what is left. Returns whether it froze. Call it when no
    job is running, so that no job's live temporaries are frozen."""
    global _modules_at_freeze, _released
    with _lock:
        n = len(sys.modules)
        if n < _modules_at_freeze + MODULES_GROWTH and not _released:
            return False
        gc.collect()
        gc.freeze()
        _modules_at_freeze, _released = n, False
        return True


def release() -> None:
    """Give the frozen objects back to the collector (entries left the session: a cycle
    among them must still be collectable)."""
    global _released
    with _lock:
        if gc.get_freeze_count():
            gc.unfreeze()
            _released = True
