"""Every bundled sample opens; the bundle stays small and documented."""

from pathlib import Path

import neurodeck
from neurodeck.paths import resource_path


def test_samples_open_and_are_documented(neurodeck_plugins):
    samples = list(neurodeck_plugins.contributions("sample_data"))
    kinds = {}
    for s in samples:
        ds = neurodeck.open(s.resolve_path())
        assert ds.kind == s.kind, s.id
        kinds[s.kind] = ds
    assert {"recording", "fmri", "roi_timeseries", "connectome", "spikes"} <= set(kinds)
    assert len(kinds["recording"].events) == 30
    folder = resource_path("samples")
    readme = (folder / "README.md").read_text(encoding="utf-8")
    files = [p for p in Path(folder).iterdir() if p.name != "README.md"]
    for p in files:
        assert p.name in readme, f"{p.name} lacks provenance in samples/README.md"
    assert sum(p.stat().st_size for p in files) < 5_000_000
