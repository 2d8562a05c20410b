"""Neural activity traces and spike trains from tables, arrays and containers.

CSV/TSV, NPY/NPZ, HDF5, MATLAB v5/v7.3 and NWB. Nothing heavy is imported here;
:func:`describe_layout` (in ``neurodeck_tables.layout``) lists the arrays of a
container for a mapping dialog when the layout is ambiguous.
"""

from neurodeck.plugin_api import Reader, SampleData, Writer, hookimpl

_CONTAINER = "neurodeck_tables.arrays:read_container"
_MEMBERS = "neurodeck_tables.arrays:members"  # the animals of a multi-animal file


def describe_layout(path):  # noqa: ANN001, ANN201 - thin lazy re-export
    """Arrays of an NPZ/HDF5/MAT file: see :func:`neurodeck_tables.layout.describe_layout`."""
    from .layout import describe_layout as describe

    return describe(path)


@hookimpl
def neurodeck_readers():
    return [
        Reader(id="traces-csv", title="Traces table (CSV/TSV: one column per neuron)",
               extensions=(".csv", ".tsv", ".txt"), read="neurodeck_tables.io:read_table",
               produces=("traces", "spikes")),
        Reader(id="traces-npy", title="Traces array (NPY: neurons x time)",
               extensions=(".npy",), read="neurodeck_tables.io:read_npy",
               sniff="neurodeck_tables.io:sniff_npy", produces=("traces",)),
        Reader(id="traces-npz", title="Traces or spikes (NPZ archive of arrays)",
               extensions=(".npz",), read=_CONTAINER, sniff="neurodeck_tables.io:sniff_npz",
               produces=("traces", "spikes"), members=_MEMBERS),
        Reader(id="traces-hdf5", title="Traces or spikes (HDF5)",
               extensions=(".h5", ".hdf5", ".hdf", ".he5"), read=_CONTAINER,
               sniff="neurodeck_tables.io:sniff_hdf5", produces=("traces", "spikes"),
               members=_MEMBERS),
        Reader(id="traces-mat", title="Traces or spikes (MATLAB v5 / v7.3 .mat)",
               extensions=(".mat",), read=_CONTAINER, sniff="neurodeck_tables.io:sniff_mat",
               produces=("traces", "spikes"), members=_MEMBERS),
        Reader(id="nwb", title="NWB (ROI responses, units, trials)", extensions=(".nwb",),
               read="neurodeck_tables.nwb:read_nwb", produces=("traces", "spikes"),
               priority=10),
    ]


@hookimpl
def neurodeck_writers():
    return [
        Writer(id="traces-csv", title="CSV table", extensions=(".csv",),
               accepts=("timeseries",), write="neurodeck_tables.io:write_csv"),
        Writer(id="traces-hdf5", title="HDF5 (one group per animal)", extensions=(".h5",),
               accepts=("traces", "spikes"), write="neurodeck_tables.writers:write_hdf5"),
        Writer(id="nwb", title="NWB", extensions=(".nwb",), accepts=("traces", "spikes"),
               write="neurodeck_tables.nwb:write_nwb"),
        Writer(id="result-hdf5", title="Result (HDF5 with provenance)", extensions=(".h5",),
               accepts=("result",), write="neurodeck_tables.writers:write_result_hdf5"),
        Writer(id="result-csv", title="Result (CSV, one row per value)", extensions=(".csv",),
               accepts=("result",), write="neurodeck_tables.writers:write_result_csv"),
    ]


@hookimpl
def neurodeck_sample_data():
    return [
        SampleData(
            id="rat-hippocampus-units", title="Spikes: 16 units, rat hippocampus tetrodes",
            path="neurodeck_tables.samples:rat_hippocampus_units", kind="spikes",
            description="35,112 spikes of 16 sorted single units over 1000 s (Balbi lab, "
                        "via SynaptiConn, MIT).",
        ),
    ]
