"""Pipelines: a chain of transforms, optionally ending in an analysis, as a text file.

Saved as TOML (or JSON) that a person can read and edit, built in the GUI from a session's
history, applied to another dataset or to every member of a study, and run headless::

    neurodeck pipeline run steps.toml --inputs 'sub-*/eeg/*.edf' --out results/

A pipeline file is data: loading one validates every step against the installed plugins'
parameter schemas and executes nothing.
"""

from .build import from_history
from .model import FORMAT, Pipeline, PipelineError, load, loads

__all__ = ["FORMAT", "Pipeline", "PipelineError", "from_history", "load", "loads"]
