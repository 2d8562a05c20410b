"""A small plugin of transforms and analyses for testing the core's execution path, plus
CSV trace files to run them on."""

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pytest

import neurodeck
from neurodeck.data import WindowedArray
from neurodeck.plugin_api import Analysis, Float, Int, Transform, hookimpl, optional

COERCIONS: list[str] = []  # every time the counting parameter is validated


@dataclass(frozen=True)
class CountingFloat(Float):
    """A Float that records each validation (parameters must be validated once per run)."""

    type_name: ClassVar[str] = "float"

    def _coerce(self, value: Any) -> float:
        COERCIONS.append(self.name)
        return super()._coerce(value)


def scale(inputs, params, progress):
    ts = inputs[0]
    k = params["factor"]
    return neurodeck.Traces(WindowedArray(ts, lambda b, s, e: b * k), ts.labels, ts.sfreq,
                            events=ts.events, name=f"{ts.name} x{k:g}")


def first_rows(inputs, params, progress):
    ts = inputs[0]
    n = min(params["n"], ts.n_rows)
    return neurodeck.Traces(ts.get_data(picks=list(range(n))), ts.labels[:n], ts.sfreq)


def give_back_input(inputs, params, progress):
    return inputs[0]


def row_means(inputs, params, progress):
    ts = inputs[0]
    out = {"mean": ts.get_data().mean(axis=1) * params["gain"], "labels": np.asarray(ts.labels)}
    if params["extra"]:
        out["sd"] = ts.get_data().std(axis=1)
    return out


def grand_mean(inputs, params, progress):
    values = [float(ds.get_data().mean()) for ds in progress.iter(inputs)]
    keys = [str((inputs.member_info(i) or {}).get("member", ds.name))
            for i, ds in enumerate(inputs)]
    return {"means": np.asarray(values), "names": np.asarray(keys)}


def sloppy(inputs, params, progress):
    return {"declared": np.zeros(1), "surprise": np.ones(1)}


class StepsPlugin:
    @hookimpl
    def neurodeck_transforms(self):
        common = dict(accepts=("timeseries",), produces=("traces",), category="Test")
        return [
            Transform(id="scale", title="Scale", description="rows times a factor",
                      run=scale, storage="lazy",
                      params=[CountingFloat("factor", 2.0, minimum=0.0)], **common),
            Transform(id="first-rows", title="First rows", description="the first n rows",
                      run=first_rows, params=[Int("n", 2, minimum=1)], **common),
            Transform(id="identity-bad", title="Bad", description="returns its input",
                      run=give_back_input, **common),
        ]

    @hookimpl
    def neurodeck_analyses(self):
        return [
            Analysis(id="row-means", title="Row means", description="mean of each row",
                     accepts=("timeseries",), run=row_means, category="Test",
                     params=[CountingFloat("gain", 1.0),
                             neurodeck.plugin_api.Bool("extra", False)],
                     outputs={"mean": "per row", "labels": "row labels",
                              "sd": optional("with extra")}),
            Analysis(id="grand-mean", title="Grand mean", description="one mean per input",
                     accepts=("timeseries",), run=grand_mean, n_inputs=(1, None),
                     category="Test", outputs={"means": "per input", "names": "per input"}),
            Analysis(id="sloppy", title="Sloppy", description="returns an undeclared name",
                     accepts=("timeseries",), run=sloppy, category="Test",
                     outputs={"declared": "yes", "missing": "never returned"}),
        ]


@pytest.fixture
def steps(neurodeck_plugins):
    neurodeck_plugins.register(StepsPlugin(), "steps-test")
    COERCIONS.clear()
    return neurodeck_plugins


def write_traces(path, data, sfreq=10.0):
    """A CSV traces table (time column first) the built-in reader opens."""
    t = np.arange(data.shape[1]) / sfreq
    header = "time," + ",".join(f"n{i}" for i in range(data.shape[0]))
    np.savetxt(path, np.column_stack([t, data.T]), delimiter=",", header=header, comments="",
               fmt="%.17g")
    return path


@pytest.fixture
def trace_folder(tmp_path):
    """A BIDS-like folder: 4 subjects x 1 session of CSV traces, plus sidecars to skip."""
    root = tmp_path / "study"
    rng = np.random.default_rng(3)
    data = {}
    for sub in ("01", "02", "03", "04"):
        d = root / f"sub-{sub}" / "ses-1"
        d.mkdir(parents=True)
        x = rng.normal(size=(3, 200)) + int(sub)
        write_traces(d / f"sub-{sub}_ses-1_task-rest_traces.csv", x)
        (d / f"sub-{sub}_ses-1_task-rest_events.tsv").write_text("onset\tduration\n1\t0\n")
        data[sub] = x
    (root / "participants.tsv").write_text(
        "participant_id\tgroup\tage\nsub-01\tcontrol\t31\nsub-02\tpatient\t40\n"
        "sub-03\tcontrol\t22\nsub-04\tpatient\t55\n")
    return root, data
