"""The public plugin API: contribution types, parameter types, the hook marker."""

import pluggy

from .contributions import Analysis, Command, Reader, SampleData, View, Writer
from .lazy import resolve
from .params import Bool, Choice, FilePath, Float, Int, IntList, Param, ParamSchema, Text

hookimpl = pluggy.HookimplMarker("neurodeck")

__all__ = [
    "Analysis", "Bool", "Choice", "Command", "FilePath", "Float", "Int", "IntList", "Param",
    "ParamSchema", "Reader", "SampleData", "Text", "View", "Writer", "hookimpl", "resolve",
]
