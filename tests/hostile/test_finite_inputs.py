"""Issue 17 item 12: NaN/inf inputs give a clear error in fc, ntf and brainmae (one shared
check, :func:`neurodeck.safety.require_finite`), never a silent all-NaN result."""

from __future__ import annotations

import numpy as np
import pytest

import neurodeck
from neurodeck.data import RoiTimeSeries, Traces
from neurodeck.safety import NonFiniteInput, require_finite


def test_require_finite_names_the_input_and_the_first_bad_entry():
    x = np.ones((3, 5))
    assert require_finite(x, "x") is x
    x[1, 3] = np.nan
    with pytest.raises(NonFiniteInput, match=r"rec holds 1 NaN or infinite value \(of 15\) - "
                                             r"first at row 1, sample 3"):
        require_finite(x, "rec", ("row", "sample"))
    assert require_finite(x, "rec", allow_nan=True) is x  # NaN = not recorded
    x[0, 0] = -np.inf
    with pytest.raises(NonFiniteInput, match="1 infinite value"):
        require_finite(x, "rec", allow_nan=True)
    assert require_finite(np.arange(4), "ints") is not None  # integers are always finite


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_fc_refuses_non_finite_samples(neurodeck_plugins, bad):
    data = np.random.default_rng(0).normal(size=(4, 400))
    data[2, 100] = bad
    with pytest.raises(NonFiniteInput, match=r"demo \(samples 0-400\) holds 1 .*row 2, sample 100"):
        neurodeck.run("fc", Traces(data, list("abcd"), 10.0, name="demo"))


def test_ntf_refuses_infinite_traces_but_keeps_nan_as_missing(neurodeck_plugins):
    data = np.abs(np.random.default_rng(1).normal(size=(6, 200)))
    data[3, 50] = np.inf
    with pytest.raises(NonFiniteInput, match="1 infinite value"):
        neurodeck.run("ntf", Traces(data, [f"n{i}" for i in range(6)], 5.0, name="w"),
                      rank=[1], n_restarts=1)


def test_brainmae_refuses_non_finite_regions(neurodeck_plugins):
    from neurodeck_brainmae import checkpoint

    config, _ = checkpoint.load()
    n, frames = config.architecture.n_regions, config.architecture.segment_length * 2
    data = np.random.default_rng(2).normal(size=(n, frames))
    data[5, 7] = np.nan
    regions = list(config.regions) if config.regions else [f"r{i}" for i in range(n)]
    ds = RoiTimeSeries(data, regions, tr=config.tr, name="subject")
    with pytest.raises(NonFiniteInput, match=r"subject holds 1 NaN .*region 5, frame 7"):
        neurodeck.run("brainmae", ds)
