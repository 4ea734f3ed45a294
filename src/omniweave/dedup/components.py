"""Connected components of a graph stored as partitioned edge files, in rounds of executor pieces.

The alternating large-star / small-star algorithm (Kiveris et al., "Connected Components in
MapReduce and Beyond", 2014). Nodes are int64; every edge is stored in both directions, each row
``(u, v)`` in the partition of ``u`` (:func:`node_part`), so one piece sees every neighbour of its
nodes. With ``m(u)`` the smallest of ``u`` and its neighbours:

- large-star: for each ``u``, every neighbour ``v > u`` is linked to ``m(u)`` instead;
- small-star: for each ``u``, ``u`` and every neighbour ``v < u`` are linked to the smallest of them.

Both keep the components; repeated, they reach a forest of stars, each rooted at the smallest node
of its component, within O(log^2 n) rounds (a handful for dedup clusters). A piece tells whether
its part of the input already is such a forest (no node has a smaller neighbour and another
neighbour besides); when every piece of a large-star round says so, the rounds stop. Each piece
holds one partition of the edges; the driver holds one flag per piece.
"""

from __future__ import annotations

import fsspec
import numpy as np
import pyarrow as pa

from omniweave.pipeline.rounds import MapFn, read_part, run_round, write_parts

EDGE_SCHEMA = pa.schema([("u", pa.int64()), ("v", pa.int64())])
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def node_part(nodes: np.ndarray, parts: int) -> np.ndarray:
    """The partition of each node (a multiplicative hash, so runs of close rows spread out)."""
    return (((nodes.astype(np.uint64) * _GOLDEN) >> np.uint64(32)) % np.uint64(parts)).astype(np.int64)


def write_edges(fs: fsspec.AbstractFileSystem, directory: str, source: int, a: np.ndarray, b: np.ndarray,
                parts: int) -> int:
    """Undirected edges (a, b), without self-loops, in both directions to their partitions."""
    keep = a != b
    u = np.concatenate([a[keep], b[keep]])
    v = np.concatenate([b[keep], a[keep]])
    write_parts(fs, directory, source, pa.table({"u": u, "v": v}, schema=EDGE_SCHEMA), node_part(u, parts), parts)
    return int(keep.sum())


def read_edges(fs: fsspec.AbstractFileSystem, directory: str, piece: int) -> tuple[np.ndarray, np.ndarray]:
    """One partition's directed rows (u, v), sorted and without repeats."""
    table = read_part(fs, directory, piece, EDGE_SCHEMA)
    u, v = table["u"].to_numpy(), table["v"].to_numpy()
    order = np.lexsort((v, u))
    u, v = u[order], v[order]
    fresh = np.concatenate([[True], (u[1:] != u[:-1]) | (v[1:] != v[:-1])]) if u.size else np.empty(0, bool)
    return u[fresh], v[fresh]


def _groups(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by u: the start of each row's group and the size of that group."""
    if u.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], u[1:] != u[:-1]]))
    sizes = np.diff(np.concatenate([starts, [u.size]]))
    return np.repeat(starts, sizes), np.repeat(sizes, sizes)


def is_star_forest(u: np.ndarray, v: np.ndarray) -> bool:
    """No node of these (sorted) rows has a smaller neighbour and another neighbour besides."""
    start, size = _groups(u)
    return not bool(np.any((v[start] < u) & (size > 1)))


def large_star(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    start, _ = _groups(u)
    smallest = np.minimum(u, v[start])  # rows are sorted by (u, v): the group's first v is its least
    up = v > u
    return v[up], smallest[up]


def small_star(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    down = v < u
    u, v = u[down], v[down]
    start, _ = _groups(u)
    smallest = v[start]
    return np.concatenate([v, u]), np.concatenate([smallest, smallest])


def star_round(fs: fsspec.AbstractFileSystem, rounds_dir: str, r: int, piece: int, parts: int) -> dict[str, object]:
    """Round ``r`` (even: large-star, odd: small-star) of one partition; says whether its input
    already was a star forest."""
    u, v = read_edges(fs, f"{rounds_dir}/edges-{r:03d}", piece)
    a, b = large_star(u, v) if r % 2 == 0 else small_star(u, v)
    written = write_edges(fs, f"{rounds_dir}/edges-{r + 1:03d}", piece, a, b, parts)
    return {"star": is_star_forest(u, v), "edges": written}


def star_components(fs: fsspec.AbstractFileSystem, mapper: MapFn, rounds_dir: str, parts: int) -> tuple[str, int]:
    """Alternate rounds over ``<rounds_dir>/edges-000`` until the graph is a star forest; returns the
    folder of that forest (every component as edges from its smallest node to each other node) and
    the number of rounds."""
    r = 0
    while True:
        results = run_round(fs, mapper, f"{rounds_dir}/star-{r:03d}",
                            lambda k, r=r: star_round(fs, rounds_dir, r, k, parts), parts)
        if fs.exists(f"{rounds_dir}/edges-{r:03d}"):  # read by this round only (done: never again)
            fs.rm(f"{rounds_dir}/edges-{r:03d}", recursive=True)
        if r % 2 == 0 and all(res["star"] for res in results):
            return f"{rounds_dir}/edges-{r + 1:03d}", r + 1  # large-star leaves a star forest as it is
        r += 1


def star_labels(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(node, component label = its smallest node) for the nodes of sorted star-forest rows."""
    start, _ = _groups(u)
    heads = np.unique(start)
    nodes = u[heads]
    return nodes, np.minimum(nodes, v[heads])
