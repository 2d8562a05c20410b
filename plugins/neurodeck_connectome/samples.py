"""Path of the bundled connectome sample (provenance: resources/samples/README.md)."""

from pathlib import Path

from neurodeck.paths import resource_path


def celegans_connectome() -> Path:
    return resource_path("samples", "celegans_herm_full_edgelist.csv")
