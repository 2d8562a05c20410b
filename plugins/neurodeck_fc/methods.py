"""The fc analysis: correlations (``compute``) or spectral measures (``spectral``)."""

from __future__ import annotations

from typing import Any

from neurodeck.errors import InputError
from neurodeck.jobs.progress import Progress

from .spectral import METHODS


def run(inputs, params: dict[str, Any], progress: Progress) -> dict:
    if params["method"] in METHODS:
        from .spectral import run as spectral_run

        return spectral_run(inputs, params, progress)
    if inputs[0].is_a("epochs"):
        raise InputError(f"{inputs[0].name} is epochs: pearson and partial correlation take "
                         "a continuous time series; choose a spectral method (coh, plv, "
                         "wpli, envelope...) for epochs")
    from .compute import run as correlation_run

    return correlation_run(inputs, params, progress)
