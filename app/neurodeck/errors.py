"""Exceptions shared by the core, the plugins and the GUI."""

from __future__ import annotations


class NeurodeckError(Exception):
    """Base class for errors neurodeck reports to the user."""


class ReadError(NeurodeckError):
    """A file could not be read; the message names the file and the cause."""

    def __init__(self, path: object, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(f"Cannot open {self.path}: {cause}")


class LayoutChoiceNeeded(ReadError):
    """The file can be read, but the reader needs the user to choose how.

    ``option`` is the keyword to pass back to the reader (``neurodeck.open(path,
    **{option: value})``) and ``candidates`` lists dicts with at least a ``key`` (the
    value) and ideally ``shape``, ``dtype`` and ``role``; the GUI shows them in a
    mapping dialog.
    """

    def __init__(self, path: object, cause: str, option: str, candidates: list[dict]):
        super().__init__(path, cause)
        self.option = option
        self.candidates = candidates


class NotMine(ReadError):
    """A reader sharing an extension with others says the file is not its kind.

    Dropped from the combined message when another reader gives a real cause.
    """


class ParameterError(NeurodeckError, ValueError):
    """A parameter value is missing, of the wrong type or out of range."""


class InputError(NeurodeckError, TypeError):
    """An analysis was given data of a kind it does not accept."""


class PluginError(NeurodeckError):
    """A plugin failed to import or one of its hooks raised."""

    def __init__(self, plugin: str, message: str, traceback: str = ""):
        self.plugin = plugin
        self.traceback = traceback
        super().__init__(f"plugin {plugin!r}: {message}")


class Cancelled(NeurodeckError):
    """Raised inside a job when the user cancelled it."""
