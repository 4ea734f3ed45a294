"""The fetch work of one partition of URLs: captures first, then HTTP; decode; store.

A partition holds every URL of some hosts (partitions are cut by a hash of the host), so the
per-host limits of one partition are the host's limits. :func:`run_partition` takes and returns
plain picklable values, so partitions run in a process pool or as Ray tasks alike.
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections import Counter
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from omniweave.images.decode import ImageRejected, decode_image, pixel_budget
from omniweave.images.fetch import FetchParams, FetchResult, fetch_all
from omniweave.images.store import ShardSink
from omniweave.images.warc_source import Capture, CaptureError, read_captures
from omniweave.io.output import filesystem
from omniweave.pipeline.step import StepParams

log = logging.getLogger(__name__)


class DecodeParams(StepParams):
    """Recipe keys of ``images.decode``."""

    max_pixels: int = Field(50_000_000, gt=0, description="larger images are rejected before decoding")
    pixel_budget: int = Field(100_000_000, gt=0, description="pixels decoded at once in one process, all partitions "
                              "together (a larger image decodes alone)")
    resize_max_side: int | None = Field(None, gt=0, description="store a downscaled re-encode instead")
    reencode_format: str | None = Field(None, description="JPEG, PNG or WEBP: store re-encoded bytes")
    reencode_quality: int = Field(90, ge=1, le=100)


def partition_of(url: str, partitions: int) -> int:
    """Stable partition of a URL: by its host, so a host lives in one partition."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        host = ""
    return zlib.crc32(host.encode("utf-8", "surrogatepass")) % partitions


@dataclass
class PartitionJob:
    partition: int
    store_root: str  # local path or fsspec URL
    urls: list[str]
    captures: dict[str, tuple[str, int]] = field(default_factory=dict)  # url -> (warc file, offset)
    fetch_http: bool = True
    fetch: FetchParams = field(default_factory=FetchParams)
    decode: DecodeParams = field(default_factory=DecodeParams)
    shard_max_images: int = 1000


def _decoded_row(url: str, source: str, data: bytes, dp: DecodeParams) -> tuple[dict[str, Any], bytes | None]:
    """(index row, bytes to store) for a body; decode failures become error rows."""
    try:
        im = decode_image(data, max_pixels=dp.max_pixels, resize_max_side=dp.resize_max_side,
                          reencode_format=dp.reencode_format, reencode_quality=dp.reencode_quality,
                          budget=pixel_budget(dp.pixel_budget))
    except ImageRejected as exc:
        return {"url": url, "source": source, "status": "error", "error": exc.code, "detail": exc.detail[:300],
                "retryable": False, "bytes": len(data)}, None
    row = {"url": url, "source": source, "status": "ok", "retryable": False, "bytes": im.bytes, "sha256": im.sha256,
           "format": im.format, "width": im.width, "height": im.height, "mode": im.mode, "n_frames": im.n_frames,
           "phash": im.phash, "dhash": im.dhash}
    return row, im.reencoded if im.reencoded is not None else data


def run_partition(job: PartitionJob) -> dict[str, int]:
    """Fetch, decode and store every URL of the job; returns counts."""
    return asyncio.run(_run(job))


async def _run(job: PartitionJob) -> dict[str, int]:
    fs, root = filesystem(job.store_root)
    sink = ShardSink(fs, root, job.partition, max_images=job.shard_max_images)
    counts: Counter[str] = Counter()
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(1, thread_name_prefix="image-sink") as writer:  # shard writes off the event loop, in order
        async def store(row: dict[str, Any], data: bytes | None) -> None:
            counts[f"{row['source']}:{row['status'] if row['status'] == 'ok' else row['error']}"] += 1
            await loop.run_in_executor(writer, sink.add, row, data)

        await _get_all(job, store, counts)
        await loop.run_in_executor(writer, sink.flush)
    return dict(counts)


async def _get_all(job: PartitionJob, store: Callable[[dict[str, Any], bytes | None], Awaitable[None]],
                   counts: Counter[str]) -> None:
    """Captures, then HTTP (or ``not_captured``): each URL's row and bytes go to ``store``."""
    loop = asyncio.get_running_loop()
    to_fetch = [u for u in job.urls if u not in job.captures]
    captures = [Capture(u, *job.captures[u]) for u in job.urls if u in job.captures]
    bodies = await loop.run_in_executor(None, read_captures, captures, job.fetch.max_bytes)
    for cap, body in bodies.items():
        if isinstance(body, CaptureError):
            log.warning("capture unreadable: %s", body)
            counts["warc:unreadable"] += 1
            if job.fetch_http:
                to_fetch.append(cap.url)
            else:
                await store({"url": cap.url, "source": "warc", "status": "error", "error": "capture_unreadable",
                             "detail": str(body)[:300], "retryable": False}, None)
            continue
        await store(*await loop.run_in_executor(None, _decoded_row, cap.url, "warc", body, job.decode))

    if not job.fetch_http:
        for url in to_fetch:  # a later run with http among the sources fetches these
            await store({"url": url, "source": "http", "status": "error", "error": "not_captured", "retryable": True},
                        None)
    else:
        async def on_result(res: FetchResult) -> None:
            http = {"http_status": res.http_status, "content_type": res.content_type, "final_url": res.final_url,
                    "attempts": res.attempts}
            if res.data is None:
                await store({"url": res.url, "source": "http", "status": "error", "error": res.error,
                             "detail": res.detail, "retryable": res.retryable, **http}, None)
                return
            row, data = await loop.run_in_executor(None, _decoded_row, res.url, "http", res.data, job.decode)
            await store({**row, **http}, data)

        await fetch_all(to_fetch, job.fetch, on_result)
