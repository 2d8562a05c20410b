"""``neurodeck train-brainmae``: pre-train BrainMAE on ROI time series, write a checkpoint.

Example (the shipped checkpoint)::

    neurodeck train-brainmae ../shared/data/fmri/rest_roi_timeseries_aal2.h5 --group hcp \\
        --holdout 213522,377451 --atlas "AAL2 (labels 1-94, no cerebellum)" \\
        --out plugins/neurodeck_brainmae/checkpoints/brainmae_aal2_hcp
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from .config import Architecture, BrainMAEConfig


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("data", nargs="+", help="ROI time-series files (HDF5: every 2-D array "
                        "in --group is one scan, regions x time; or any ROI file neurodeck opens)")
    parser.add_argument("--out", required=True, help="checkpoint path (writes .safetensors and "
                        ".json)")
    parser.add_argument("--group", default=None, help="HDF5 group holding the scans")
    parser.add_argument("--tr", type=float, default=None, help="TR in s (when files lack it)")
    parser.add_argument("--holdout", default="", help="comma-separated scan names (or name "
                        "endings) kept out of training and used for the held-out evaluation")
    parser.add_argument("--atlas", default="", help="atlas name recorded in the config")
    a = Architecture(n_regions=3)
    parser.add_argument("--segment-length", type=int, default=a.segment_length)
    parser.add_argument("--d-model", type=int, default=a.d_model)
    parser.add_argument("--d-embed", type=int, default=a.d_embed)
    parser.add_argument("--heads", type=int, default=a.n_heads)
    parser.add_argument("--graph-blocks", type=int, default=a.n_graph_blocks)
    parser.add_argument("--temporal-layers", type=int, default=a.n_temporal_layers)
    parser.add_argument("--decoder-blocks", type=int, default=a.n_decoder_blocks)
    parser.add_argument("--mask-ratio", type=float, default=0.5)
    parser.add_argument("--unmasked-weight", type=float, default=0.1,
                        help="loss weight of visible regions relative to hidden ones")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--crop-segments", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop early after this many minutes (the step count is recorded)")


def _split(scans, holdout: str):
    keys = [k.strip() for k in holdout.split(",") if k.strip()]
    held = [s for s in scans if any(s.name == k or s.name.endswith("/" + k) for k in keys)]
    missing = [k for k in keys if not any(s.name == k or s.name.endswith("/" + k) for s in held)]
    if missing:
        raise SystemExit(f"--holdout names not found: {', '.join(missing)}")
    return [s for s in scans if s not in held], held


def heldout_errors(config: BrainMAEConfig, weights, scans, mask_ratio: float,
                   seed: int = 0) -> dict[str, float]:
    """Mean over scans and regions of the masked-reconstruction MSE (z units) of the
    model and the two baselines."""
    from .infer import run_scan
    from .model_np import NumpyBrainMAE

    model = NumpyBrainMAE(config, weights)
    rng = np.random.default_rng(seed)
    res = [run_scan(model, s.data, mask_ratio, rng) for s in scans]
    return {"brainmae": float(np.mean([r.error for r in res])),
            "mean_imputation": float(np.mean([r.error_mean for r in res])),
            "nearest_in_time": float(np.mean([r.error_nearest for r in res]))}


def main(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        print("train-brainmae needs PyTorch: pip install 'neurodeck[train]'", file=sys.stderr)
        return 2
    from . import checkpoint
    from .scans import load_scans
    from .train import TrainSettings, train

    scans = load_scans(args.data, args.group)
    n_regions = {s.data.shape[0] for s in scans}
    if len(n_regions) != 1:
        raise SystemExit(f"scans have different numbers of regions: {sorted(n_regions)}")
    trs = {s.tr for s in scans if s.tr is not None}
    tr = args.tr if args.tr is not None else (trs.pop() if len(trs) == 1 else None)
    if tr is None:
        raise SystemExit("the TR is unknown or differs between files: pass --tr")
    if any(s.tr is not None and abs(s.tr - tr) > 0.01 * tr for s in scans):
        raise SystemExit(f"some scans have a TR other than {tr} s; resample them first")
    train_scans, held = _split(scans, args.holdout)
    if not train_scans:
        raise SystemExit("no scans left to train on")
    arch = Architecture(n_regions=n_regions.pop(), segment_length=args.segment_length,
                        d_model=args.d_model, d_embed=args.d_embed, n_heads=args.heads,
                        n_graph_blocks=args.graph_blocks, n_temporal_layers=args.temporal_layers,
                        n_decoder_blocks=args.decoder_blocks)
    regions = tuple(scans[0].regions or ())
    config = BrainMAEConfig(architecture=arch, tr=float(tr), atlas=args.atlas, regions=regions,
                            unmasked_loss_weight=args.unmasked_weight,
                            train_mask_ratio=args.mask_ratio)
    settings = TrainSettings(steps=args.steps, batch_size=args.batch_size,
                             crop_segments=args.crop_segments, lr=args.lr, seed=args.seed,
                             threads=args.threads,
                             max_seconds=None if args.max_minutes is None else
                             60 * args.max_minutes)

    def report(step: int, mse: float, msg: str) -> None:
        print(f"{msg}: hidden-region MSE {mse:.4f}", file=sys.stderr, flush=True)

    started = time.monotonic()
    weights, log = train(config, [s.data for s in train_scans], settings, report)
    notes = {
        "data": [s.name for s in train_scans], "data_files": [Path(p).name for p in args.data],
        "heldout": [s.name for s in held], "steps": log.steps_done,
        "train_seconds": round(log.seconds, 1),
        "train_cpu_seconds": round(log.cpu_seconds, 1), "batch_size": settings.batch_size,
        "crop_segments": settings.crop_segments, "lr": settings.lr, "seed": settings.seed,
        "threads": settings.threads, "torch": __import__("torch").__version__,
        "final_train_hidden_mse": log.masked_mse[-1] if log.masked_mse else None,
    }
    if held:
        notes["heldout_mse_mask_ratio"] = args.mask_ratio
        notes["heldout_mse"] = heldout_errors(config, weights, held, args.mask_ratio)
    config = BrainMAEConfig(**{**config.__dict__, "training": notes})
    path = checkpoint.save(args.out, config, weights)
    print(f"wrote {path} and {path.with_suffix('.json').name} in "
          f"{time.monotonic() - started:.0f} s", file=sys.stderr)
    if held:
        print("held-out masked-reconstruction MSE (z units): " + ", ".join(
            f"{k} {v:.4f}" for k, v in notes["heldout_mse"].items()), file=sys.stderr)
    return 0
