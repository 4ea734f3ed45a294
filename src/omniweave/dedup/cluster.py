"""Keyed clustering across every shard: the engine behind exact, URL, MinHash and image-list dedup.

Each document carries zero or more 64-bit keys (a text hash, a URL hash, MinHash band hashes);
documents sharing a key are duplicates, and duplicates of duplicates join the same cluster.

Map (per task, :class:`KeyWriter`, streaming in chunks of ``chunk_docs`` documents):
``docs/<task>.parquet`` (id, date, length in row order) and, per chunk, one partitioned file
``keys/<task>+NNNNN.parts`` (key, local row) for the partitions ``key % partitions``
(:func:`omniweave.pipeline.rounds.write_parts`). A document is a node numbered by its global row
(the task's offset in sorted task order plus its local row).

Reduce (:func:`reduce_clusters`): rounds of independent pieces (:mod:`omniweave.pipeline.rounds`:
run by the executor, resumable) that read and write partitioned files under ``<out>/rounds``:

1. ``buckets``, per key partition: each bucket's members linked to its first; the edges of all
   bands meet in the partitions of their nodes, where repeats are dropped;
2. ``star-NNN``: connected components (:mod:`omniweave.dedup.components`), each labelled by its
   smallest node;
3. ``members``, per group of tasks: the label of each involved document joined to its rule
   fields (id, date, length), kept in the group's own file; the group's best document of each
   cluster (by the keep rule) sent, as a candidate, to the partition of its label;
4. ``keepers``, per label partition: the best candidate of each cluster is its keeper (ties:
   smallest id), answered to every group that sent a candidate of that cluster;
5. ``drops``, per group of tasks: the group's members joined to their cluster's keeper:
   ``drop/<task>.parquet`` (id, kept_id), the small file the apply pass of that task reads
   (:func:`load_drops`); then ``rounds`` is removed.

Memory: every piece holds one partition (about corpus / partitions) or one group's members, the
driver the list of tasks and one small result per piece; nothing holds text. A cluster is never
gathered in one piece: a keeper piece holds one candidate per (cluster, group), so a page copied
millions of times costs it at most one row per group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Literal

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from omniweave.dedup.components import node_part, read_edges, star_components, star_labels, write_edges
from omniweave.pipeline.rounds import (
    MapFn,
    PARTS,
    read_part,
    read_sources,
    read_parquet,
    run_round,
    serial_map,
    write_parquet_atomic,
    write_parts,
)

KeepRule = Literal["newest", "oldest", "longest", "shortest"]
DOCS_SCHEMA = pa.schema([("id", pa.string()), ("date", pa.int64()), ("length", pa.int64())])
KEYS_SCHEMA = pa.schema([("key", pa.uint64()), ("doc", pa.int32())])
DROP_SCHEMA = pa.schema([("id", pa.string()), ("kept_id", pa.string())])
LABEL_SCHEMA = pa.schema([("node", pa.int64()), ("label", pa.int64())])
MEMBER_SCHEMA = pa.schema([("node", pa.int64()), ("label", pa.int64()), ("id", pa.string()),
                           ("date", pa.int64()), ("length", pa.int64())])
CANDIDATE_SCHEMA = MEMBER_SCHEMA.append(pa.field("group", pa.int32()))
KEEPER_SCHEMA = pa.schema([("label", pa.int64()), ("kept_node", pa.int64()), ("kept_id", pa.string())])
NO_DATE = -(2**62)  # documents without a capture date sort as the oldest
CHUNK_DOCS = 65_536  # documents a map task holds before it writes them out


def date_ms(value: datetime | None) -> int:
    return NO_DATE if value is None else int(value.timestamp() * 1000)


def chunk_name(task_id: str, chunk: int) -> str:
    """Name of a map task's ``chunk``-th partitioned file (task ids never hold a ``+``)."""
    return f"{task_id}+{chunk:05d}"


def chunk_task(name: str) -> str:
    return name.rsplit("+", 1)[0]


def task_chunks(fs: fsspec.AbstractFileSystem, map_dir: str, task_id: str) -> list[str]:
    """The partitioned keys files of one map task (all its chunks)."""
    return sorted(fs.glob(f"{map_dir}/keys/{task_id}+*{PARTS}"))


class KeyWriter:
    """Map side of one task: document rows and their keys, written under ``directory`` in chunks
    of ``chunk_docs`` documents (one partitioned keys file per chunk; the docs file, published by
    :meth:`close`, marks the task's map output complete)."""

    def __init__(self, fs: fsspec.AbstractFileSystem, directory: str, task_id: str, partitions: int,
                 chunk_docs: int = CHUNK_DOCS) -> None:
        self.fs, self.dir, self.task, self.partitions, self.chunk_docs = fs, directory, task_id, partitions, chunk_docs
        self.rows = 0
        self.chunks = 0
        self._clear()
        self._docs_path = f"{directory}/docs/{task_id}.parquet"
        fs.makedirs(f"{directory}/docs", exist_ok=True)
        self._docs_fh = fs.open(self._docs_path + ".tmp", "wb")
        self._docs = pq.ParquetWriter(self._docs_fh, DOCS_SCHEMA)

    def _clear(self) -> None:
        self.ids: list[str] = []
        self.dates: list[int] = []
        self.lengths: list[int] = []
        self._keys: list[np.ndarray] = []
        self._sizes: list[int] = []

    def add(self, doc_id: str, date: datetime | None, length: int, keys: np.ndarray) -> None:
        """One document (in stream order) with its keys (uint64; may be empty)."""
        self.ids.append(doc_id)
        self.dates.append(date_ms(date))
        self.lengths.append(length)
        keys = np.asarray(keys, dtype=np.uint64)
        self._keys.append(keys)
        self._sizes.append(keys.size)
        if len(self.ids) >= self.chunk_docs:
            self._flush()

    def _flush(self) -> None:
        if not self.ids:
            return
        first = self.rows
        self.rows += len(self.ids)
        keys = np.concatenate(self._keys) if self._keys else np.empty(0, np.uint64)
        rows = np.repeat(np.arange(first, self.rows, dtype=np.int32), self._sizes)
        order = np.lexsort((keys, rows))  # each document's distinct keys, ascending (all vectorised)
        keys, rows = keys[order], rows[order]
        distinct = np.ones(keys.size, dtype=bool)
        distinct[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
        keys, rows = keys[distinct], rows[distinct]
        part = (keys % np.uint64(self.partitions)).astype(np.int64)
        write_parts(self.fs, f"{self.dir}/keys", chunk_name(self.task, self.chunks),
                    pa.table({"key": keys, "doc": rows}, schema=KEYS_SCHEMA), part, self.partitions)
        self.chunks += 1
        self._docs.write_table(
            pa.table({"id": self.ids, "date": self.dates, "length": self.lengths}, schema=DOCS_SCHEMA))
        self._clear()

    def close(self) -> None:
        self._flush()
        self._docs.close()
        self._docs_fh.close()  # type: ignore[attr-defined]
        self.fs.mv(self._docs_path + ".tmp", self._docs_path)


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


def bucket_edges(fs: fsspec.AbstractFileSystem, map_dir: str, rounds_dir: str, partition: int, tasks: list[str],
                 offsets: np.ndarray, parts: int) -> dict[str, int]:
    """Link every bucket of one key partition to its first member (global rows); the edges go to
    the partitions of their nodes."""
    offset_of = dict(zip(tasks, offsets.tolist()))
    keys, docs = [], []
    for name, table in read_sources(fs, f"{map_dir}/keys", partition):
        offset = offset_of.get(chunk_task(name))
        if offset is not None:  # (a task without a docs file did not finish its map: not counted)
            keys.append(table["key"].to_numpy())
            docs.append(table["doc"].to_numpy().astype(np.int64) + offset)
    key = np.concatenate(keys) if keys else np.empty(0, np.uint64)
    doc = np.concatenate(docs) if docs else np.empty(0, np.int64)
    del keys, docs  # the piece's peak memory is a few copies of its key rows
    order = np.lexsort((doc, key))
    key, doc = key[order], doc[order]
    del order
    first = doc[run_heads(key)]
    del key
    return {"edges": write_edges(fs, f"{rounds_dir}/edges-000", partition, first, doc, parts)}


class TaskGroups:
    """Tasks (sorted, with row offsets) cut into ``count`` contiguous groups: a group's pieces
    read and write the files of its own tasks only."""

    def __init__(self, tasks: list[str], offsets: np.ndarray, count: int) -> None:
        self.tasks, self.offsets = tasks, offsets
        self.count = max(1, min(count, len(tasks)))
        self.bounds = [(g * len(tasks) + self.count - 1) // self.count for g in range(self.count + 1)]

    @classmethod
    def by_task_index(cls, tasks: list[str], count: int) -> TaskGroups:
        """Groups whose "nodes" are task indexes (one row per task), for rows that name their task."""
        return cls(tasks, np.arange(len(tasks) + 1), count)

    def of_nodes(self, nodes: np.ndarray) -> np.ndarray:
        task = np.searchsorted(self.offsets, nodes, side="right") - 1
        return task * self.count // max(len(self.tasks), 1)

    def members(self, group: int) -> range:
        return range(self.bounds[group], self.bounds[group + 1])


def label_piece(fs: fsspec.AbstractFileSystem, forest: str, rounds_dir: str, piece: int, groups: TaskGroups) -> dict[str, int]:
    """Each node of one partition of the star forest with its component label, to its task group."""
    nodes, labels = star_labels(*read_edges(fs, forest, piece))
    table = pa.table({"node": nodes, "label": labels}, schema=LABEL_SCHEMA)
    write_parts(fs, f"{rounds_dir}/labels", piece, table, groups.of_nodes(nodes), groups.count)
    return {"nodes": int(nodes.size)}


MEMBERS = "members"  # <rounds>/members/g-NNNNN.parquet: one group's involved documents and labels


def member_piece(fs: fsspec.AbstractFileSystem, map_dir: str, rounds_dir: str, group: int, groups: TaskGroups,
                 keep: KeepRule, parts: int) -> dict[str, int]:
    """The rule fields of the involved documents of one task group (kept for the drops round);
    the group's best document of each cluster to the partition of its label."""
    table = read_part(fs, f"{rounds_dir}/labels", group, LABEL_SCHEMA).sort_by("node")
    nodes = table["node"].to_numpy()
    pieces = []
    for t in groups.members(group):
        lo, hi = np.searchsorted(nodes, groups.offsets[t:t + 2])
        if hi > lo:
            local = nodes[lo:hi] - groups.offsets[t]
            pieces.append(read_parquet(fs, f"{map_dir}/docs/{groups.tasks[t]}.parquet").take(pa.array(local)))
    fields = pa.concat_tables(pieces) if pieces else DOCS_SCHEMA.empty_table()
    members = pa.table({"node": nodes, "label": table["label"], "id": fields["id"], "date": fields["date"],
                        "length": fields["length"]}, schema=MEMBER_SCHEMA)
    write_parquet_atomic(fs, f"{rounds_dir}/{MEMBERS}/g-{group:05d}.parquet", members)
    labels = members["label"].to_numpy()
    kept, _ = choose_keepers(labels, members, keep)
    best = members.filter(pa.array(kept))
    candidates = best.append_column("group", pa.array(np.full(best.num_rows, group, np.int32)))
    write_parts(fs, f"{rounds_dir}/candidates", group, candidates, node_part(labels[kept], parts), parts)
    return {"members": int(nodes.size)}


def choose_keepers(cluster: np.ndarray, rows: pa.Table, keep: KeepRule) -> tuple[np.ndarray, np.ndarray]:
    """Per document: is it the one its cluster keeps, and the index of that keeper.

    ``rows`` holds id/date/length/node aligned with ``cluster``. Ties go to the smallest id (then
    the first row), so the choice does not depend on shard order, nor on whether it is made at
    once or first within groups and then among the groups' choices.
    """
    import pyarrow.compute as pc  # a reduce's (~50 ms to import): a worker that only maps never loads it

    primary = {"newest": pc.negate(rows["date"]), "oldest": rows["date"],
               "longest": pc.negate(rows["length"]), "shortest": rows["length"]}[keep]
    table = pa.table({"cluster": cluster, "primary": primary, "id": rows["id"], "node": rows["node"],
                      "row": np.arange(len(cluster))})
    table = table.sort_by([("cluster", "ascending"), ("primary", "ascending"), ("id", "ascending"),
                           ("node", "ascending")])
    sorted_row = table["row"].to_numpy()
    keeper = np.empty(len(cluster), np.int64)
    keeper[sorted_row] = sorted_row[run_heads(table["cluster"].to_numpy())]
    return keeper == np.arange(len(cluster)), keeper


def keeper_piece(fs: fsspec.AbstractFileSystem, rounds_dir: str, piece: int, groups: TaskGroups,
                 keep: KeepRule) -> dict[str, int]:
    """One keeper per cluster of one label partition, from the groups' candidates; answered to
    each group that sent a candidate of the cluster."""
    rows = read_part(fs, f"{rounds_dir}/candidates", piece, CANDIDATE_SCHEMA)
    _, keeper = choose_keepers(rows["label"].to_numpy(), rows, keep)
    at = pa.array(keeper)
    answers = pa.table({"label": rows["label"], "kept_node": rows["node"].take(at), "kept_id": rows["id"].take(at)},
                       schema=KEEPER_SCHEMA)
    write_parts(fs, f"{rounds_dir}/keepers-of", piece, answers, rows["group"].to_numpy().astype(np.int64), groups.count)
    return {"clusters": int(np.unique(keeper).size)}


def drop_piece(fs: fsspec.AbstractFileSystem, rounds_dir: str, out_dir: str, group: int,
               groups: TaskGroups) -> dict[str, int]:
    """``drop/<task>.parquet`` of each task of one group (in row order): its members but the keepers,
    each with its keeper's id."""
    members = read_parquet(fs, f"{rounds_dir}/{MEMBERS}/g-{group:05d}.parquet").sort_by("node")
    keepers = read_part(fs, f"{rounds_dir}/keepers-of", group, KEEPER_SCHEMA).sort_by("label")
    labels = keepers["label"].to_numpy()
    at = np.searchsorted(labels, members["label"].to_numpy())  # every member's label has its answer
    kept_node = keepers["kept_node"].to_numpy()[at] if at.size else np.empty(0, np.int64)
    nodes = members["node"].to_numpy()
    drop = np.flatnonzero(nodes != kept_node)
    table = pa.table({"id": members["id"].take(pa.array(drop)),
                      "kept_id": keepers["kept_id"].take(pa.array(at[drop]))}, schema=DROP_SCHEMA)
    nodes = nodes[drop]
    for t in groups.members(group):
        lo, hi = np.searchsorted(nodes, groups.offsets[t:t + 2])
        if hi > lo:
            write_parquet_atomic(fs, f"{out_dir}/drop/{groups.tasks[t]}.parquet", table.slice(lo, hi - lo))
    return {"duplicates": int(drop.size)}


def reduce_clusters(fs: fsspec.AbstractFileSystem, map_dir: str, out_dir: str, *, partitions: int,
                    keep: KeepRule, mapper: MapFn = serial_map) -> dict[str, int]:
    """Rounds 1-5 of the module docstring; returns counts (documents, clusters, duplicates, rounds
    of the components). Without documents nothing runs; when no key is shared, nothing after round 1.
    ``mapper`` runs the pieces of each round (the executor's: threads or Ray tasks)."""
    tasks, offsets = task_offsets(fs, map_dir)
    rounds = f"{out_dir}/rounds"
    unique = {"documents": int(offsets[-1]), "clusters": 0, "duplicates": 0, "component_rounds": 0}
    if not offsets[-1]:
        return unique  # no document: no round to run
    groups = TaskGroups(tasks, offsets, partitions)
    buckets = run_round(fs, mapper, f"{rounds}/buckets",
                        lambda p: bucket_edges(fs, map_dir, rounds, p, tasks, offsets, partitions), partitions)
    if not any(b["edges"] for b in buckets):  # no key shared by two documents: none is a duplicate
        fs.rm(rounds, recursive=True)
        return unique
    forest, star_rounds = star_components(fs, mapper, rounds, partitions)
    run_round(fs, mapper, f"{rounds}/labels", lambda p: label_piece(fs, forest, rounds, p, groups), partitions)
    run_round(fs, mapper, f"{rounds}/members",
              lambda g: member_piece(fs, map_dir, rounds, g, groups, keep, partitions), groups.count)
    found = run_round(fs, mapper, f"{rounds}/keepers", lambda p: keeper_piece(fs, rounds, p, groups, keep), partitions)
    dropped = run_round(fs, mapper, f"{rounds}/drops", lambda g: drop_piece(fs, rounds, out_dir, g, groups),
                        groups.count)
    if fs.exists(rounds):
        fs.rm(rounds, recursive=True)  # only drop/ is read later (a rerun before _SUCCESS starts the rounds over)
    return {"documents": int(offsets[-1]), "clusters": sum(f["clusters"] for f in found),
            "duplicates": sum(d["duplicates"] for d in dropped), "component_rounds": star_rounds}

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
