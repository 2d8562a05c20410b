"""Masked-autoencoder pre-training of BrainMAE (PyTorch; the ``train`` extra).

Each step draws random crops of whole segments from the training scans (random
phase of the segment grid too), hides ``round(mask_ratio * N)`` regions per segment
and minimises the weighted loss ``masked_weight x`` MSE on hidden regions ``+
unmasked_weight x`` MSE on visible ones (the paper weights the two terms).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from .config import BrainMAEConfig
from .infer import n_masked, normalise
from .torch_model import TorchBrainMAE


@dataclass
class TrainSettings:
    steps: int = 1500
    batch_size: int = 8
    crop_segments: int = 32
    lr: float = 2e-3
    weight_decay: float = 0.01
    warmup: int = 100
    seed: int = 0
    threads: int = 1  # more threads slow training down badly on a busy machine
    max_seconds: float | None = None  # a safety stop; a fixed step count keeps runs identical
    # Each crop hides a fraction drawn uniformly from mask_ratio +- mask_ratio_spread
    # (0: always the config's train_mask_ratio), so one model serves every ratio.
    mask_ratio_spread: float = 0.0
    log_every: int = 50


@dataclass
class TrainLog:
    steps_done: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    loss: list[float] = field(default_factory=list)
    masked_mse: list[float] = field(default_factory=list)


def _batch(scans: Sequence[np.ndarray], tau: int, crop: int, size: int,
           n_hide: int | np.ndarray,
           rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, pos = [], []
    for _ in range(size):
        z = scans[rng.integers(len(scans))]
        offset = int(rng.integers(tau))
        n_seg = (z.shape[1] - offset) // tau
        first = int(rng.integers(n_seg - crop + 1))
        start = offset + first * tau
        block = z[:, start:start + crop * tau].reshape(z.shape[0], crop, tau)
        xs.append(block.transpose(1, 0, 2))
        pos.append((start + tau * np.arange(crop)) / tau)
    n = scans[0].shape[0]
    noise = rng.random((size, crop, n))
    # The n_hide smallest draws per segment are hidden: an exact count per segment.
    hidden_rank = np.argsort(np.argsort(noise, axis=-1), axis=-1)
    visible = hidden_rank >= np.reshape(n_hide, (-1, 1, 1))
    return np.stack(xs).astype(np.float32), visible, np.stack(pos)


def masked_loss(recon: torch.Tensor, x: torch.Tensor, visible: torch.Tensor,
                unmasked_weight: float, masked_weight: float = 1.0
                ) -> tuple[torch.Tensor, torch.Tensor]:
    sq = ((recon - x) ** 2).mean(-1)  # per (batch, segment, region)
    hid = (~visible).to(sq.dtype)
    mse_hidden = (sq * hid).sum() / hid.sum()
    mse_visible = (sq * (1 - hid)).sum() / (1 - hid).sum()
    return masked_weight * mse_hidden + unmasked_weight * mse_visible, mse_hidden


def train(config: BrainMAEConfig, scans: Sequence[np.ndarray], settings: TrainSettings,
          report: Callable[[int, float, str], None] | None = None,
          snapshot: Callable[[int, dict[str, np.ndarray]], None] | None = None,
          snapshot_every: int = 0) -> tuple[dict[str, np.ndarray], TrainLog]:
    """Train from scratch on raw (N, T) scans; returns numpy weights and the log.

    ``snapshot(step, weights)`` is called every ``snapshot_every`` steps (learning curves
    on held-out data); it does not touch the random streams, so runs stay identical."""
    tau = config.architecture.segment_length
    eps = float(config.normalisation.get("eps", 1e-6))
    zs = [normalise(s, eps)[0] for s in scans]
    shortest = min(z.shape[1] for z in zs)
    crop = min(settings.crop_segments, (shortest - tau + 1) // tau)
    if crop < 1:
        raise ValueError(f"scans need at least {2 * tau - 1} frames to train on")
    torch.manual_seed(settings.seed)
    torch.set_num_threads(settings.threads)
    rng = np.random.default_rng(settings.seed)
    model = TorchBrainMAE(config)
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and n != "roi_embedding"]
    other = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and n != "roi_embedding")]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": settings.weight_decay},
                             {"params": other, "weight_decay": 0.0}], lr=settings.lr)

    def lr_at(step: int) -> float:
        if step < settings.warmup:
            return (step + 1) / settings.warmup
        frac = (step - settings.warmup) / max(settings.steps - settings.warmup, 1)
        return 0.5 * (1 + math.cos(math.pi * min(frac, 1.0)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    n_hide = n_masked(config.architecture.n_regions, config.train_mask_ratio)
    log = TrainLog()
    started, cpu_started = time.monotonic(), time.process_time()
    model.train()
    for step in range(settings.steps):
        hide = n_hide
        if settings.mask_ratio_spread:
            ratios = rng.uniform(config.train_mask_ratio - settings.mask_ratio_spread,
                                 config.train_mask_ratio + settings.mask_ratio_spread,
                                 settings.batch_size)
            hide = np.array([n_masked(config.architecture.n_regions, r) for r in ratios])
        x, vis, pos = _batch(zs, tau, crop, settings.batch_size, hide, rng)
        xt, vt = torch.from_numpy(x), torch.from_numpy(vis)
        recon, _ = model(xt, vt, torch.from_numpy(pos))
        loss, mse_h = masked_loss(recon, xt, vt, config.unmasked_loss_weight,
                                  config.masked_loss_weight)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        log.steps_done = step + 1
        if step % settings.log_every == 0 or step == settings.steps - 1:
            log.loss.append(float(loss.detach()))
            log.masked_mse.append(float(mse_h.detach()))
            if report:
                report(step + 1, log.masked_mse[-1], f"step {step + 1}/{settings.steps}")
        if snapshot is not None and snapshot_every and (step + 1) % snapshot_every == 0:
            model.eval()
            snapshot(step + 1, model.numpy_weights())
            model.train()
        if settings.max_seconds is not None and time.monotonic() - started > settings.max_seconds:
            break
    log.seconds = time.monotonic() - started
    log.cpu_seconds = time.process_time() - cpu_started
    model.eval()
    return model.numpy_weights(), log
