"""Batch runs: one analysis over many recordings on dask.distributed.

``neurodeck batch ANALYSIS --inputs GLOB --param K=V --out DIR`` and the GUI's batch
dialog use :func:`run_batch`. Importing this package does not import dask.
"""

from .plan import Task, expand_inputs, is_current, output_names, read_provenance
from .runner import BatchItem, BatchReport, default_workers, read_summary, run_batch

__all__ = ["BatchItem", "BatchReport", "Task", "default_workers", "expand_inputs",
           "is_current", "output_names", "read_provenance", "read_summary", "run_batch"]
