"""Connectomes: edge lists (source, target, weight, type) and adjacency matrices.

The C. elegans tables (c302) read as directed graphs with a chemical and an
electrical layer. Views live in ``neurodeck_browser``.
"""

from neurodeck.plugin_api import (
    Analysis,
    Choice,
    Float,
    Int,
    Reader,
    SampleData,
    Text,
    hookimpl,
)

GRAPH = Analysis(
    id="graph", title="Graph measures and communities", category="Connectivity",
    description="Per node: in/out degree and strength, local clustering coefficient; "
                "communities of the symmetrised weights by Leiden modularity "
                "optimisation, with the partition's modularity Q.",
    reference="Watts & Strogatz (1998) Nature 393:440; Newman (2004) Phys Rev E "
              "70:056131; Traag, Waltman & van Eck (2019) From Louvain to Leiden, Sci Rep "
              "9:5233",
    accepts=("connectome",),
    run="neurodeck_connectome.graph:run",
    params=[
        Text("layer", "all", help="Which layer: 'all' (their sum) or a layer's name "
             "(e.g. chemical, electrical)"),
        Choice("weights", "weighted", choices=("weighted", "binary"),
               help="weighted: synapse counts or weights; binary: an edge is an edge"),
        Float("resolution", 1.0, minimum=0.0, help="Modularity resolution (1 = Newman's Q)"),
        Int("seed", 0, minimum=0, help="Seed of the Leiden search"),
    ],
    outputs={
        "labels": "N node labels",
        "out_degree": "edges leaving each node", "in_degree": "edges reaching each node",
        "out_strength": "sum of outgoing weights", "in_strength": "sum of incoming weights",
        "clustering": "local clustering coefficient (undirected simple graph)",
        "communities": "community of each node (Leiden)",
        "n_communities": "number of communities", "modularity": "modularity Q (resolution 1)",
    },
)


@hookimpl
def neurodeck_analyses():
    return [GRAPH]


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
