"""Helpers for testing neurodeck and neurodeck plugins (no Qt imported here)."""

from __future__ import annotations

import os
from pathlib import Path


def shared_data_dir() -> Path | None:
    """``../shared/data`` beside the checkout (or ``$NEURODECK_SHARED_DATA``), if present."""
    env = os.environ.get("NEURODECK_SHARED_DATA")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "data" for p in here.parents]
    candidates.append(Path.cwd().parent / "shared" / "data")
    return next((c for c in candidates if c.is_dir()), None)


def check_transform(transform_id: str, dataset, *, windows: int = 5, seed: int = 0,
                    **params):
    """Run a transform and check its contract; returns the output.

    Fails (AssertionError) if the input's data or edits changed, if the output is the input
    or not of a declared kind, or - for time series - if windows read on their own differ
    from the same windows of the whole output (a lazy output computed wrongly).
    """
    import numpy as np

    from .. import api

    spec = api.plugin_manager().transform(transform_id)
    before_state = dataset.edit_state()
    before = dataset.get_data() if hasattr(dataset, "get_data") else None
    out = api.transform(transform_id, dataset, **params)
    assert out is not dataset, "a transform returns a new dataset"
    assert not spec.produces or any(out.is_a(k) for k in spec.produces), (
        f"{transform_id} declares {spec.produces} but returned {out.kind}")
    assert dataset.edit_state() == before_state, "the transform changed the input's edits"
    if before is not None:
        np.testing.assert_array_equal(dataset.get_data(), before,
                                      err_msg="the transform modified its input")
    if hasattr(out, "get_data") and getattr(out, "n_times", 0):
        whole = out.get_data()
        rng = np.random.default_rng(seed)
        for _ in range(windows):
            a, b = sorted(rng.integers(0, out.n_times + 1, size=2))
            np.testing.assert_allclose(out.get_data(a, b), whole[:, a:b], rtol=1e-12,
                                       atol=1e-12, err_msg=f"window {a}:{b} differs")
    return out
