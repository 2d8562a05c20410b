"""Quality measures of a 4-D BOLD run (``fmri-qc``): temporal mean, standard deviation
and signal-to-noise ratio per voxel, the global signal and DVARS per volume.

tSNR is the temporal mean over the temporal standard deviation (n - 1) of each voxel
(Triantafyllou et al. 2005); the brain mask is nilearn's ``compute_epi_mask`` of the
mean image. DVARS is the root mean square over the mask of the difference between
consecutive volumes (Power et al. 2012), in the run's intensity units; the global
signal is the mean over the mask of each volume. Volumes are read one at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neurodeck.data import FmriRun
from neurodeck.errors import InputError
from neurodeck.jobs.progress import Progress


def run(inputs: list[Any], params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    (fmri,) = inputs
    if not isinstance(fmri, FmriRun) or len(fmri.shape) != 4 or fmri.n_volumes < 3:
        raise InputError(f"{fmri.name}: fMRI quality measures need a 4-D run of at least 3 "
                         "volumes")
    n = fmri.n_volumes
    total = np.zeros(fmri.shape[:3])
    squares = np.zeros(fmri.shape[:3])
    for t in range(n):  # one volume in memory at a time
        vol = np.asarray(fmri.volume(t), dtype=np.float64)
        total += vol
        squares += vol * vol
        progress.update(0.5 * (t + 1) / n, f"volume {t + 1} of {n}: mean and variance")
    mean = total / n
    var = np.maximum(squares - n * mean * mean, 0.0) / (n - 1)
    std = np.sqrt(var)
    import nibabel as nib
    from nilearn.masking import compute_epi_mask

    mask = np.asarray(compute_epi_mask(nib.Nifti1Image(mean.astype(np.float32),
                                                       fmri.affine)).dataobj, bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        tsnr = np.where(std > 0, mean / np.where(std > 0, std, 1.0), 0.0)
    global_signal = np.zeros(n)
    dvars = np.zeros(n - 1)
    previous = None
    for t in range(n):
        vol = np.asarray(fmri.volume(t), dtype=np.float64)[mask]
        global_signal[t] = vol.mean()
        if previous is not None:
            dvars[t - 1] = np.sqrt(np.mean((vol - previous) ** 2))
        previous = vol
        progress.update(0.5 + 0.5 * (t + 1) / n, f"volume {t + 1} of {n}: DVARS")
    tr = float(fmri.tr)
    return {"mean": mean.astype(np.float32), "std": std.astype(np.float32),
            "tsnr": tsnr.astype(np.float32), "mask": mask,
            "global_signal": global_signal, "dvars": dvars,
            "median_tsnr": np.float64(np.median(tsnr[mask])) if mask.any() else np.nan,
            "times": np.arange(n) * tr, "tr": np.float64(tr)}
