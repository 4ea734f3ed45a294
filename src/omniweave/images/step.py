"""The ``images`` step: get every image of the corpus once, filter and hash it, annotate documents.

- collect (map): each task writes (document id, image URL, its alternate renditions) of its documents.
- reduce: each image gets one of its renditions (:mod:`.renditions`: stored or captured ones first,
  then the preferred URL, the next on a permanent failure); URLs missing from the image store (or
  only failed retryably) are split into partitions by host and fetched in parallel (WARC captures
  of the run first, then HTTP); then every URL used gets its final status (fetch/decode error or
  filter reason) and the number of documents sharing its pHash / dHash; written to
  ``images.parquet``, and the renditions chosen other than the preferred one to ``renditions.parquet``.
- apply: point each image node at the URL used (``extra["rendition"]`` says which), fill it (size,
  format, hashes, store location, counts) and remove the images that did not make it
  (``removed_images:<reason>``); a document left without an image is dropped
  (``dropped:no_image``) unless ``imageless: keep``.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Literal

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from pydantic import Field

from omniweave import counters
from omniweave.document import Document, ImageNode, Node
from omniweave.extract.images import RENDITIONS
from omniweave.images import RESULT_FILE
from omniweave.images.fetch import FetchParams
from omniweave.images.hashes import hash_groups
from omniweave.images.partition import DecodeParams, PartitionJob, partition_of, run_partition
from omniweave.images.renditions import Image, attempt_order, choose
from omniweave.images.store import load_index, needs_fetch, url_key
from omniweave.io.output import filesystem
from omniweave.pipeline.context import ReduceContext, TaskContext
from omniweave.pipeline.node_removal import NodeRemovalStep
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.step import GlobalStep, StepParams
from omniweave.io.warc import WARC_IMAGE_SCHEMA

log = logging.getLogger(__name__)

MAP_SCHEMA = pa.schema([("id", pa.string()), ("url", pa.string()), ("alternates", pa.list_(pa.string()))])
CHOICE_FILE = "renditions.parquet"
CHOICE_SCHEMA = pa.schema([("candidates", pa.list_(pa.string())), ("url", pa.string())])
RESULT_SCHEMA = pa.schema(
    [
        ("url", pa.string()), ("status", pa.string()), ("detail", pa.string()), ("source", pa.string()),
        ("shard", pa.string()), ("member", pa.string()), ("bytes", pa.int64()), ("sha256", pa.string()),
        ("format", pa.string()), ("width", pa.int32()), ("height", pa.int32()), ("n_frames", pa.int32()),
        ("phash", pa.string()), ("dhash", pa.string()), ("url_doc_count", pa.int64()),
        ("p_hash_dup_count", pa.int64()), ("d_hash_dup_count", pa.int64()),
    ]
)


class FilterParams(StepParams):
    """Recipe keys of ``images.filter`` (defaults after OBELICS / MMC4)."""

    min_side: int = Field(150, ge=0, description="smaller width or height is removed")
    max_aspect_ratio: float = Field(3.0, ge=1, description="long side / short side")
    formats: list[str] | None = Field(None, description="allowed formats (JPEG, PNG, ...); None: any")
    animated: bool = True
    min_bytes: int = Field(0, ge=0)
    max_bytes: int | None = Field(None, gt=0)
    max_url_doc_count: int | None = Field(None, gt=0, description="images in more documents are removed (logos)")


class ImagesParams(StepParams):
    """Recipe keys of the ``images`` step."""

    sources: list[Literal["warc", "http"]] = Field(default_factory=lambda: ["warc", "http"], min_length=1,
                                                   description="a WARC capture is always preferred to a fetch")
    store_dir: str | None = Field(None, description="shared image store; default <run>/images/store")
    partitions: int = Field(16, gt=0, description="URL partitions (by host) fetched in parallel")
    shard_max_images: int = Field(1000, gt=0)
    fetch: FetchParams = Field(default_factory=FetchParams)
    decode: DecodeParams = Field(default_factory=DecodeParams)
    filter: FilterParams = Field(default_factory=FilterParams)
    dup_distance: int = Field(0, ge=0, le=32, description="pHash/dHash bits apart still counted as the same")
    imageless: Literal["drop", "keep"] = "drop"
    keep_failed: bool = Field(False, description="keep removed images in documents, with their status")




def filter_reason(row: dict[str, Any], fp: FilterParams) -> str | None:
    """Why an image that decoded fine is removed by the filters (None: kept)."""
    w, h = row["width"], row["height"]
    if min(w, h) < fp.min_side:
        return "min_side"
    if max(w, h) > fp.max_aspect_ratio * max(min(w, h), 1):
        return "aspect_ratio"
    if fp.formats is not None and (row["format"] or "").upper() not in {f.upper() for f in fp.formats}:
        return "format"
    if not fp.animated and (row["n_frames"] or 1) > 1:
        return "animated"
    if row["bytes"] < fp.min_bytes or (fp.max_bytes is not None and row["bytes"] > fp.max_bytes):
        return "file_size"
    if fp.max_url_doc_count is not None and row["url_doc_count"] > fp.max_url_doc_count:
        return "url_frequency"
    return None


def candidate_urls(node: ImageNode) -> Image:
    """The URLs of an image node's renditions, preferred first (its URL alone when it has no others)."""
    found = node.extra.get(RENDITIONS)
    return tuple(r["url"] for r in found) if found else (node.url,)


def _warc_captures(ctx: ReduceContext, urls: set[str]) -> dict[str, tuple[str, int]]:
    """url -> (warc file, offset) of its newest HTTP-200 capture in the run's inputs."""
    fs = ctx.run.fs
    files = fs.glob(f"{ctx.run.warc_image_index}/*.parquet")
    if not files:
        return {}
    table = ds.dataset(files, schema=WARC_IMAGE_SCHEMA, filesystem=fs, format="parquet").to_table()
    best: dict[str, tuple[Any, str, int]] = {}
    for row in table.to_pylist():
        if row["status"] != 200 or row["url"] not in urls or row["offset"] is None:
            continue
        key = (row["date"] is not None, row["date"])
        if row["url"] not in best or key > best[row["url"]][0]:
            best[row["url"]] = (key, row["warc_file"], row["offset"])
    return {u: (f, o) for u, (_, f, o) in best.items()}


def _dup_counts(docs_of: dict[str, set[str]], hashes: dict[str, str], distance: int) -> dict[str, int]:
    """url -> number of documents holding an image whose hash is in the url's hash group."""
    urls = sorted(hashes)
    groups = hash_groups([hashes[u] for u in urls], distance)
    group_docs: dict[int, set[str]] = defaultdict(set)
    for url, g in zip(urls, groups, strict=True):
        group_docs[g] |= docs_of[url]
    return {url: len(group_docs[g]) for url, g in zip(urls, groups, strict=True)}


class ImageStep(NodeRemovalStep, GlobalStep):
    name = "images"
    Params = ImagesParams
    params: ImagesParams
    requires_images = True

    def collect(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        rows = []
        for doc in docs:
            for im in doc.images:
                urls = candidate_urls(im)
                rows.append({"id": doc.id, "url": urls[0], "alternates": list(urls[1:])})
            yield doc
        fs, directory = ctx.run.fs, ctx.map_dir(self.label)
        fs.makedirs(directory, exist_ok=True)
        with fs.open(f"{directory}/{ctx.task_id}.parquet", "wb") as fh:
            pq.write_table(pa.Table.from_pylist(rows, schema=MAP_SCHEMA), fh)

    def image_store(self, run_root: str) -> str:
        return self.params.store_dir or RunDir(run_root).image_store

    def reduce(self, ctx: ReduceContext) -> dict[str, int]:
        p, fs = self.params, ctx.run.fs
        files = fs.glob(f"{ctx.map_dir}/*.parquet")
        pairs = []
        if files:
            pairs = ds.dataset(files, schema=MAP_SCHEMA, filesystem=fs, format="parquet").to_table().to_pylist()
        docs_of_image: dict[Image, set[str]] = defaultdict(set)
        for row in pairs:
            docs_of_image[(row["url"], *(row["alternates"] or ()))].add(row["id"])
        candidates = {u for image in docs_of_image for u in image}
        store_root = self.image_store(ctx.run.root)
        store_fs, store_path = filesystem(store_root)
        known = load_index(store_fs, store_path, candidates)
        captures = {}
        if "warc" in p.sources:
            captures = _warc_captures(ctx, {u for u in candidates if needs_fetch(known.get(u))})
        counts: Counter[str] = Counter({"urls": len({image[0] for image in docs_of_image}), "already_stored": 0})
        looked: set[str] = set()

        def get(urls: list[str]) -> dict[str, dict[str, Any]]:
            new = [u for u in urls if u not in looked]  # a URL is got once a run, whichever image asks again
            looked.update(new)
            missing = [u for u in new if needs_fetch(known.get(u))]
            counts["already_stored"] += len(new) - len(missing)
            if missing:
                self._get(ctx, missing, captures, store_root, counts)
                known.update(load_index(store_fs, store_path, set(missing)))
            return known

        def stored_ok(url: str) -> bool:
            return (known.get(url) or {}).get("status") == "ok"

        chosen = choose(docs_of_image, lambda im: attempt_order(im, stored_ok, captures.__contains__, "http" in p.sources),
                        get)
        docs_of: dict[str, set[str]] = defaultdict(set)
        for image, url in chosen.items():
            docs_of[url] |= docs_of_image[image]
        urls = set(docs_of)
        counts["alternate_rendition"] = sum(1 for image, url in chosen.items() if url != image[0])
        results = []
        for url in sorted(urls):
            row = known.get(url) or {"status": "error", "error": "missing"}
            out = {name: row.get(name) for name in RESULT_SCHEMA.names if name in row}
            out.update(url=url, url_doc_count=len(docs_of[url]), detail=row.get("detail"))
            out["status"] = "ok" if row["status"] == "ok" else row["error"]
            if out["status"] == "ok":
                out["status"] = filter_reason(out, p.filter) or "ok"
            results.append(out)
        ok = [r for r in results if r["status"] == "ok"]
        for key, field_name in (("phash", "p_hash_dup_count"), ("dhash", "d_hash_dup_count")):
            dup = _dup_counts(docs_of, {r["url"]: r[key] for r in ok}, p.dup_distance)
            for r in ok:
                r[field_name] = dup[r["url"]]
        counts.update(counters.status(r["status"]) for r in results)
        with fs.open(f"{ctx.out_dir}/{RESULT_FILE}", "wb") as fh:
            pq.write_table(pa.Table.from_pylist(results, schema=RESULT_SCHEMA), fh)
        choices = [{"candidates": list(image), "url": url} for image, url in chosen.items() if url != image[0]]
        with fs.open(f"{ctx.out_dir}/{CHOICE_FILE}", "wb") as fh:
            pq.write_table(pa.Table.from_pylist(choices, schema=CHOICE_SCHEMA), fh)
        return dict(counts)

    def _get(self, ctx: ReduceContext, urls: list[str], captures: dict[str, tuple[str, int]], store_root: str,
             counts: Counter[str]) -> None:
        """Get ``urls`` into the store: partitions by host, run in parallel."""
        p = self.params
        parts: dict[int, list[str]] = defaultdict(list)
        for url in urls:
            parts[partition_of(url, p.partitions)].append(url)
        jobs = [
            PartitionJob(partition=k, store_root=store_root, urls=us,
                         captures={u: captures[u] for u in us if u in captures},
                         fetch_http="http" in p.sources, fetch=p.fetch, decode=p.decode,
                         shard_max_images=p.shard_max_images)
            for k, us in sorted(parts.items())
        ]
        log.info("images: %d URLs to get in %d partitions (%d captured)",
                 len(urls), len(jobs), sum(u in captures for u in urls))
        for job_counts in ctx.map(run_partition, jobs):  # threads locally, Ray tasks on Ray
            counts.update(job_counts)

    def setup(self, ctx: TaskContext) -> None:
        path = f"{ctx.reduce_dir(self.label)}/{RESULT_FILE}"
        self._results: dict[str, dict[str, Any]] = {}
        self._chosen: dict[Image, str] = {}
        self._store_root = self.image_store(ctx.run.root)
        if ctx.run.fs.exists(path):
            with ctx.run.fs.open(path, "rb") as fh:
                self._results = {r["url"]: r for r in pq.read_table(fh).to_pylist()}
        path = f"{ctx.reduce_dir(self.label)}/{CHOICE_FILE}"
        if ctx.run.fs.exists(path):
            with ctx.run.fs.open(path, "rb") as fh:
                self._chosen = {tuple(r["candidates"]): r["url"] for r in pq.read_table(fh).to_pylist()}

    def looks_at(self, doc: Document, index: int, node: Node) -> bool:
        return isinstance(node, ImageNode)

    def judge_node(self, doc: Document, index: int, node: Node) -> str | None:
        assert isinstance(node, ImageNode)
        self._use_rendition(node)
        row = self._results.get(node.url) or {"status": "missing"}
        self._annotate(node, row)
        if row["status"] == "ok":
            self.counts["images_kept"] += 1
            return None
        if self.params.keep_failed:  # kept in place, counted as its status all the same
            self.counts[counters.removed_images(row["status"])] += 1
            return None
        return str(row["status"])

    def counts_as_image(self, node: ImageNode) -> bool:
        return node.extra.get("status") == "ok"

    def _use_rendition(self, node: ImageNode) -> None:
        """Point the node at the rendition the reduce chose; ``extra["rendition"]`` says which one."""
        urls = candidate_urls(node)
        if len(urls) == 1:
            return
        node.url = self._chosen.get(urls, urls[0])
        rank = urls.index(node.url)
        node.extra["rendition"] = {"rank": rank, **{k: v for k, v in node.extra[RENDITIONS][rank].items() if k != "url"}}

    def _annotate(self, node: ImageNode, row: dict[str, Any]) -> None:
        node.extra.update(status=row["status"], img_url_sha=url_key(node.url))
        if row.get("detail"):
            node.extra["error"] = row["detail"]
        if row.get("sha256") is None:
            return
        node.width, node.height, node.format = row["width"], row["height"], row["format"]
        node.sha256, node.phash, node.dhash = row["sha256"], row["phash"], row["dhash"]
        node.extra.update(
            bytes=row["bytes"], source=row["source"], n_frames=row["n_frames"], url_doc_count=row["url_doc_count"],
            store={"root": self._store_root, "shard": row["shard"], "member": row["member"]},
            p_hash_dup_count=row["p_hash_dup_count"], d_hash_dup_count=row["d_hash_dup_count"],
        )
