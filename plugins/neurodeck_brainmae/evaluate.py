"""Held-out evaluation of a checkpoint: BrainMAE against its three baselines, per scan and
mask ratio, on the masks the analysis draws (``seed``, one generator per ratio, scans in
order)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .config import BrainMAEConfig
from .model_np import NumpyBrainMAE

METHODS = ("brainmae", "gaussian", "mean", "nearest")


def heldout_table(config: BrainMAEConfig, weights: Mapping[str, np.ndarray],
                  scans: Sequence[tuple[str, np.ndarray]], covariance: np.ndarray,
                  ratios: Sequence[float] = (0.25, 0.5, 0.75),
                  seed: int = 0) -> list[dict[str, float | str]]:
    """One row per (mask ratio, scan): masked MSE in z units, averaged over regions."""
    from .infer import run_scan

    model = NumpyBrainMAE(config, weights)
    rows: list[dict[str, float | str]] = []
    for ratio in ratios:
        rng = np.random.default_rng(seed)
        for name, data in scans:
            r = run_scan(model, data, ratio, rng, covariance=covariance)
            rows.append({"scan": name, "mask_ratio": float(ratio),
                         "brainmae": float(r.error.mean()),
                         "gaussian": float(r.error_gaussian.mean()),
                         "mean": float(r.error_mean.mean()),
                         "nearest": float(r.error_nearest.mean())})
    return rows


def beats_baselines(rows: Sequence[Mapping[str, float | str]]) -> bool:
    """True when BrainMAE has the lowest error in every row."""
    return all(row["brainmae"] < min(row[m] for m in METHODS[1:]) for row in rows)


def format_table(rows: Sequence[Mapping[str, float | str]]) -> str:
    lines = [f"{'mask_ratio':>10} {'scan':>14} " + " ".join(f"{m:>9}" for m in METHODS)]
    for row in rows:
        lines.append(f"{row['mask_ratio']:>10.2f} {str(row['scan']):>14} "
                     + " ".join(f"{row[m]:>9.4f}" for m in METHODS))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Mapping[str, float | str]]) -> str:
    """The held-out table of docs/brainmae.md (the best method of each row in bold)."""
    lines = ["| mask ratio | subject | BrainMAE | Gaussian conditional mean | mean imputation "
             "| nearest in time | BrainMAE / Gaussian |", "|---|---|---|---|---|---|---|"]
    for row in rows:
        best = min(METHODS, key=lambda m: row[m])
        cells = [f"**{row[m]:.3f}**" if m == best else f"{row[m]:.3f}" for m in METHODS]
        lines.append(f"| {row['mask_ratio']:g} | {str(row['scan']).split('/')[-1]} | "
                     + " | ".join(cells) + f" | {row['brainmae'] / row['gaussian']:.3f} |")
    return "\n".join(lines) + "\n"
