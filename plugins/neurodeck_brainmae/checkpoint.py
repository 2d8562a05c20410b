"""Reading and writing BrainMAE checkpoints without ever executing code from a file.

* ``NAME.safetensors`` + ``NAME.json``: read with ``safetensors.numpy`` (no torch).
* ``NAME.pt`` / ``NAME.pth`` + ``NAME.json``: a plain PyTorch state dict, read with
  ``torch.load(weights_only=True)`` (tensors only, no pickled objects) when torch is
  installed.

Every tensor is checked against the shapes the config implies, so a checkpoint from
another architecture or atlas fails here with a message, not deep in a matmul.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from neurodeck.errors import ReadError

from .config import BrainMAEConfig
from .model_np import expected_shapes

SHIPPED = Path(__file__).resolve().parent / "checkpoints" / "brainmae_aal2_hcp.safetensors"
WEIGHT_SUFFIXES = (".safetensors", ".pt", ".pth")
# The Gaussian baseline's covariance travels with the weights (config.baseline says how
# it was estimated); the network does not use it.
BASELINE_COVARIANCE = "baseline.covariance"


def _paths(path: Path) -> tuple[Path, Path]:
    """(weights, config) for a path naming either of them."""
    if path.suffix.lower() == ".json":
        for suffix in WEIGHT_SUFFIXES:
            if path.with_suffix(suffix).exists():
                return path.with_suffix(suffix), path
        raise ReadError(path, "no weights beside the config (expected "
                        f"{path.with_suffix('.safetensors').name})")
    if path.suffix.lower() not in WEIGHT_SUFFIXES:
        raise ReadError(path, "a BrainMAE checkpoint is .safetensors (or a .pt/.pth state "
                        "dict) with a .json config beside it")
    return path, path.with_suffix(".json")


def load_config(path: str | Path) -> BrainMAEConfig:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReadError(path, "the checkpoint's JSON config is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReadError(path, f"the config is not readable JSON ({exc})") from None
    try:
        return BrainMAEConfig.from_json(data)
    except ValueError as exc:
        raise ReadError(path, str(exc)) from None


def _read_tensors(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        raise ReadError(path, "file not found")
    if path.suffix.lower() == ".safetensors":
        from safetensors.numpy import load_file

        try:
            return dict(load_file(str(path)))
        except Exception as exc:  # noqa: BLE001 - any parse failure is a damaged file
            raise ReadError(path, f"not a readable safetensors file ({exc})") from None
    try:
        import torch
    except ImportError:
        raise ReadError(path, "reading a PyTorch state dict needs torch (pip install "
                        "'neurodeck[train]'); or convert it to .safetensors") from None
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - weights_only refuses any pickled object
        raise ReadError(path, f"not a plain PyTorch state dict ({exc})") from None
    if not isinstance(state, Mapping) or not all(torch.is_tensor(v) for v in state.values()):
        raise ReadError(path, "expected a mapping of names to tensors (a state_dict)")
    return {str(k): v.detach().cpu().float().numpy() for k, v in state.items()}


def check_weights(weights: Mapping[str, np.ndarray], config: BrainMAEConfig,
                  path: Path) -> dict[str, np.ndarray]:
    n_out = len(config.head.outputs) if config.head is not None else 0
    want = expected_shapes(config.architecture, n_out)
    if config.baseline is not None:
        n = config.architecture.n_regions
        want[BASELINE_COVARIANCE] = (n, n)
    missing = sorted(set(want) - set(weights))
    extra = sorted(set(weights) - set(want))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
        if extra:
            parts.append(f"unexpected {', '.join(extra[:5])}{' ...' if len(extra) > 5 else ''}")
        raise ReadError(path, "weights do not match the config: " + "; ".join(parts))
    out = {}
    for name, shape in want.items():
        arr = np.asarray(weights[name])
        if tuple(arr.shape) != shape:
            raise ReadError(path, f"tensor {name} has shape {tuple(arr.shape)}, the config "
                            f"implies {shape} (another atlas or architecture?)")
        if arr.dtype.kind != "f" or not np.all(np.isfinite(arr)):
            raise ReadError(path, f"tensor {name} is not finite floating point")
        out[name] = arr.astype(np.float32)
    if BASELINE_COVARIANCE in out:
        cov = out[BASELINE_COVARIANCE]
        if not np.allclose(cov, cov.T, atol=1e-6) or np.any(np.diag(cov) <= 0):
            raise ReadError(path, f"tensor {BASELINE_COVARIANCE} is not a covariance "
                            "(symmetric, positive diagonal)")
    return out


def load(path: str | Path | None = None) -> tuple[BrainMAEConfig, dict[str, np.ndarray]]:
    """Config and checked float32 weights; ``None`` loads the shipped checkpoint."""
    weights_path, config_path = _paths(Path(path) if path is not None else SHIPPED)
    config = load_config(config_path)
    return config, check_weights(_read_tensors(weights_path), config, weights_path)


def save(path: str | Path, config: BrainMAEConfig, weights: Mapping[str, np.ndarray]) -> Path:
    """Write ``NAME.safetensors`` and ``NAME.json``; returns the weights path."""
    from safetensors.numpy import save_file

    from neurodeck.atomic import atomic_path

    path = Path(path).with_suffix(".safetensors")
    path.parent.mkdir(parents=True, exist_ok=True)
    checked = check_weights(weights, config, path)
    # Atomic, and with the mode a plain write would give (safetensors makes its file 0600)
    with atomic_path(path) as tmp:
        save_file({k: np.ascontiguousarray(v) for k, v in checked.items()}, str(tmp),
                  metadata={"format": "neurodeck-brainmae/1"})
    with atomic_path(path.with_suffix(".json")) as tmp:
        config.save(tmp)
    return path
