"""Keyed clustering across every shard: the engine behind exact, URL, MinHash and image-list dedup.

Each document carries zero or more 64-bit keys (a text hash, a URL hash, MinHash band hashes);
documents sharing a key are duplicates, and duplicates of duplicates join the same cluster.

Map (per task, :class:`KeyWriter`): ``docs/<task>.parquet`` (id, date, length in row order) and
``keys/p-NN/<task>.parquet`` (key, local row), partitioned by ``key % partitions``.
Reduce (:func:`reduce_clusters`), every heavy stage a function over independent pieces, run through
the executor's ``map`` (threads locally, Ray tasks on Ray):

1. :func:`bucket_edges` per key partition: sort by key, link each bucket's members to its first;
2. :func:`connected_components` over the (small) edge list: only documents with a twin take part;
3. :func:`keeper_rows` per task: the rule's fields (date, length, id) of the documents involved;
4. :func:`choose_keepers` per cluster, then ``drop/<task>.parquet`` (id, kept_id) per task,
   the small file the apply pass of that task reads (:func:`load_drops`).

Memory: the map holds a few integers per document; a reduce stage holds one key partition, the
edges, or one task's involved rows; nothing holds text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Literal, TypeVar

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

KeepRule = Literal["newest", "oldest", "longest", "shortest"]
DOCS_SCHEMA = pa.schema([("id", pa.string()), ("date", pa.int64()), ("length", pa.int64())])
KEYS_SCHEMA = pa.schema([("key", pa.uint64()), ("doc", pa.int32())])
DROP_SCHEMA = pa.schema([("id", pa.string()), ("kept_id", pa.string())])
NO_DATE = -(2**62)  # documents without a capture date sort as the oldest

T = TypeVar("T")
R = TypeVar("R")


MapFn = Callable[[Callable[[T], R], Sequence[T]], list[R]]


def serial_map(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    return [fn(x) for x in items]


def write_parquet_atomic(fs: fsspec.AbstractFileSystem, path: str, table: pa.Table) -> None:
    fs.makedirs(path.rpartition("/")[0], exist_ok=True)
    with fs.open(path + ".tmp", "wb") as fh:
        pq.write_table(table, fh)
    fs.mv(path + ".tmp", path)


def read_parquet(fs: fsspec.AbstractFileSystem, path: str, columns: list[str] | None = None) -> pa.Table:
    with fs.open(path, "rb") as fh:
        return pq.read_table(fh, columns=columns)


def date_ms(value: datetime | None) -> int:
    return NO_DATE if value is None else int(value.timestamp() * 1000)


class KeyWriter:
    """Map side of one task: document rows and their keys, written under ``directory``."""

    def __init__(self, fs: fsspec.AbstractFileSystem, directory: str, task_id: str, partitions: int) -> None:
        self.fs, self.dir, self.task, self.partitions = fs, directory, task_id, partitions
        self.ids: list[str] = []
        self.dates: list[int] = []
        self.lengths: list[int] = []
        self._keys: list[np.ndarray] = []
        self._docs: list[np.ndarray] = []

    def add(self, doc_id: str, date: datetime | None, length: int, keys: np.ndarray) -> None:
        """One document (in stream order) with its keys (uint64; may be empty)."""
        local = len(self.ids)
        self.ids.append(doc_id)
        self.dates.append(date_ms(date))
        self.lengths.append(length)
        keys = np.unique(np.asarray(keys, dtype=np.uint64))
        if keys.size:
            self._keys.append(keys)
            self._docs.append(np.full(keys.size, local, dtype=np.int32))

    def close(self) -> None:
        docs = pa.table({"id": self.ids, "date": self.dates, "length": self.lengths}, schema=DOCS_SCHEMA)
        keys = np.concatenate(self._keys) if self._keys else np.empty(0, np.uint64)
        rows = np.concatenate(self._docs) if self._docs else np.empty(0, np.int32)
        part = keys % np.uint64(self.partitions)
        for p in range(self.partitions):
            mask = part == p
            table = pa.table({"key": keys[mask], "doc": rows[mask]}, schema=KEYS_SCHEMA)
            write_parquet_atomic(self.fs, f"{self.dir}/keys/p-{p:03d}/{self.task}.parquet", table)
        # the docs table last: its presence marks a complete map output of this task
        write_parquet_atomic(self.fs, f"{self.dir}/docs/{self.task}.parquet", docs)


def run_heads(values: np.ndarray) -> np.ndarray:
    """For a sorted array: the index of the first element of each element's run of equal values."""
    if values.size == 0:
        return np.empty(0, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    return np.repeat(starts, np.diff(np.concatenate([starts, [values.size]])))


def task_offsets(fs: fsspec.AbstractFileSystem, map_dir: str) -> tuple[list[str], np.ndarray]:
    """Tasks with map output (sorted) and the global index of each task's first document."""
    tasks = sorted(p.rsplit("/", 1)[-1][: -len(".parquet")] for p in fs.glob(f"{map_dir}/docs/*.parquet"))
    counts = []
    for task in tasks:
        with fs.open(f"{map_dir}/docs/{task}.parquet", "rb") as fh:
            counts.append(pq.ParquetFile(fh).metadata.num_rows)
    return tasks, np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])


def bucket_edges(fs: fsspec.AbstractFileSystem, map_dir: str, partition: int, tasks: list[str],
                 offsets: np.ndarray) -> np.ndarray:
    """Edges (first member, other member) of every bucket of one key partition, as global rows."""
    keys, docs = [], []
    for t, task in enumerate(tasks):
        path = f"{map_dir}/keys/p-{partition:03d}/{task}.parquet"
        if not fs.exists(path):
            continue
        table = read_parquet(fs, path)
        keys.append(table["key"].to_numpy())
        docs.append(table["doc"].to_numpy().astype(np.int64) + offsets[t])
    key = np.concatenate(keys) if keys else np.empty(0, np.uint64)
    doc = np.concatenate(docs) if docs else np.empty(0, np.int64)
    order = np.lexsort((doc, key))
    key, doc = key[order], doc[order]
    first = doc[run_heads(key)]
    linked = doc != first
    return np.stack([first[linked], doc[linked]], axis=1)


def connected_components(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document rows, cluster label) for every document that appears in an edge.

    Labels spread along edges as minimums, with pointer jumping (a node takes its label's label),
    until no edge joins two labels: each cluster is then labelled by its smallest node."""
    if edges.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    nodes, inverse = np.unique(edges.ravel(), return_inverse=True)
    a, b = inverse.reshape(-1, 2).T
    label = np.arange(nodes.size)
    while True:
        low = np.minimum(label[a], label[b])
        spread = label.copy()
        np.minimum.at(spread, a, low)
        np.minimum.at(spread, b, low)
        spread = spread[spread]
        if np.array_equal(spread, label):
            return nodes, label.astype(np.int64)
        label = spread


def keeper_rows(fs: fsspec.AbstractFileSystem, map_dir: str, task: str, local: np.ndarray) -> pa.Table:
    """id, date and length of the given rows of one task's documents."""
    table = read_parquet(fs, f"{map_dir}/docs/{task}.parquet")
    return table.take(pa.array(local, pa.int64()))


def choose_keepers(cluster: np.ndarray, rows: pa.Table, keep: KeepRule) -> tuple[np.ndarray, np.ndarray]:
    """Per document: is it the one its cluster keeps, and the index of that keeper.

    ``rows`` holds id/date/length aligned with ``cluster``. Ties go to the smallest id, so the
    choice does not depend on shard order.
    """
    primary = {"newest": pc.negate(rows["date"]), "oldest": rows["date"],
               "longest": pc.negate(rows["length"]), "shortest": rows["length"]}[keep]
    table = pa.table({"cluster": cluster, "primary": primary, "id": rows["id"], "row": np.arange(len(cluster))})
    table = table.sort_by([("cluster", "ascending"), ("primary", "ascending"), ("id", "ascending")])
    sorted_row = table["row"].to_numpy()
    keeper = np.empty(len(cluster), np.int64)
    keeper[sorted_row] = sorted_row[run_heads(table["cluster"].to_numpy())]
    return keeper == np.arange(len(cluster)), keeper


def reduce_clusters(fs: fsspec.AbstractFileSystem, map_dir: str, out_dir: str, *, partitions: int,
                    keep: KeepRule, mapper: MapFn = serial_map) -> dict[str, int]:
    """Stages 1-4 of the module docstring; returns counts (documents, clusters, duplicates).
    ``mapper`` runs the independent pieces of stages 1 and 3 (the executor's: threads or Ray tasks)."""
    tasks, offsets = task_offsets(fs, map_dir)
    edge_parts = mapper(lambda p: bucket_edges(fs, map_dir, p, tasks, offsets), range(partitions))
    nodes, labels = connected_components(np.concatenate(edge_parts) if edge_parts else np.empty((0, 2), np.int64))
    owner = np.searchsorted(offsets, nodes, side="right") - 1  # task index of each involved document
    bounds = np.searchsorted(owner, np.arange(len(tasks) + 1))  # nodes are sorted, so owners are too
    pieces = mapper(
        lambda t: keeper_rows(fs, map_dir, tasks[t], nodes[bounds[t]:bounds[t + 1]] - offsets[t]),
        range(len(tasks)),
    )
    rows = pa.concat_tables(pieces) if pieces else DOCS_SCHEMA.empty_table()
    kept, keeper = choose_keepers(labels, rows, keep)
    ids = rows["id"]
    kept_ids = ids.take(pa.array(keeper))
    for t, task in enumerate(tasks):
        lo, hi = bounds[t], bounds[t + 1]
        drop = np.flatnonzero(~kept[lo:hi]) + lo
        if drop.size:
            table = pa.table({"id": ids.take(pa.array(drop)), "kept_id": kept_ids.take(pa.array(drop))}, schema=DROP_SCHEMA)
            write_parquet_atomic(fs, f"{out_dir}/drop/{task}.parquet", table)
    return {"documents": int(offsets[-1]), "clusters": int(kept.sum()), "duplicates": int((~kept).sum())}


def load_drops(fs: fsspec.AbstractFileSystem, reduce_dir: str, task_id: str) -> dict[str, str]:
    """The documents one task must drop, each with the id of its kept twin."""
    path = f"{reduce_dir}/drop/{task_id}.parquet"
    if not fs.exists(path):
        return {}
    table = read_parquet(fs, path)
    return dict(zip(table["id"].to_pylist(), table["kept_id"].to_pylist()))


def stable_hash64(values: Iterable[str]) -> np.ndarray:
    """64-bit keys of strings, the same in every process and run."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(v.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
         for v in values],
        dtype=np.uint64,
    )
