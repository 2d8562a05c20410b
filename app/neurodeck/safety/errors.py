"""Errors for files refused as unsafe. All are :class:`~neurodeck.errors.ReadError`s, so
code that handles read errors handles these; the GUI can tell them apart to offer the
user a choice (open anyway with a larger budget, allow the outside reference)."""

from __future__ import annotations

from ..errors import ReadError


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover - loop always returns


class MemoryBudgetExceeded(ReadError):
    """Reading the file would take more memory than the budget allows.

    ``nbytes`` is what it would need (``None`` when only a limit was hit), ``budget`` the
    budget in bytes. Opening it anyway: ``neurodeck.open(path, memory_budget=<bytes>)``.
    """

    option = "memory_budget"

    def __init__(self, path: object, what: str, nbytes: float | None, budget: int):
        self.nbytes = nbytes
        self.budget = budget
        need = f"{human_bytes(nbytes)} of memory, more than" if nbytes is not None else \
            "more memory than"
        super().__init__(path, f"{what} needs {need} the memory budget "
                               f"of {human_bytes(budget)} (pass memory_budget=<bytes> or raise "
                               "the 'memory_budget' setting to open it anyway)")


class ExternalReference(ReadError):
    """The file refers to another file outside its own folder.

    ``target`` is the referenced path. Opening it anyway:
    ``neurodeck.open(path, allow_external=True)``.
    """

    option = "allow_external"

    def __init__(self, path: object, target: str, how: str):
        self.target = target
        super().__init__(path, f"it refers to {target} ({how}), outside the file's own "
                               "folder; neurodeck reads only files in the folder of the file "
                               "you open (pass allow_external=True if you trust it)")


class UnsafeFile(ReadError):
    """The reader crashed, hung or tried to run code on this file (found by the probe).

    ``reason`` is one of ``"crash"``, ``"timeout"``, ``"memory"``, ``"code"``.
    """

    def __init__(self, path: object, reason: str, cause: str):
        self.reason = reason
        super().__init__(path, cause)


class Implausible(ReadError):
    """A header field holds a value no real recording or image has."""

    def __init__(self, path: object, field: str, value: object, expected: str):
        self.field = field
        self.value = value
        super().__init__(path, f"the header field {field} is {value!r}, which is not "
                               f"plausible ({expected}); the file is damaged or crafted")
