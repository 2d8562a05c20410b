"""Neural activity traces from plain tables and arrays (CSV/TSV, NPY/NPZ)."""

from neurodeck.plugin_api import Reader, Writer, hookimpl


@hookimpl
def neurodeck_readers():
    return [
        Reader(id="traces-csv", title="Traces table (CSV/TSV: one column per neuron)",
               extensions=(".csv", ".tsv", ".txt"), read="neurodeck_tables.io:read_table",
               produces=("traces",)),
        Reader(id="traces-npy", title="Traces array (NPY: neurons x time)",
               extensions=(".npy",), read="neurodeck_tables.io:read_npy",
               sniff="neurodeck_tables.io:sniff_npy", produces=("traces",)),
    ]


@hookimpl
def neurodeck_writers():
    return [
        Writer(id="traces-csv", title="CSV table", extensions=(".csv",),
               accepts=("timeseries",), write="neurodeck_tables.io:write_csv"),
    ]
