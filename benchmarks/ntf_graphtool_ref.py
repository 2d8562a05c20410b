"""Reference driver: the authors' community step (graph-tool) on weight matrices we give it.

Runs under a Python that has graph-tool, which is not on PyPI. On Debian/Ubuntu::

    apt-get install python3-graph-tool          # Debian 12: graph-tool 2.45
    /usr/bin/python3 benchmarks/ntf_graphtool_ref.py graphs.npz out.json

``graphs.npz`` holds ``w0, w1, ...`` (symmetric non-negative N x N weights). For each
graph this does what the authors' ``benchmark.ipynb`` (github dyballa/dynamic-connectomes)
does, written here from its description (their code is not copied):

- the graph's edges are the positive weights; as in the notebook, every undirected edge
  is entered twice (the notebook mirrors each edge of the loaded graph before making it
  undirected), with the weight as a ``real-exponential`` edge covariate;
- ``minimize_nested_blockmodel_dl`` is run with ``deg_corr=True`` and with
  ``deg_corr=False`` (RNGs seeded with 13 before each graph), and the state with the lower
  description length (``entropy()``) is kept;
- the partitions of the hierarchy's levels are reported, up to (not including) the first
  level that has one block or as many blocks as the level below, as the notebook does.

Writes JSON: one entry per graph with both description lengths, the model kept, the level
partitions of each model and the wall time of each fit. NMI is computed by the caller.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def _graph(w: np.ndarray, mirror: bool):
    import graph_tool.all as gt

    i, j = np.nonzero(np.triu(w, 1))
    g = gt.Graph(directed=False)
    g.add_vertex(w.shape[0])
    weight = g.new_edge_property("double")
    edges = np.column_stack([i, j, w[i, j]])
    if mirror:
        edges = np.vstack([edges, np.column_stack([j, i, w[i, j]])])
    g.add_edge_list(edges, eprops=[weight])
    return g, weight


def _levels(state, n: int) -> list[list[int]]:
    levels = state.get_levels()
    out = []
    for li, s in enumerate(levels[:-1]):
        if levels[li + 1].get_N() in (1, s.get_N()):
            break
        out.append(s)
    parts = []
    r = np.arange(n)
    for s in out:
        r = np.asarray(s.get_blocks().a)[r]
        parts.append(r.astype(int).tolist())
    return parts


def run(w: np.ndarray, seed: int = 13, mirror: bool = True) -> dict:
    import graph_tool.all as gt

    g, weight = _graph(w, mirror)
    res: dict = {}
    for name, dc in (("dc", True), ("ndc", False)):
        np.random.seed(seed)
        gt.seed_rng(seed)
        t = time.perf_counter()
        state = gt.minimize_nested_blockmodel_dl(
            g, state_args=dict(deg_corr=dc, recs=[weight], rec_types=["real-exponential"]))
        res[name] = {"dl": float(state.entropy()), "s": time.perf_counter() - t,
                     "levels": _levels(state, w.shape[0])}
    res["kept"] = "dc" if res["ndc"]["dl"] - res["dc"]["dl"] > 0 else "ndc"
    return res


def main(argv: list[str]) -> int:
    src, dst = argv[:2]
    mirror = "--no-mirror" not in argv
    data = np.load(src)
    keys = sorted(data.files, key=lambda k: int(k[1:]))
    out = [run(np.asarray(data[k], float), mirror=mirror) for k in keys]
    with open(dst, "w") as f:
        json.dump({"graph_tool": __import__("graph_tool").__version__, "mirror": mirror,
                   "graphs": out}, f)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
