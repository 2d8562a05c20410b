"""Spike inference by OASIS (Friedrich, Zhou & Paninski 2017), through ``oasis-deconv``.

Each trace is modelled as calcium ``c`` following an autoregressive process driven by
non-negative spikes ``s`` (AR(1): ``c[t] = g c[t-1] + s[t]``; AR(2) adds ``g2 c[t-2]``,
a finite rise), observed as ``y = b + c + noise``. With the L1 penalty the solver finds
the sparsest ``s`` whose fit meets the noise constraint ``|y - b - c|^2 = sn^2 T``
(convex); with L0 a thresholded variant. The time constants come from ``tau_d``/``tau_r``
(seconds) or are estimated from the trace's autocovariance; the noise ``sn`` from its
power spectrum - both by the package, as its authors wrote them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from neurodeck.errors import ParameterError
from neurodeck.jobs.progress import Progress


@dataclass
class Deconvolved:
    calcium: np.ndarray  # rows x frames, float32
    spikes: np.ndarray  # rows x frames, float32
    baseline: np.ndarray  # per row
    g: list[tuple[float, ...]]  # AR coefficients per row
    lam: np.ndarray  # per row (L1 multiplier)


def oasis_row(y: np.ndarray, sfreq: float, model: str = "ar1", tau_d: float | None = None,
              tau_r: float | None = None, penalty: str = "l1"):
    """OASIS on one trace: ``(c, s, b, g, lam)`` as ``oasis.functions.deconvolve`` gives."""
    from oasis.functions import deconvolve

    y = np.asarray(y, dtype=np.float64)
    pen = {"l1": 1, "l0": 0}[penalty]
    kwargs: dict = {"penalty": pen}
    if model == "ar1":
        if tau_d:
            kwargs.update(tau_d=float(tau_d), framerate=float(sfreq))
    elif model == "ar2":
        if tau_d and tau_r:
            kwargs.update(tau_d=float(tau_d), tau_r=float(tau_r), framerate=float(sfreq))
        elif tau_d or tau_r:
            raise ParameterError("AR(2) needs both tau_d and tau_r, or neither (estimated)")
        else:
            kwargs.update(tau_d=None, tau_r=None)  # both estimated
    else:
        raise ParameterError(f"model must be ar1 or ar2, got {model!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the package's notices about AR(2) optimisation
        return deconvolve(y, **kwargs)


def oasis(data: np.ndarray, sfreq: float, *, model: str = "ar1",
          tau_d: float | None = None, tau_r: float | None = None, penalty: str = "l1",
          progress: Progress | None = None) -> Deconvolved:
    """OASIS on every row of ``data`` (rows x frames). Rows that are constant or hold
    NaN give zero spikes (and NaN calcium) rather than failing the whole run."""
    data = np.asarray(data, dtype=np.float64)
    rows, n = data.shape
    c = np.zeros((rows, n), dtype=np.float32)
    s = np.zeros((rows, n), dtype=np.float32)
    b = np.full(rows, np.nan)
    lam = np.full(rows, np.nan)
    gs: list[tuple[float, ...]] = []
    for i in range(rows):
        if progress is not None:
            progress.update(i / max(rows, 1), f"OASIS: trace {i + 1} of {rows}")
        y = data[i]
        if n < 8 or not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            c[i] = np.nan
            gs.append(())
            continue
        ci, si, bi, gi, li = oasis_row(y, sfreq, model, tau_d, tau_r, penalty)
        c[i], s[i] = ci, np.maximum(si, 0)
        b[i], lam[i] = float(bi), float(li)
        gs.append(tuple(float(v) for v in np.atleast_1d(gi)))
    return Deconvolved(c, s, b, gs, lam)


def unit_amplitude(spikes: np.ndarray) -> float:
    """A row's typical single-event amplitude: the mass-weighted median of its non-zero
    spike estimates (half of the total estimated spiking lies in values at or above it),
    so the many tiny values the L1 solution leaves in noise do not drag it down; 0 when
    the row has no spikes."""
    nz = np.sort(spikes[spikes > 0])
    if not nz.size:
        return 0.0
    cum = np.cumsum(nz)
    return float(nz[min(np.searchsorted(cum, cum[-1] / 2), nz.size - 1)])
