"""The public plugin API: contribution types, parameter types, the hook marker."""

import pluggy

from .contributions import (
    Analysis,
    Command,
    Output,
    Reader,
    SampleData,
    Transform,
    View,
    Writer,
    optional,
)
from .lazy import resolve
from .params import Bool, Choice, FilePath, Float, Int, IntList, Param, ParamSchema, Text
from .spans import sample_span

hookimpl = pluggy.HookimplMarker("neurodeck")

__all__ = [
    "Analysis", "Bool", "Choice", "Command", "FilePath", "Float", "Int", "IntList", "Output",
    "Param", "ParamSchema", "Reader", "SampleData", "Text", "Transform", "View", "Writer",
    "hookimpl", "optional", "resolve", "sample_span",
]
