"""Path of the bundled spike-train sample (provenance: resources/samples/README.md)."""

from pathlib import Path

from neurodeck.paths import resource_path


def rat_hippocampus_units() -> Path:
    return resource_path("samples", "rat_hippocampus_tetrode_units.npz")
