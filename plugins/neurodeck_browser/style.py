"""Colours per row type (shared by traces, raster and overview)."""

from __future__ import annotations

TYPE_COLOURS = {
    "eeg": "#1a1a1a", "meg": "#1f3f8f", "mag": "#1f3f8f", "grad": "#1f5faf",
    "eog": "#2a7a2a", "ecg": "#8f1f1f", "emg": "#8f5f1f", "seeg": "#3f3f3f",
    "ecog": "#3f3f3f", "dbs": "#3f3f3f", "stim": "#9f6f00", "misc": "#6f6f6f",
    "neuron": "#1f4f8f", "unit": "#1a1a1a", "roi": "#6f2f8f", "timeseries": "#1a1a1a",
}
FALLBACK = "#1a1a1a"
BAD_COLOUR = "#c8c8c8"
EVENT_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def type_colour(kind: str) -> str:
    return TYPE_COLOURS.get(kind, FALLBACK)


def event_colour(label: str, labels: list[str]) -> str:
    i = labels.index(label) if label in labels else hash(label)
    return EVENT_PALETTE[i % len(EVENT_PALETTE)]
