"""Image dedup across documents, by image URL (no bytes needed).

- an image URL found in more than ``max_documents_per_url`` documents (logos, icons, ads) is
  removed from every document (``removed_images:frequent_url``);
- an image repeated inside one document keeps its first occurrence
  (``removed_images:repeated_in_document``);
- documents whose remaining image sets are equal are duplicates: one per set is kept by ``keep``
  (``dropped:identical_image_list``). Frequent URLs are removed first, so two articles that share
  only a site logo are not duplicates.

Map: each document's distinct image-URL hashes, partitioned by hash (:class:`KeyWriter`).
Reduce: (1) per key partition, the URLs counted in too many documents, each sent to the groups of
the tasks that hold it, then per group of tasks ``frequent/<task>.parquet`` (resumable rounds:
the driver never holds the corpus-wide list, and an apply task reads only its own frequent URLs);
(2) per task, each document's set of remaining URLs as one key; (3) the keyed clustering of
:mod:`omniweave.dedup.cluster` over those keys -> ``drop/<task>.parquet``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import fsspec
import numpy as np
import pyarrow as pa
from pydantic import Field

from omniweave.dedup.base import text_length
from omniweave.dedup.cluster import (
    KEYS_SCHEMA,
    KeepRule,
    KeyWriter,
    TaskGroups,
    chunk_name,
    chunk_task,
    load_drops,
    reduce_clusters,
    stable_hash64,
    task_chunks,
    task_offsets,
)
from omniweave.pipeline.rounds import (
    read_file_part,
    read_parquet,
    read_part,
    read_sources,
    run_round,
    write_parquet_atomic,
    write_parts,
)
from omniweave.dedup.minhash import mix64
from omniweave.document import Document, ImageNode, Node
from omniweave.pipeline.context import ReduceContext, TaskContext
from omniweave.pipeline.node_removal import NodeRemovalStep, Removal
from omniweave.pipeline.step import GlobalStep, StepParams

FREQUENT_SCHEMA = pa.schema([("key", pa.uint64())])
TASK_KEY_SCHEMA = pa.schema([("task", pa.int32()), ("key", pa.uint64())])


class ImageDedupParams(StepParams):
    max_documents_per_url: int | None = Field(10, ge=1, description="None: keep frequent URLs")
    drop_identical_image_lists: bool = True
    drop_repeated_in_document: bool = True
    keep: KeepRule = "newest"
    partitions: int = Field(16, ge=1, le=4096)


def frequent_piece(fs: fsspec.AbstractFileSystem, map_dir: str, rounds: str, partition: int, groups: TaskGroups,
                   limit: int) -> dict[str, int]:
    """URL hashes of one partition found in more than ``limit`` documents, sent to the groups of
    the tasks that hold them."""
    index = {task: t for t, task in enumerate(groups.tasks)}
    keys, owners = [], []
    for name, table in read_sources(fs, f"{map_dir}/keys", partition):
        task = index.get(chunk_task(name))
        if task is not None:  # (a task without a docs file did not finish its map: not counted)
            keys.append(table["key"].to_numpy())
            owners.append(np.full(table.num_rows, task, np.int32))
    key = np.concatenate(keys) if keys else np.empty(0, np.uint64)
    owner = np.concatenate(owners) if owners else np.empty(0, np.int32)
    values, counts = np.unique(key, return_counts=True)  # a document holds each URL key once
    frequent = values[counts > limit]
    hit = is_member(key, frequent)
    key, owner = key[hit], owner[hit]
    order = np.lexsort((key, owner))
    key, owner = key[order], owner[order]
    fresh = np.concatenate([[True], (key[1:] != key[:-1]) | (owner[1:] != owner[:-1])]) if key.size else hit[:0]
    table = pa.table({"task": owner[fresh], "key": key[fresh]}, schema=TASK_KEY_SCHEMA)
    write_parts(fs, f"{rounds}/frequent", partition, table, groups.of_nodes(owner[fresh]), groups.count)
    return {"frequent_urls": int(frequent.size)}


def frequent_files(fs: fsspec.AbstractFileSystem, rounds: str, out_dir: str, group: int, groups: TaskGroups) -> dict[str, int]:
    """``frequent/<task>.parquet`` (sorted URL hashes) of each task of one group."""
    table = read_part(fs, f"{rounds}/frequent", group, TASK_KEY_SCHEMA).sort_by([("task", "ascending"), ("key", "ascending")])
    task = table["task"].to_numpy()
    for t in groups.members(group):
        lo, hi = np.searchsorted(task, [t, t + 1])
        write_parquet_atomic(fs, f"{out_dir}/frequent/{groups.tasks[t]}.parquet",
                             table.slice(lo, hi - lo).select(["key"]).cast(FREQUENT_SCHEMA))
    return {"rows": int(task.size)}


def load_frequent(fs: fsspec.AbstractFileSystem, reduce_dir: str, task_id: str) -> np.ndarray:
    """The sorted frequent URL hashes of one task's documents (empty before or without the reduce)."""
    path = f"{reduce_dir}/frequent/{task_id}.parquet"
    return read_parquet(fs, path)["key"].to_numpy() if fs.exists(path) else np.empty(0, np.uint64)


def image_set_keys(fs: fsspec.AbstractFileSystem, map_dir: str, out_dir: str, task: str, partitions: int) -> None:
    """Write one key per document of ``task``: the hash of its image-URL set without its frequent URLs."""
    frequent = load_frequent(fs, out_dir, task)
    tables = [t for path in task_chunks(fs, map_dir, task) if (t := read_file_part(fs, path, None)) is not None]
    table = pa.concat_tables(tables) if tables else KEYS_SCHEMA.empty_table()
    key, doc = table["key"].to_numpy(), table["doc"].to_numpy()
    keep = ~is_member(key, frequent)
    key, doc = key[keep], doc[keep]
    order = np.argsort(doc, kind="stable")
    key, doc = mix64(key[order]), doc[order]
    heads = np.flatnonzero(np.concatenate([[True], doc[1:] != doc[:-1]])) if doc.size else np.empty(0, np.int64)
    set_keys = np.add.reduceat(key, heads) if doc.size else np.empty(0, np.uint64)
    sizes = np.diff(np.concatenate([heads, [doc.size]])).astype(np.uint64)
    set_keys = mix64(set_keys + sizes)
    write_parts(fs, f"{out_dir}/sets/keys", chunk_name(task, 0),
                pa.table({"key": set_keys, "doc": doc[heads]}, schema=KEYS_SCHEMA),
                (set_keys % np.uint64(partitions)).astype(np.int64), partitions)
    write_parquet_atomic(fs, f"{out_dir}/sets/docs/{task}.parquet", read_parquet(fs, f"{map_dir}/docs/{task}.parquet"))


def is_member(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    if sorted_keys.size == 0:
        return np.zeros(values.shape, bool)
    at = np.minimum(np.searchsorted(sorted_keys, values), sorted_keys.size - 1)
    return sorted_keys[at] == values


class ImageDedup(NodeRemovalStep, GlobalStep):
    name = "image_dedup"
    Params = ImageDedupParams

    def collect(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        p: ImageDedupParams = self.params  # type: ignore[assignment]
        writer = KeyWriter(ctx.run.fs, ctx.map_dir(self.label), ctx.task_id, p.partitions)
        for doc in docs:
            writer.add(doc.id, doc.date, text_length(doc), stable_hash64(im.url for im in doc.images))
            yield doc
        writer.close()

    def reduce(self, ctx: ReduceContext) -> dict[str, int]:
        p: ImageDedupParams = self.params  # type: ignore[assignment]
        fs, rounds = ctx.run.fs, f"{ctx.out_dir}/frequent-rounds"
        tasks, _ = task_offsets(fs, ctx.map_dir)
        counts = {"frequent_urls": 0}
        if p.max_documents_per_url is not None:
            groups = TaskGroups.by_task_index(tasks, p.partitions)
            limit = p.max_documents_per_url
            found = run_round(fs, ctx.map, f"{rounds}/find",
                              lambda q: frequent_piece(fs, ctx.map_dir, rounds, q, groups, limit), p.partitions)
            run_round(fs, ctx.map, f"{rounds}/files", lambda g: frequent_files(fs, rounds, ctx.out_dir, g, groups),
                      groups.count)
            counts["frequent_urls"] = sum(f["frequent_urls"] for f in found)
        if p.drop_identical_image_lists:
            ctx.map(lambda t: image_set_keys(fs, ctx.map_dir, ctx.out_dir, t, p.partitions), tasks)
            found = reduce_clusters(fs, f"{ctx.out_dir}/sets", ctx.out_dir, partitions=p.partitions,
                                    keep=p.keep, mapper=ctx.map)
            counts.update(documents_with_images=found["documents"], identical_image_lists=found["duplicates"])
        if fs.exists(rounds):
            fs.rm(rounds, recursive=True)
        return counts

    def setup(self, ctx: TaskContext) -> None:
        # also called before ``collect``, when there is no reduce output yet
        reduce_dir, fs = ctx.reduce_dir(self.label), ctx.run.fs
        self._frequent = load_frequent(fs, reduce_dir, ctx.task_id)
        self._drop = load_drops(fs, reduce_dir, ctx.task_id)

    def document_verdict(self, doc: Document) -> tuple[str, str | None] | None:
        twin = self._drop.get(doc.id)
        return None if twin is None else ("identical_image_list", f"kept {twin}")

    def remove(self, doc: Document) -> list[Removal]:
        images = doc.images
        if not images:
            return []
        flags = is_member(stable_hash64(im.url for im in images), self._frequent)
        self._frequent_here = {im.url for im, frequent in zip(images, flags) if frequent}
        self._seen: set[str] = set()
        return super().remove(doc)

    def looks_at(self, doc: Document, index: int, node: Node) -> bool:
        return isinstance(node, ImageNode)

    def judge_node(self, doc: Document, index: int, node: Node) -> str | None:
        assert isinstance(node, ImageNode)
        frequent = node.url in self._frequent_here
        repeated = self.params.drop_repeated_in_document and node.url in self._seen  # type: ignore[attr-defined]
        self._seen.add(node.url)
        return "repeated_in_document" if repeated else "frequent_url" if frequent else None
