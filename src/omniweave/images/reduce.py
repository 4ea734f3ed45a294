"""The images step's reduce in rounds of executor pieces over files partitioned by URL host.

Map (per task, :func:`write_pairs`, in chunks): ``(task, document id, image URL)`` to
``map/p-NNNNN/<task>-<chunk>`` by :func:`~omniweave.images.partition.partition_of` (a hash of the
host, so one partition holds every URL of its hosts: the per-host fetch limits stay exact). Reduce
(:func:`reduce_images`, rounds of :mod:`omniweave.pipeline.rounds` under ``<out>/rounds``):

1. ``captures``, per group of WARC index files: HTTP-200 image captures to their URL's partition;
2. ``fetch``, per partition: documents per URL, the store's index rows of the partition's URLs
   (the index is scanned with a filter), the missing URLs got (captures first, then HTTP),
   every URL's status; ``(hash, document)`` of kept images to the partition of the hash;
3. ``dups``, per hash partition: documents per image hash (one piece over all hashes when
   ``dup_distance`` > 0: near hashes are grouped transitively), back to the URL's partition;
4. ``results``, per partition: the final rows, sent to the groups of the tasks that hold them;
5. ``tasks``, per task group: ``tasks/<task>.parquet``, the rows of that task's URLs only,
   which its apply reads (:func:`load_task_results`).

Each piece holds one partition (about corpus / partitions); the driver, the list of WARC index
files and one count dictionary per piece.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omniweave.images.hashes import hash_groups
from omniweave.images.partition import PartitionJob, partition_of, run_partition
from omniweave.images.store import load_index, needs_fetch
from omniweave.io.output import filesystem
from omniweave.pipeline.context import ReduceContext
from omniweave.pipeline.rounds import part_folder, read_folder, read_parquet, run_round, write_parquet_atomic, write_parts

PAIR_SCHEMA = pa.schema([("task", pa.string()), ("id", pa.string()), ("url", pa.string())])
CAPTURE_SCHEMA = pa.schema([("url", pa.string()), ("warc_file", pa.string()), ("offset", pa.int64()),
                            ("date", pa.timestamp("ms", tz="UTC"))])
HASH_SCHEMA = pa.schema([("kind", pa.string()), ("hash", pa.string()), ("id", pa.string()), ("url", pa.string())])
DUP_SCHEMA = pa.schema([("url", pa.string()), ("kind", pa.string()), ("count", pa.int64())])
RESULT_SCHEMA = pa.schema(
    [
        ("url", pa.string()), ("status", pa.string()), ("detail", pa.string()), ("source", pa.string()),
        ("shard", pa.string()), ("member", pa.string()), ("bytes", pa.int64()), ("sha256", pa.string()),
        ("format", pa.string()), ("width", pa.int32()), ("height", pa.int32()), ("n_frames", pa.int32()),
        ("phash", pa.string()), ("dhash", pa.string()), ("url_doc_count", pa.int64()),
        ("p_hash_dup_count", pa.int64()), ("d_hash_dup_count", pa.int64()),
    ]
)
TASK_RESULT_SCHEMA = pa.schema([("task", pa.string()), *RESULT_SCHEMA])
HASH_KINDS = {"phash": "p_hash_dup_count", "dhash": "d_hash_dup_count"}
PAIR_CHUNK = 65_536  # pairs a map task holds before it writes them out

JobFactory = Callable[[int, list[str], dict[str, tuple[str, int]]], PartitionJob]
FilterFn = Callable[[dict[str, Any]], str | None]


def _parts_of(urls: Iterable[str], partitions: int) -> np.ndarray:
    return np.array([partition_of(u, partitions) for u in urls], dtype=np.int64)


def _hash_part(values: Iterable[str | None], partitions: int) -> np.ndarray:
    return np.array([zlib.crc32((v or "").encode()) % partitions for v in values], dtype=np.int64)


def task_group(tasks: Iterable[str], groups: int) -> np.ndarray:
    return _hash_part(tasks, groups)


def write_pairs(fs: fsspec.AbstractFileSystem, map_dir: str, task_id: str, chunk: int, rows: list[tuple[str, str]],
                partitions: int) -> None:
    """Map output of one task: a chunk of its (document id, image URL) pairs, partitioned by host
    (a rerun of the task writes the same chunks under the same names)."""
    table = pa.table({"task": [task_id] * len(rows), "id": [r[0] for r in rows], "url": [r[1] for r in rows]},
                     schema=PAIR_SCHEMA)
    write_parts(fs, map_dir, f"{task_id}-{chunk:05d}", table, _parts_of(table["url"].to_pylist(), partitions),
                partitions)


def capture_piece(fs: fsspec.AbstractFileSystem, files: list[str], rounds: str, piece: int, partitions: int) -> dict:
    """HTTP-200 image captures of some WARC index files, to the partitions of their URLs."""
    tables = [read_parquet(fs, f, ["url", "warc_file", "offset", "date", "status"]) for f in files]
    if not tables:
        return {}
    table = pa.concat_tables(tables)
    table = table.filter(pc.and_(pc.equal(table["status"], 200), pc.is_valid(table["offset"]))).select(CAPTURE_SCHEMA.names)
    write_parts(fs, f"{rounds}/captures", piece, table.cast(CAPTURE_SCHEMA), _parts_of(table["url"].to_pylist(), partitions),
                partitions)
    return {"captures": table.num_rows}


def _newest_captures(table: pa.Table, urls: set[str]) -> dict[str, tuple[str, int]]:
    """url -> (warc file, offset) of its newest capture (a dated one before an undated one)."""
    best: dict[str, tuple[Any, str, int]] = {}
    for row in table.to_pylist():
        if row["url"] not in urls:
            continue
        key = (row["date"] is not None, row["date"])
        if row["url"] not in best or key > best[row["url"]][0]:
            best[row["url"]] = (key, row["warc_file"], row["offset"])
    return {u: (f, o) for u, (_, f, o) in best.items()}


def fetch_piece(fs: fsspec.AbstractFileSystem, map_dir: str, rounds: str, store_root: str, k: int, partitions: int,
                job: JobFactory, status_of: FilterFn, dup_parts: int) -> dict[str, int]:
    """Round 2 for partition ``k`` (see the module docstring); returns counts."""
    pairs = read_folder(fs, part_folder(map_dir, k), PAIR_SCHEMA)
    if pairs.num_rows == 0:
        return {}
    docs = pairs.group_by("url").aggregate([("id", "count_distinct")])
    doc_count = dict(zip(docs["url"].to_pylist(), docs["id_count_distinct"].to_pylist()))
    urls = set(doc_count)
    store_fs, store_path = filesystem(store_root)
    known = load_index(store_fs, store_path, urls)
    missing = sorted(u for u in urls if needs_fetch(known.get(u)))
    captures = _newest_captures(read_folder(fs, part_folder(f"{rounds}/captures", k), CAPTURE_SCHEMA), set(missing))
    counts: Counter[str] = Counter({"urls": len(urls), "already_stored": len(urls) - len(missing)})
    if missing:
        counts.update(run_partition(job(k, missing, captures)))
        known = load_index(store_fs, store_path, urls)
    results = []
    for url in sorted(urls):
        row = known.get(url) or {"status": "error", "error": "missing"}
        out = {name: row.get(name) for name in RESULT_SCHEMA.names if name in row}
        out.update(url=url, url_doc_count=doc_count[url], detail=row.get("detail"))
        out["status"] = "ok" if row["status"] == "ok" else row["error"]
        if out["status"] == "ok":
            out["status"] = status_of(out) or "ok"
        results.append(out)
    counts.update(f"status:{r['status']}" for r in results)
    write_parquet_atomic(fs, f"{part_folder(f'{rounds}/fetched', k)}/s-{k:05d}.parquet",
                         pa.Table.from_pylist(results, schema=RESULT_SCHEMA))
    ok = {r["url"]: r for r in results if r["status"] == "ok"}
    ids, urls_ = pairs["id"].to_pylist(), pairs["url"].to_pylist()
    rows = [(kind, ok[u][kind], i, u) for i, u in zip(ids, urls_) if u in ok for kind in HASH_KINDS]
    table = pa.table({name: [r[n] for r in rows] for n, name in enumerate(HASH_SCHEMA.names)}, schema=HASH_SCHEMA)
    write_parts(fs, f"{rounds}/hashes", k, table, _hash_part(table["hash"].to_pylist(), dup_parts), dup_parts)
    return dict(counts)


def dup_piece(fs: fsspec.AbstractFileSystem, rounds: str, h: int, partitions: int, distance: int) -> dict[str, int]:
    """Documents per image hash (group of near hashes) of one hash partition, per URL holding it."""
    table = read_folder(fs, part_folder(f"{rounds}/hashes", h), HASH_SCHEMA)
    out = []
    for kind in HASH_KINDS:
        rows = table.filter(pc.equal(table["kind"], kind)).to_pylist()
        by_url = {r["url"]: r["hash"] for r in rows}
        urls = sorted(by_url)
        groups = dict(zip(urls, hash_groups([by_url[u] for u in urls], distance), strict=True))
        group_docs: dict[int | None, set[str]] = defaultdict(set)
        for r in rows:
            group_docs[groups[r["url"]]].add(r["id"])
        out += [(u, kind, len(group_docs[groups[u]])) for u in urls]
    result = pa.table({"url": [r[0] for r in out], "kind": [r[1] for r in out], "count": [r[2] for r in out]},
                      schema=DUP_SCHEMA)
    write_parts(fs, f"{rounds}/dups", h, result, _parts_of(result["url"].to_pylist(), partitions), partitions)
    return {}


def results_piece(fs: fsspec.AbstractFileSystem, map_dir: str, rounds: str, k: int, groups: int) -> dict[str, int]:
    """Final rows of partition ``k``, one per (task, URL), to the groups of the tasks."""
    results = {r["url"]: r for r in read_folder(fs, part_folder(f"{rounds}/fetched", k), RESULT_SCHEMA).to_pylist()}
    if not results:
        return {}
    for dup in read_folder(fs, part_folder(f"{rounds}/dups", k), DUP_SCHEMA).to_pylist():
        results[dup["url"]][HASH_KINDS[dup["kind"]]] = dup["count"]
    pairs = read_folder(fs, part_folder(map_dir, k), PAIR_SCHEMA).select(["task", "url"])
    pairs = pairs.group_by(["task", "url"]).aggregate([])
    rows = [{"task": t, **results[u]} for t, u in zip(pairs["task"].to_pylist(), pairs["url"].to_pylist())]
    table = pa.Table.from_pylist(rows, schema=TASK_RESULT_SCHEMA)
    write_parts(fs, f"{rounds}/results", k, table, task_group(table["task"].to_pylist(), groups), groups)
    return {}


def tasks_piece(fs: fsspec.AbstractFileSystem, rounds: str, out_dir: str, g: int) -> dict[str, int]:
    """``tasks/<task>.parquet`` for each task of group ``g``: the rows of its URLs."""
    table = read_folder(fs, part_folder(f"{rounds}/results", g), TASK_RESULT_SCHEMA).sort_by([("task", "ascending"),
                                                                                              ("url", "ascending")])
    tasks = table["task"].to_numpy(zero_copy_only=False)
    if tasks.size == 0:
        return {}
    bounds = np.flatnonzero(np.concatenate([[True], tasks[1:] != tasks[:-1], [True]]))
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        write_parquet_atomic(fs, f"{out_dir}/tasks/{tasks[lo]}.parquet", table.slice(lo, hi - lo).drop(["task"]))
    return {}


def reduce_images(ctx: ReduceContext, *, partitions: int, store_root: str, warc: bool, distance: int,
                  job: JobFactory, status_of: FilterFn) -> dict[str, int]:
    """Rounds 1-5 of the module docstring; returns the summed counts of the fetch pieces."""
    fs, rounds = ctx.run.fs, f"{ctx.out_dir}/rounds"
    if warc:
        files = sorted(fs.glob(f"{ctx.run.warc_image_index}/*.parquet"))
        chunks = [files[i::partitions] for i in range(partitions)]
        run_round(fs, ctx.map, f"{rounds}/captures",
                  lambda g: capture_piece(fs, chunks[g], rounds, g, partitions), partitions)
    dup_parts = partitions if distance == 0 else 1  # near hashes are grouped in one piece
    fetched = run_round(fs, ctx.map, f"{rounds}/fetch", lambda k: fetch_piece(
        fs, ctx.map_dir, rounds, store_root, k, partitions, job, status_of, dup_parts), partitions)
    run_round(fs, ctx.map, f"{rounds}/dups", lambda h: dup_piece(fs, rounds, h, partitions, distance), dup_parts)
    run_round(fs, ctx.map, f"{rounds}/results", lambda k: results_piece(fs, ctx.map_dir, rounds, k, partitions),
              partitions)
    run_round(fs, ctx.map, f"{rounds}/tasks", lambda g: tasks_piece(fs, rounds, ctx.out_dir, g), partitions)
    if fs.exists(rounds):
        fs.rm(rounds, recursive=True)
    total: Counter[str] = Counter()
    for counts in fetched:
        total.update(counts)
    return dict(total)


def load_task_results(fs: fsspec.AbstractFileSystem, reduce_dir: str, task_id: str) -> dict[str, dict[str, Any]]:
    """The result row of every image URL of one task's documents."""
    path = f"{reduce_dir}/tasks/{task_id}.parquet"
    if not fs.exists(path):
        return {}
    return {r["url"]: r for r in read_parquet(fs, path).to_pylist()}
