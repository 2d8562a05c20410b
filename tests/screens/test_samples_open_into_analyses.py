"""Every bundled sample (File > Open Sample) opens into at least one analysis with the
analysis' defaults: it completes, or, when the analysis itself says the run will be long
(its estimate is over a minute), it gets past input checks into computing. An analysis
that refuses a sample it accepts by kind fails here."""

from __future__ import annotations

import time

import pytest

import neurodeck
from neurodeck.errors import Cancelled
from neurodeck.jobs.progress import Progress
from neurodeck.plugin_api.lazy import resolve

LONG = 60.0  # seconds: the dialog's threshold for announcing a long run
BUDGET = 30.0  # seconds a long run is given before it is stopped here


def _attempt(spec, ds) -> str:
    """"done", "started" (a long run stopped after it began computing) or the error."""
    values = spec.schema.resolve({})
    seconds = None
    if spec.estimate is not None:
        got = resolve(spec.estimate)([ds], values)
        seconds = got[0] if isinstance(got, tuple) else float(got)
    progress = Progress()
    t0 = time.monotonic()
    reached = [0.0]

    def stop_long_runs(fraction, message):
        reached[0] = max(reached[0], fraction)
        if seconds is not None and seconds > LONG and (
                fraction >= 0.02 or time.monotonic() - t0 > BUDGET):
            progress.cancel()

    progress.add_listener(stop_long_runs)
    try:
        neurodeck.run(spec.id, ds, progress=progress)
    except Cancelled:
        return "started" if reached[0] > 0 else "cancelled before computing"
    except Exception as exc:  # noqa: BLE001 - the message is the finding
        return f"{type(exc).__name__}: {exc}"
    return "done"


@pytest.mark.slow
def test_every_sample_opens_into_an_analysis_with_its_defaults(neurodeck_plugins):
    outcomes: dict[str, dict[str, str]] = {}
    for sample in neurodeck_plugins.contributions("sample_data"):
        ds = neurodeck.open(sample.resolve_path())
        specs = [a for a in neurodeck_plugins.contributions("analyses")
                 if a.accepts_dataset(ds) and a.n_inputs[0] <= 1]
        outcomes[sample.id] = {}
        for spec in sorted(specs, key=lambda a: a.id):
            outcomes[sample.id][spec.id] = got = _attempt(spec, ds)
            if got == "done":
                break  # one analysis that works is what the sample promises
    failing = {s: o for s, o in outcomes.items()
               if not any(v in ("done", "started") for v in o.values())}
    assert not failing, failing
