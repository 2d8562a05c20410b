"""Paths of the bundled EEG sample (see resources/samples/README.md for provenance)."""

from pathlib import Path

from neurodeck.paths import resource_path


def eeg_motor_imagery() -> Path:
    return resource_path("samples", "eegmmidb_S001R04.edf")
