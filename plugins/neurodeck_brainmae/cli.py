"""``neurodeck train-brainmae``: pre-train BrainMAE on ROI time series, write a checkpoint.

The shipped checkpoint (docs/brainmae.md gives the command, its CPU time and the
held-out table)::

    neurodeck train-brainmae ../shared/data/fmri/rest_roi_timeseries_aal2.h5 --group hcp \\
        --holdout 213522,377451 --atlas "AAL2 (labels 1-94, no cerebellum)" \\
        --out plugins/neurodeck_brainmae/checkpoints/brainmae_aal2_hcp

Segments are ``--segment-seconds`` long (15 s, as the paper's secondary sources report),
converted to frames with the TR. The checkpoint also stores the covariance of the
training scans for the linear Gaussian baseline, its shrinkage chosen by
leave-one-scan-out; held-out scans are scored against all three baselines.
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
    parser.add_argument("--segment-seconds", type=float, default=15.0,
                        help="segment (transient state) length in seconds; frames = "
                        "round(seconds / TR)")
    parser.add_argument("--segment-length", type=int, default=None,
                        help="segment length in frames (overrides --segment-seconds)")
    parser.add_argument("--d-model", type=int, default=a.d_model)
    parser.add_argument("--d-embed", type=int, default=a.d_embed)
    parser.add_argument("--heads", type=int, default=a.n_heads)
    parser.add_argument("--graph-blocks", type=int, default=a.n_graph_blocks)
    parser.add_argument("--temporal-layers", type=int, default=a.n_temporal_layers)
    parser.add_argument("--decoder-blocks", type=int, default=a.n_decoder_blocks)
    parser.add_argument("--mlp-ratio", type=int, default=a.mlp_ratio)
    parser.add_argument("--mask-ratio", type=float, default=0.5,
                        help="fraction of regions hidden per training segment")
    parser.add_argument("--mask-ratio-spread", type=float, default=0.0,
                        help="draw each crop's mask ratio uniformly from mask-ratio +- this")
    parser.add_argument("--masked-weight", type=float, default=0.75,
                        help="loss weight of the hidden regions' MSE")
    parser.add_argument("--unmasked-weight", type=float, default=0.25,
                        help="loss weight of the visible regions' MSE")
    parser.add_argument("--baseline-shrinkage", default="cv",
                        help="shrinkage of the Gaussian baseline's covariance towards its "
                        "diagonal: a number in [0, 1], or 'cv' (leave one training scan out)")
    parser.add_argument("--eval-ratios", default="0.25,0.5,0.75",
                        help="mask ratios of the held-out evaluation")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--crop-segments", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--weight-decay", type=float, default=0.01)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=0,
                        help="print the held-out table every N steps (a learning curve; "
                        "the checkpoint is always the last step)")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="stop early after this many minutes (the step count is recorded)")


def _split(scans, holdout: str):
    keys = [k.strip() for k in holdout.split(",") if k.strip()]
    held = [s for s in scans if any(s.name == k or s.name.endswith("/" + k) for k in keys)]
    missing = [k for k in keys if not any(s.name == k or s.name.endswith("/" + k) for s in held)]
    if missing:
        raise SystemExit(f"--holdout names not found: {', '.join(missing)}")
    return [s for s in scans if s not in held], held


def segment_frames(args: argparse.Namespace, tr: float) -> int:
    """Frames per segment: ``--segment-length``, else ``--segment-seconds`` / TR."""
    if args.segment_length is not None:
        return int(args.segment_length)
    frames = round(args.segment_seconds / tr)
    if frames < 2:
        raise SystemExit(f"--segment-seconds {args.segment_seconds} is under two frames at "
                         f"TR {tr} s")
    return frames


def baseline_covariance(args: argparse.Namespace, zs, tau: int, mask_ratio: float):
    """The training scans' pooled covariance, shrunk; returns (covariance, config entry)."""
    from .gaussian import choose_shrinkage, pooled_covariance, shrink

    entry: dict = {"method": "pooled covariance of the z-scored training scans, shrunk "
                             "towards its diagonal"}
    if args.baseline_shrinkage == "cv" and len(zs) >= 2:
        amount, scores = choose_shrinkage(zs, tau, mask_ratio, seed=args.seed)
        entry["shrinkage_cv"] = {f"{k:g}": round(v, 5) for k, v in scores.items()}
    elif args.baseline_shrinkage == "cv":
        amount = 0.1  # one scan: nothing to cross-validate on
    else:
        try:
            amount = float(args.baseline_shrinkage)
        except ValueError:
            raise SystemExit("--baseline-shrinkage is a number in [0, 1] or 'cv'") from None
    entry["shrinkage"] = amount
    return shrink(pooled_covariance(zs), amount).astype(np.float32), entry


def main(args: argparse.Namespace) -> int:
    try:
        import torch  # noqa: F401
    except ImportError:
        print("train-brainmae needs PyTorch: pip install 'neurodeck[train]'", file=sys.stderr)
        return 2
    from . import checkpoint
    from .checkpoint import BASELINE_COVARIANCE
    from .evaluate import beats_baselines, format_table, heldout_table
    from .infer import normalise
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
    tau = segment_frames(args, float(tr))
    arch = Architecture(n_regions=n_regions.pop(), segment_length=tau,
                        d_model=args.d_model, d_embed=args.d_embed, n_heads=args.heads,
                        n_graph_blocks=args.graph_blocks, n_temporal_layers=args.temporal_layers,
                        n_decoder_blocks=args.decoder_blocks, mlp_ratio=args.mlp_ratio)
    regions = tuple(scans[0].regions or ())
    config = BrainMAEConfig(architecture=arch, tr=float(tr), atlas=args.atlas, regions=regions,
                            masked_loss_weight=args.masked_weight,
                            unmasked_loss_weight=args.unmasked_weight,
                            train_mask_ratio=args.mask_ratio)
    settings = TrainSettings(steps=args.steps, batch_size=args.batch_size,
                             crop_segments=args.crop_segments, lr=args.lr, seed=args.seed,
                             threads=args.threads, weight_decay=args.weight_decay,
                             warmup=args.warmup, mask_ratio_spread=args.mask_ratio_spread,
                             max_seconds=None if args.max_minutes is None else
                             60 * args.max_minutes)
    eps = float(config.normalisation.get("eps", 1e-6))
    cov, baseline = baseline_covariance(args, [normalise(s.data, eps)[0] for s in train_scans],
                                        tau, args.mask_ratio)
    baseline.update(scans=[s.name for s in train_scans],
                    frames=int(sum(s.data.shape[1] for s in train_scans)))

    def report(step: int, mse: float, msg: str) -> None:
        print(f"{msg}: hidden-region MSE {mse:.4f}", file=sys.stderr, flush=True)

    ratios = [float(r) for r in args.eval_ratios.split(",") if r.strip()]
    scored = BrainMAEConfig(**{**config.__dict__, "baseline": baseline})

    eval_cpu = [0.0]  # held-out evaluations run inside training: their CPU time apart

    def snapshot(step: int, w) -> None:
        c0 = time.process_time()
        rows = heldout_table(scored, {**w, BASELINE_COVARIANCE: cov},
                             [(s.name, s.data) for s in held], cov, ratios)
        print(f"step {step}: held-out BrainMAE / Gaussian " + ", ".join(
            f"{r['scan'].split('/')[-1]}@{r['mask_ratio']:g} {r['brainmae'] / r['gaussian']:.3f}"
            for r in rows), file=sys.stderr, flush=True)
        eval_cpu[0] += time.process_time() - c0

    started = time.monotonic()
    weights, log = train(config, [s.data for s in train_scans], settings, report,
                         snapshot=snapshot if held and args.eval_every else None,
                         snapshot_every=args.eval_every)
    weights = {**weights, BASELINE_COVARIANCE: cov}
    notes = {
        "arguments": {k: v for k, v in sorted(vars(args).items())
                      if isinstance(v, (str, int, float, bool, list, type(None)))},
        "data": [s.name for s in train_scans], "data_files": [Path(p).name for p in args.data],
        "heldout": [s.name for s in held], "steps": log.steps_done,
        "train_seconds": round(log.seconds, 1),
        "train_cpu_seconds": round(log.cpu_seconds - eval_cpu[0], 1),
        "eval_cpu_seconds": round(eval_cpu[0], 1), "batch_size": settings.batch_size,
        "crop_segments": settings.crop_segments, "lr": settings.lr, "seed": settings.seed,
        "threads": settings.threads, "torch": __import__("torch").__version__,
        "weight_decay": settings.weight_decay, "warmup": settings.warmup,
        "mask_ratio_spread": settings.mask_ratio_spread,
        "final_train_hidden_mse": log.masked_mse[-1] if log.masked_mse else None,
    }
    config = scored
    if held:
        rows = heldout_table(config, weights, [(s.name, s.data) for s in held], cov, ratios)
        notes["heldout_evaluation"] = rows
        notes["heldout_beats_every_baseline"] = beats_baselines(rows)
    config = BrainMAEConfig(**{**config.__dict__, "training": notes})
    path = checkpoint.save(args.out, config, weights)
    print(f"wrote {path} and {path.with_suffix('.json').name} in "
          f"{time.monotonic() - started:.0f} s ({notes['train_cpu_seconds']:.0f} CPU s "
          "training)",
          file=sys.stderr)
    if held:
        print("held-out masked-reconstruction MSE (z units, mean over regions):\n"
              + format_table(notes["heldout_evaluation"]), file=sys.stderr)
    return 0
