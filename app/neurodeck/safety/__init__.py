"""Reading untrusted files safely: the threat model is that any file a user opens may be
crafted (see docs/security.md).

* :mod:`~neurodeck.safety.probe` - files are first opened in a warm worker process with
  time and memory limits and a file guard; the app opens them only if that went cleanly.
* :mod:`~neurodeck.safety.limits` - the memory budget readers check declared sizes
  against, plausible header ranges, finite analysis inputs.
* :mod:`~neurodeck.safety.references` - references to other files stay in the file's
  folder (HDF5 links, external storage and virtual datasets; BrainVision data files...).
* :mod:`~neurodeck.safety.policy` - ``memory_budget=`` and ``allow_external=`` options.
"""

from .errors import ExternalReference, Implausible, MemoryBudgetExceeded, UnsafeFile
from .limits import (
    NonFiniteInput,
    check_array,
    check_nbytes,
    check_range,
    declared_nbytes,
    require_finite,
)
from .policy import current as current_policy
from .probe import guarded
from .references import check_reference, inside

__all__ = [
    "ExternalReference", "Implausible", "MemoryBudgetExceeded", "NonFiniteInput",
    "UnsafeFile", "check_array", "check_nbytes", "check_range", "check_reference",
    "current_policy", "declared_nbytes", "guarded", "inside", "require_finite",
]
