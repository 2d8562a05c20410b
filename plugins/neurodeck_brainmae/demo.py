"""The analysis's own demo input: a synthetic scan in the shipped checkpoint's layout.

No real 94-region AAL2 scan at TR 0.72 s may be redistributed (the HCP data-use terms),
so the demo is a *statistical twin* of the training scans, not a recording: Gaussian,
with the pooled spatial covariance of the z-scored training scans, every region
sharing their average power spectrum (so x = L s, L L^T = C, s independent with that
spectrum), then scaled to each region's average BOLD mean and standard deviation. Its
statistics are those of the checkpoint's training data, no subject's signal is in it.

Rebuild (seeded, from the same data as the checkpoint)::

    python -m neurodeck_brainmae.demo ../shared/data/fmri/rest_roi_timeseries_aal2.h5 \\
        --group hcp --exclude 213522,377451
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "demo"
NAME = "brainmae_demo_aal2_synthetic"


def demo_path() -> Path:
    """The bundled demo table (File > Open Sample)."""
    return HERE / f"{NAME}.csv"


def average_spectrum(zs: Sequence[np.ndarray], frames: int) -> np.ndarray:
    """Mean periodogram of every region's consecutive ``frames``-long windows."""
    if frames > min(z.shape[1] for z in zs):
        raise ValueError(f"{frames} frames is longer than the shortest scan")
    acc, count = np.zeros(frames // 2 + 1), 0
    for z in zs:
        for start in range(0, z.shape[1] - frames + 1, frames):
            acc += (np.abs(np.fft.rfft(z[:, start:start + frames], axis=1)) ** 2).sum(0)
            count += z.shape[0]
    return acc / count


def twin(scans: Sequence[np.ndarray], frames: int, seed: int = 0) -> np.ndarray:
    """A (N, frames) Gaussian scan with the scans' pooled covariance, mean spectrum,
    region means and standard deviations."""
    from .gaussian import pooled_covariance
    from .infer import normalise

    zs = [normalise(s)[0].astype(np.float64) for s in scans]
    cov = pooled_covariance(zs)
    spectrum = average_spectrum(zs, frames)
    spectrum[0] = 0.0  # zero mean: the constant comes from the region means below
    rng = np.random.default_rng(seed)
    n = cov.shape[0]
    white = np.fft.rfft(rng.standard_normal((n, frames)), axis=1)
    s = np.fft.irfft(white * np.sqrt(spectrum), n=frames, axis=1)
    s = (s - s.mean(1, keepdims=True)) / s.std(1, keepdims=True)
    x = np.linalg.cholesky(cov) @ s
    x = (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)  # exact region scales
    means = np.mean([s_.mean(1) for s_ in scans], axis=0)
    stds = np.mean([s_.std(1) for s_ in scans], axis=0)
    return means[:, None] + stds[:, None] * x


def main(argv: Sequence[str] | None = None) -> int:
    from .scans import load_scans

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data")
    ap.add_argument("--group", default=None)
    ap.add_argument("--exclude", default="", help="comma-separated scans left out "
                    "(the checkpoint's held-out subjects)")
    ap.add_argument("--frames", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(HERE / NAME))
    args = ap.parse_args(argv)
    skip = {k.strip() for k in args.exclude.split(",") if k.strip()}
    scans = [s for s in load_scans([args.data], args.group)
             if s.name.split("/")[-1] not in skip]
    x = twin([s.data for s in scans], args.frames, args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    names = scans[0].regions or [f"r{i}" for i in range(x.shape[0])]
    lines = [",".join(names)] + [",".join(f"{v:.2f}" for v in row) for row in x.T]
    out.with_suffix(".csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    side = {"RepetitionTime": scans[0].tr,
            "atlas": "AAL2 (labels 1-94, cerebellum excluded, L/R interleaved)",
            "synthetic": True,
            "description": "Gaussian statistical twin of the BrainMAE checkpoint's training "
                           "scans (pooled covariance, mean spectrum, region means and SDs); "
                           "not a recording",
            "generated_by": "python -m neurodeck_brainmae.demo", "seed": args.seed,
            "from_scans": [s.name for s in scans]}
    out.with_suffix(".json").write_text(json.dumps(side, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out.with_suffix('.csv')} ({x.shape[0]} regions x {x.shape[1]} frames)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
