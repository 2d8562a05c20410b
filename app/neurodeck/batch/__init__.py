"""Batch runs: one analysis or a pipeline over many recordings on dask.distributed.

``neurodeck batch ANALYSIS --inputs GLOB --param K=V --out DIR``,
``neurodeck pipeline run STEPS.toml --inputs GLOB --out DIR`` and the GUI's batch dialog use
:func:`run_pipeline`. Importing this package does not import dask.
"""

from .plan import (
           Source,
           Task,
           expand_inputs,
           expand_sources,
           is_current,
           output_names,
           read_provenance,
)
from .runner import BatchItem, BatchReport, default_workers, read_summary, run_batch, run_pipeline

__all__ = ["BatchItem", "BatchReport", "Source", "Task", "default_workers", "expand_inputs",
           "expand_sources", "is_current", "output_names", "read_provenance", "read_summary",
           "run_batch", "run_pipeline"]
