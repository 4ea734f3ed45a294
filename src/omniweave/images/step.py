"""The ``images`` step: get every image of the corpus once, filter and hash it, annotate documents.

- collect (map): each task writes (document id, image) pairs, an image being its URL and its
  alternate renditions, partitioned by host, in chunks (:func:`~omniweave.images.reduce.write_pairs`).
- reduce (:mod:`omniweave.images.reduce`: rounds of executor pieces over partitioned files): each
  image gets one of its renditions (:mod:`.renditions`: stored or captured ones first, then the
  preferred URL, the next on a permanent failure); URLs missing from the image store (or only
  failed retryably) are fetched per partition of hosts (WARC captures of the run first, then
  HTTP); then every URL used gets its final status (fetch/decode error or filter reason), the
  number of documents holding it and the number sharing its pHash / dHash. Written: the image
  table ``images/p-NNNNN.parquet`` and, per task, ``tasks/<task>.parquet`` (its images' rows).
- apply: point each image node at the URL used (``extra["rendition"]`` says which), fill it (size,
  format, hashes, store location, counts) and remove the images that did not make it
  (``removed_images:<reason>``); a document left without an image is dropped
  (``dropped:no_image``) unless ``imageless: keep``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Literal

from pydantic import Field

from omniweave import counters
from omniweave.document import Document, ImageNode, Node
from omniweave.extract.images import RENDITIONS
from omniweave.images.fetch import FetchParams
from omniweave.images.partition import DecodeParams, PartitionJob
from omniweave.images.reduce import PAIR_CHUNK, ImagePieces, load_task_results, reduce_images, write_pairs
from omniweave.images.renditions import Image
from omniweave.images.store import url_key
from omniweave.pipeline.context import ReduceContext, TaskContext
from omniweave.pipeline.node_removal import NodeRemovalStep
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.step import GlobalStep, StepParams

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
    partitions: int = Field(16, gt=0, description="partitions of URLs by host: the reduce's pieces, fetched in "
                            "parallel")
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


class ImageStep(NodeRemovalStep, GlobalStep):
    name = "images"
    Params = ImagesParams
    params: ImagesParams
    requires_images = True

    def collect(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        rows: list[tuple[str, Image]] = []
        chunk = 0
        for doc in docs:
            rows.extend((doc.id, candidate_urls(im)) for im in doc.images)
            yield doc
            if len(rows) >= PAIR_CHUNK:  # written in chunks: a task holds a bounded buffer
                write_pairs(ctx.run.fs, ctx.map_dir(self.label), ctx.task_id, chunk, rows, self.params.partitions)
                rows, chunk = [], chunk + 1
        write_pairs(ctx.run.fs, ctx.map_dir(self.label), ctx.task_id, chunk, rows, self.params.partitions)

    def image_store(self, run_root: str) -> str:
        return self.params.store_dir or RunDir(run_root).image_store

    def reduce(self, ctx: ReduceContext) -> dict[str, int]:
        p = self.params
        store_root = self.image_store(ctx.run.root)

        def job(k: int, urls: list[str], captures: dict[str, tuple[str, int]]) -> PartitionJob:
            return PartitionJob(partition=k, store_root=store_root, urls=urls, captures=captures,
                                fetch_http="http" in p.sources, fetch=p.fetch, decode=p.decode,
                                shard_max_images=p.shard_max_images)

        fp = p.filter
        pieces = ImagePieces(ctx, partitions=p.partitions, store_root=store_root, warc="warc" in p.sources,
                             fetch_http="http" in p.sources, distance=p.dup_distance, job=job,
                             status_of=lambda row: filter_reason(row, fp))
        return reduce_images(ctx, pieces)

    def setup(self, ctx: TaskContext) -> None:
        self._store_root = self.image_store(ctx.run.root)
        self._chosen: dict[Image, str] = {}
        self._results: dict[str, dict[str, Any]] = {}
        for row in load_task_results(ctx.run.fs, ctx.reduce_dir(self.label), ctx.task_id):
            self._chosen[tuple(row.pop("candidates"))] = row["url"]
            self._results[row["url"]] = row

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
