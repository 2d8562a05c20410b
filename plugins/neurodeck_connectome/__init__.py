"""Connectomes: edge lists (source, target, weight, type) and adjacency matrices.

The C. elegans tables (c302) read as directed graphs with a chemical and an
electrical layer. Views live in ``neurodeck_browser``.
"""

from neurodeck.plugin_api import Reader, SampleData, hookimpl


@hookimpl
def neurodeck_readers():
    return [
        # Tried before the traces reader for the same extensions: each declines (raises)
        # quickly when the header is not its kind, and neurodeck.open moves on.
        Reader(id="connectome-edgelist", title="Connectome edge list (source, target, "
               "weight, type)", extensions=(".csv", ".tsv", ".txt"),
               read="neurodeck_connectome.io:read_edge_list", produces=("connectome",),
               priority=20),
        Reader(id="connectome-matrix", title="Connectome adjacency matrix (CSV/TSV/NPY)",
               extensions=(".csv", ".tsv"),
               read="neurodeck_connectome.io:read_adjacency", produces=("connectome",),
               priority=15),
        # A square .npy may as well be traces: only names that say "connectome" are ours
        # (the longer extension wins over the traces reader's ".npy").
        Reader(id="connectome-npy", title="Connectome adjacency matrix (NPY)",
               extensions=("adjacency.npy", "connectome.npy", "connectivity.npy",
                           "_adj.npy"),
               read="neurodeck_connectome.io:read_adjacency", produces=("connectome",),
               priority=15),
    ]


@hookimpl
def neurodeck_sample_data():
    return [
        SampleData(
            id="celegans-connectome", title="Connectome: C. elegans hermaphrodite (c302)",
            path="neurodeck_connectome.samples:celegans_connectome", kind="connectome",
            description="448 cells incl. muscles; 4,681 chemical and 2,698 electrical edges "
                        "(synapse counts) from OpenWorm c302 (MIT).",
        ),
    ]
