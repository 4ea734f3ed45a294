"""The images step's reduce: rounds of executor pieces over files partitioned by host.

An image is the tuple of its candidate URLs (its renditions, preferred first: :mod:`.renditions`).
Every URL belongs to the partition of its host (:func:`~omniweave.images.partition.partition_of`),
so the piece that fetches a URL fetches every URL of its host and the per-host limits stay
exact; an image belongs to the partition of its preferred URL's host (its renditions nearly
always share that host, so an image and its URLs nearly always meet in one partition, but
nothing relies on it).

Map (per task, in chunks, :func:`write_pairs`): ``(task, document id, image)`` rows to
one partitioned file per chunk, ``map/<task>-<chunk>.parts``. Reduce (:func:`reduce_images`), rounds of
:mod:`omniweave.pipeline.rounds` under ``<out>/rounds``:

1. ``captures``, per group of WARC index files: HTTP-200 image captures to their URL's partition;
2. ``ask-000``, per image partition: its distinct images; each candidate URL asked of its partition;
3. ``look``, per URL partition: the store's rows and the captures of the URLs asked: whether each
   is stored fine, or captured (while it still needs getting), answered to the image partitions;
4. the rendition search, in rounds until no image is pending: ``ask-NNN`` (per image partition:
   each image's order of attempts, or its next attempt after the last answer; the URL now tried
   asked of its partition) and ``get-NNN`` (per URL partition: the URLs asked for the first time
   got, store first, then captures, then HTTP; every URL asked answered with its status);
5. ``chosen``, per image partition: (task, document, image, URL used) to the URL's partition;
6. ``results``, per URL partition: documents per URL, final statuses (fetch or decode error, or
   filter reason), ``(hash, document)`` of kept images to the partition of the hash;
7. ``dups``, per hash partition: documents per image hash (one piece over all hashes when
   ``dup_distance`` > 0: near hashes are grouped transitively), back to the URL's partition;
8. ``rows``, per URL partition: the image table ``images/p-NNNNN.parquet`` (one row per URL
   used); each task's (image, row) to the group of the task;
9. ``tasks``, per task group: ``tasks/<task>.parquet``, what that task's apply reads
   (:func:`load_task_results`).

Each piece holds one partition (about corpus / partitions); the driver, the list of WARC index
files and one small count dictionary per piece. Same choices, statuses and counts as a search
over the whole corpus at once (:func:`~omniweave.images.renditions.choose`).
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omniweave import counters
from omniweave.images import RESULT_DIR
from omniweave.images.hashes import hash_groups
from omniweave.images.partition import PartitionJob, partition_of, run_partition
from omniweave.images.renditions import Image, attempt_order, next_attempt
from omniweave.images.store import STORE_SCHEMA, load_index, needs_fetch
from omniweave.io.output import filesystem
from omniweave.pipeline.context import ReduceContext
from omniweave.pipeline.rounds import (
    read_part,
    read_parquet,
    run_round,
    write_parquet_atomic,
    write_parts,
)

log = logging.getLogger(__name__)

URLS = pa.list_(pa.string())
PAIR_SCHEMA = pa.schema([("task", pa.string()), ("id", pa.string()), ("url", pa.string()), ("alternates", URLS)])
STATE_SCHEMA = pa.schema([("candidates", URLS), ("attempts", URLS), ("pos", pa.int32()), ("done", pa.bool_())])
ASK_SCHEMA = pa.schema([("url", pa.string()), ("part", pa.int32())])
LOOK_SCHEMA = pa.schema([("url", pa.string()), ("stored_ok", pa.bool_()), ("captured", pa.bool_())])
ANSWER_SCHEMA = pa.schema([("url", pa.string()), ("status", pa.string()), ("error", pa.string())])
CHOSEN_SCHEMA = pa.schema([("task", pa.string()), ("id", pa.string()), ("url", pa.string()), ("candidates", URLS)])
CAPTURE_SCHEMA = pa.schema([("url", pa.string()), ("warc_file", pa.string()), ("offset", pa.int64()),
                            ("date", pa.timestamp("ms", tz="UTC")), ("order", pa.int64())])
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
STATUS_COLUMNS = ["status", "error", "retryable"]  # of a store row: what the search and the fetch decision read
STORED_RESULT_COLUMNS = [n for n in STORE_SCHEMA.names if n in RESULT_SCHEMA.names or n == "error"]
TASK_ROW_SCHEMA = pa.schema([("task", pa.string()), ("candidates", URLS), *RESULT_SCHEMA])
HASH_KINDS = {"phash": "p_hash_dup_count", "dhash": "d_hash_dup_count"}
PAIR_CHUNK = 65_536  # (document, image) pairs a map task holds before it writes them out

JobFactory = Callable[[int, list[str], dict[str, tuple[str, int]]], PartitionJob]
FilterFn = Callable[[dict[str, Any]], str | None]


def _parts_of(urls: Iterable[str], partitions: int) -> np.ndarray:
    """The partition of each URL (each distinct URL parsed once)."""
    memo: dict[str, int] = {}
    return np.array([memo[u] if u in memo else memo.setdefault(u, partition_of(u, partitions)) for u in urls],
                    dtype=np.int64)


def _hash_parts(values: Iterable[str | None], partitions: int) -> np.ndarray:
    return np.array([zlib.crc32((v or "").encode()) % partitions for v in values], dtype=np.int64)


def write_pairs(fs: fsspec.AbstractFileSystem, map_dir: str, task_id: str, chunk: int, rows: list[tuple[str, Image]],
                partitions: int) -> None:
    """Map output of one task: a chunk of its (document id, image) pairs, partitioned by the host
    of the preferred URL (a rerun of the task writes the same chunks under the same names)."""
    table = pa.table({"task": [task_id] * len(rows), "id": [r[0] for r in rows], "url": [r[1][0] for r in rows],
                      "alternates": [list(r[1][1:]) for r in rows]}, schema=PAIR_SCHEMA)
    write_parts(fs, map_dir, f"{task_id}-{chunk:05d}", table, _parts_of(table["url"].to_pylist(), partitions),
                partitions)


def _images_of(pairs: pa.Table) -> list[Image]:
    return sorted({(u, *(a or ())) for u, a in zip(pairs["url"].to_pylist(), pairs["alternates"].to_pylist())})


def _ask(fs: fsspec.AbstractFileSystem, directory: str, k: int, urls: Iterable[str], partitions: int) -> None:
    """Ask the partitions of ``urls`` (distinct) about them, on behalf of image partition ``k``."""
    urls = sorted(set(urls))
    table = pa.table({"url": urls, "part": [k] * len(urls)}, schema=ASK_SCHEMA)
    write_parts(fs, directory, k, table, _parts_of(urls, partitions), partitions)


def _answer(fs: fsspec.AbstractFileSystem, directory: str, k: int, asks: pa.Table, rows: list[dict[str, Any]],
            schema: pa.Schema, partitions: int) -> None:
    """Rows (one per URL) to the image partitions that asked about their URL."""
    by_url = {r["url"]: r for r in rows}
    pairs = [(by_url[u], p) for u, p in zip(asks["url"].to_pylist(), asks["part"].to_pylist()) if u in by_url]
    table = pa.Table.from_pylist([r for r, _ in pairs], schema=schema)
    write_parts(fs, directory, k, table, np.array([p for _, p in pairs], dtype=np.int64), partitions)


def capture_piece(fs: fsspec.AbstractFileSystem, files: dict[int, str], rounds: str, piece: int,
                  partitions: int) -> dict:
    """HTTP-200 image captures of some WARC index files (by their rank among all), to the
    partitions of their URLs; ``order`` (rank of the file, then row) breaks ties of dates."""
    tables = []
    for rank, path in files.items():
        table = read_parquet(fs, path, ["url", "warc_file", "offset", "date", "status"])
        order = pa.array(np.arange(table.num_rows, dtype=np.int64) + (rank << 32))
        tables.append(table.append_column("order", order))
    if not tables:
        return {}
    table = pa.concat_tables(tables)
    table = table.filter(pc.and_(pc.equal(table["status"], 200), pc.is_valid(table["offset"])))
    table = table.select(CAPTURE_SCHEMA.names).cast(CAPTURE_SCHEMA)
    write_parts(fs, f"{rounds}/captures", piece, table, _parts_of(table["url"].to_pylist(), partitions), partitions)
    return {}


def _captures(fs: fsspec.AbstractFileSystem, rounds: str, k: int, urls: set[str]) -> dict[str, tuple[str, int]]:
    """url -> (warc file, offset) of its newest HTTP-200 capture (a dated one before an undated
    one; of equal dates, the first in the order of the index files)."""
    best: dict[str, tuple[Any, str, int]] = {}
    table = read_part(fs, f"{rounds}/captures", k, CAPTURE_SCHEMA).sort_by("order")
    for row in table.to_pylist():
        if row["url"] not in urls:
            continue
        key = (row["date"] is not None, row["date"])
        if row["url"] not in best or key > best[row["url"]][0]:
            best[row["url"]] = (key, row["warc_file"], row["offset"])
    return {u: (f, o) for u, (_, f, o) in best.items()}


class ImagePieces:
    """The pieces of the rounds of the module docstring, for one reduce (plain values, so they
    run in threads or travel to Ray tasks alike); :func:`reduce_images` runs them."""

    def __init__(self, ctx: ReduceContext, *, partitions: int, store_root: str, warc: bool, fetch_http: bool,
                 distance: int, job: JobFactory, status_of: FilterFn) -> None:
        self.fs, self.map_dir, self.out_dir = ctx.run.fs, ctx.map_dir, ctx.out_dir
        self.rounds = f"{ctx.out_dir}/rounds"
        self.partitions, self.store_root, self.warc, self.fetch_http = partitions, store_root, warc, fetch_http
        self.distance, self.job, self.status_of = distance, job, status_of
        self.dup_parts = partitions if distance == 0 else 1  # near hashes are grouped in one piece

    # -- the rendition search -------------------------------------------------------------------

    def _state(self, search: int, k: int) -> pa.Table:
        path = f"{self.rounds}/ask-{search:03d}/state/p-{k:05d}.parquet"
        return read_parquet(self.fs, path) if self.fs.exists(path) else STATE_SCHEMA.empty_table()

    def _write_state(self, search: int, k: int, rows: list[dict[str, Any]]) -> None:
        write_parquet_atomic(self.fs, f"{self.rounds}/ask-{search:03d}/state/p-{k:05d}.parquet",
                             pa.Table.from_pylist(rows, schema=STATE_SCHEMA))

    def first_ask_piece(self, k: int) -> dict[str, int]:
        """Image partition ``k``: its distinct images; every candidate URL asked about."""
        images = _images_of(read_part(self.fs, self.map_dir, k, PAIR_SCHEMA))
        self._write_state(0, k, [{"candidates": list(im), "attempts": [], "pos": 0, "done": False} for im in images])
        _ask(self.fs, f"{self.rounds}/ask-000", k, (u for im in images for u in im), self.partitions)
        return {"urls": len({im[0] for im in images})}

    def look_piece(self, k: int) -> dict[str, int]:
        """URL partition ``k``: whether each URL asked about is stored fine, or captured (still to get)."""
        asks = read_part(self.fs, f"{self.rounds}/ask-000", k, ASK_SCHEMA)
        urls = set(asks["url"].to_pylist())
        known = load_index(*filesystem(self.store_root), urls, STATUS_COLUMNS) if urls else {}
        to_get = {u for u in urls if needs_fetch(known.get(u))}
        captured = _captures(self.fs, self.rounds, k, to_get) if self.warc and to_get else {}
        rows = [{"url": u, "stored_ok": (known.get(u) or {}).get("status") == "ok", "captured": u in captured}
                for u in urls]
        _answer(self.fs, f"{self.rounds}/look", k, asks, rows, LOOK_SCHEMA, self.partitions)
        return {}

    def ask_piece(self, k: int, search: int) -> dict[str, int]:
        """Image partition ``k``, search round ``search``: the attempt orders (first round) or the
        next attempts after the answers of the last ``get``; the URLs now tried asked about."""
        state = self._state(search - 1, k).to_pylist()
        if search == 1:
            looked = {r["url"]: r for r in read_part(self.fs, f"{self.rounds}/look", k,
                                                      LOOK_SCHEMA).to_pylist()}
            for s in state:
                s["attempts"] = attempt_order(tuple(s["candidates"]), lambda u: looked[u]["stored_ok"],
                                              lambda u: looked[u]["captured"], self.fetch_http)
        else:
            answers = {r["url"]: r for r in read_part(self.fs, f"{self.rounds}/get-{search - 1:03d}", k,
                                                       ANSWER_SCHEMA).to_pylist()}
            for s in state:
                if not s["done"]:
                    following = next_attempt(s["attempts"], s["pos"], answers.get(s["attempts"][s["pos"]]))
                    s["done"], s["pos"] = following is None, s["pos"] if following is None else following
        self._write_state(search, k, state)
        pending = [s["attempts"][s["pos"]] for s in state if not s["done"]]
        _ask(self.fs, f"{self.rounds}/ask-{search:03d}", k, pending, self.partitions)
        return {"pending": len(pending)}

    def get_piece(self, k: int, search: int) -> dict[str, int]:
        """URL partition ``k``: the URLs asked for the first time this run got into the store
        (store first, then captures, then HTTP); every URL asked answered with its status."""
        fs, rounds = self.fs, self.rounds
        asks = read_part(fs, f"{rounds}/ask-{search:03d}", k, ASK_SCHEMA)
        urls = sorted(set(asks["url"].to_pylist()))
        if not urls:
            return {}
        looked = {u for r in range(1, search)
                  for u in read_part(fs, f"{rounds}/ask-{r:03d}", k, ASK_SCHEMA)["url"].to_pylist()}
        new = [u for u in urls if u not in looked]  # a URL is got once a run, whichever image asks again
        store_fs, store_path = filesystem(self.store_root)
        known = load_index(store_fs, store_path, set(new), STATUS_COLUMNS) if new else {}
        missing = [u for u in new if needs_fetch(known.get(u))]
        counts: Counter[str] = Counter({"already_stored": len(new) - len(missing)})
        if missing:
            captures = _captures(fs, rounds, k, set(missing)) if self.warc else {}
            log.info("images: %d URLs to get in partition %d (%d captured)", len(missing), k, len(captures))
            counts.update(run_partition(self.job(k, missing, captures)))
        rows = load_index(store_fs, store_path, set(urls), STATUS_COLUMNS)
        _answer(fs, f"{rounds}/get-{search:03d}", k, asks,
                [{"url": u, "status": r["status"], "error": r.get("error")} for u, r in rows.items()],
                ANSWER_SCHEMA, self.partitions)
        return dict(counts)

    # -- the results ------------------------------------------------------------------------------

    def chosen_piece(self, k: int, search: int) -> dict[str, int]:
        """Image partition ``k``: each (task, document, image) with the URL its image ends with."""
        chosen = {tuple(s["candidates"]): s["attempts"][s["pos"]] for s in self._state(search, k).to_pylist()}
        pairs = read_part(self.fs, self.map_dir, k, PAIR_SCHEMA)
        images = [(u, *(a or ())) for u, a in zip(pairs["url"].to_pylist(), pairs["alternates"].to_pylist())]
        urls = [chosen[im] for im in images]
        table = pa.table({"task": pairs["task"], "id": pairs["id"], "url": urls,
                          "candidates": [list(im) for im in images]}, schema=CHOSEN_SCHEMA)
        write_parts(self.fs, f"{self.rounds}/chosen", k, table, _parts_of(urls, self.partitions), self.partitions)
        return {"alternate_rendition": sum(1 for im, url in chosen.items() if url != im[0])}

    def results_piece(self, k: int) -> dict[str, int]:
        """URL partition ``k``: each URL used with its final status and number of documents;
        ``(hash, document)`` of the kept ones to the partitions of the hashes."""
        fs = self.fs
        pairs = read_part(fs, f"{self.rounds}/chosen", k, CHOSEN_SCHEMA).select(["id", "url"])
        if pairs.num_rows == 0:
            return {}
        docs = pairs.group_by("url").aggregate([("id", "count_distinct")])
        doc_count = dict(zip(docs["url"].to_pylist(), docs["id_count_distinct"].to_pylist()))
        known = load_index(*filesystem(self.store_root), set(doc_count), STORED_RESULT_COLUMNS)
        results = []
        for url in sorted(doc_count):
            row = known.get(url) or {"status": "error", "error": "missing"}
            out = {name: row.get(name) for name in RESULT_SCHEMA.names if name in row}
            out.update(url=url, url_doc_count=doc_count[url], detail=row.get("detail"))
            out["status"] = "ok" if row["status"] == "ok" else row["error"]
            if out["status"] == "ok":
                out["status"] = self.status_of(out) or "ok"
            results.append(out)
        write_parquet_atomic(fs, f"{self.rounds}/results/p-{k:05d}.parquet",
                             pa.Table.from_pylist(results, schema=RESULT_SCHEMA))
        ok = {r["url"]: r for r in results if r["status"] == "ok"}
        rows = [(kind, ok[u][kind], i, u) for i, u in zip(pairs["id"].to_pylist(), pairs["url"].to_pylist()) if u in ok
                for kind in HASH_KINDS]
        table = pa.table({name: [r[n] for r in rows] for n, name in enumerate(HASH_SCHEMA.names)}, schema=HASH_SCHEMA)
        write_parts(fs, f"{self.rounds}/hashes", k, table, _hash_parts(table["hash"].to_pylist(), self.dup_parts),
                    self.dup_parts)
        return dict(Counter(counters.status(r["status"]) for r in results))

    def dup_piece(self, h: int) -> dict[str, int]:
        """Hash partition ``h``: documents per image hash (group of near hashes), per URL holding it."""
        table = read_part(self.fs, f"{self.rounds}/hashes", h, HASH_SCHEMA)
        out = []
        for kind in HASH_KINDS:
            rows = table.filter(pc.equal(table["kind"], kind)).to_pylist()
            by_url = {r["url"]: r["hash"] for r in rows}
            urls = sorted(by_url)
            groups = dict(zip(urls, hash_groups([by_url[u] for u in urls], self.distance), strict=True))
            group_docs: dict[int | None, set[str]] = defaultdict(set)
            for r in rows:
                group_docs[groups[r["url"]]].add(r["id"])
            out += [(u, kind, len(group_docs[groups[u]])) for u in urls]
        result = pa.table({"url": [r[0] for r in out], "kind": [r[1] for r in out], "count": [r[2] for r in out]},
                          schema=DUP_SCHEMA)
        write_parts(self.fs, f"{self.rounds}/dups", h, result, _parts_of(result["url"].to_pylist(), self.partitions),
                    self.partitions)
        return {}

    def rows_piece(self, k: int) -> dict[str, int]:
        """URL partition ``k``: its part of the image table; each task's (image, row) to the task's group."""
        fs, path = self.fs, f"{self.rounds}/results/p-{k:05d}.parquet"
        if not fs.exists(path):
            return {}
        results = {r["url"]: r for r in read_parquet(fs, path).to_pylist()}
        for dup in read_part(fs, f"{self.rounds}/dups", k, DUP_SCHEMA).to_pylist():
            results[dup["url"]][HASH_KINDS[dup["kind"]]] = dup["count"]
        write_parquet_atomic(fs, f"{self.out_dir}/{RESULT_DIR}/p-{k:05d}.parquet",
                             pa.Table.from_pylist(list(results.values()), schema=RESULT_SCHEMA))
        chosen = read_part(fs, f"{self.rounds}/chosen", k, CHOSEN_SCHEMA)
        used = {(t, tuple(c)): u for t, u, c in zip(chosen["task"].to_pylist(), chosen["url"].to_pylist(),
                                                   chosen["candidates"].to_pylist())}
        rows = [{"task": t, "candidates": list(c), **results[u]} for (t, c), u in sorted(used.items())]
        table = pa.Table.from_pylist(rows, schema=TASK_ROW_SCHEMA)
        write_parts(fs, f"{self.rounds}/task-rows", k, table, _hash_parts(table["task"].to_pylist(), self.partitions),
                    self.partitions)
        return {}

    def tasks_piece(self, g: int) -> dict[str, int]:
        """``tasks/<task>.parquet`` for each task of group ``g``: the rows of its images."""
        table = read_part(self.fs, f"{self.rounds}/task-rows", g, TASK_ROW_SCHEMA).sort_by("task")
        tasks = table["task"].to_numpy(zero_copy_only=False)
        bounds = np.flatnonzero(np.concatenate([[True], tasks[1:] != tasks[:-1], [True]])) if tasks.size else []
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            write_parquet_atomic(self.fs, f"{self.out_dir}/tasks/{tasks[lo]}.parquet",
                                 table.slice(lo, hi - lo).drop(["task"]))
        return {}


def reduce_images(ctx: ReduceContext, pieces: ImagePieces) -> dict[str, int]:
    """Run the rounds (each skips the pieces a killed run finished); returns the step's counts."""
    fs, rounds = ctx.run.fs, pieces.rounds

    def run(name: str, fn: Callable[[int], dict[str, int]], count: int | None = None) -> Counter[str]:
        total: Counter[str] = Counter()
        for piece_counts in run_round(fs, ctx.map, f"{rounds}/{name}", fn, count or pieces.partitions):
            total.update(piece_counts)
        return total

    if pieces.warc:
        files = sorted(fs.glob(f"{ctx.run.warc_image_index}/*.parquet"))
        chunks = [{r: files[r] for r in range(i, len(files), pieces.partitions)} for i in range(pieces.partitions)]
        run("captures", lambda g: capture_piece(fs, chunks[g], rounds, g, pieces.partitions))
    counts = Counter({"urls": 0, "already_stored": 0, "alternate_rendition": 0})
    counts.update(run("ask-000", pieces.first_ask_piece))
    run("look", pieces.look_piece)
    search = 1
    while run(f"ask-{search:03d}", lambda k, r=search: pieces.ask_piece(k, r))["pending"]:
        counts.update(run(f"get-{search:03d}", lambda k, r=search: pieces.get_piece(k, r)))
        search += 1
    counts.update(run("chosen", lambda k, r=search: pieces.chosen_piece(k, r)))
    counts.update(run("results", pieces.results_piece))
    run("dups", pieces.dup_piece, pieces.dup_parts)
    run("rows", pieces.rows_piece)
    run("tasks", pieces.tasks_piece)
    if fs.exists(rounds):
        fs.rm(rounds, recursive=True)  # only images/ and tasks/ are read later
    return dict(counts)


def load_task_results(fs: fsspec.AbstractFileSystem, reduce_dir: str, task_id: str) -> list[dict[str, Any]]:
    """The rows of one task's images: candidate URLs, the URL used and its result."""
    path = f"{reduce_dir}/tasks/{task_id}.parquet"
    return read_parquet(fs, path).to_pylist() if fs.exists(path) else []
