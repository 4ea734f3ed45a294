"""Images stored once: WebDataset-compatible tar shards keyed by sha256(url), plus a Parquet index.

Layout (``store_dir``, by default ``<run>/images/store``)::

    shards/p00003-<id>.tar     members <key>.<ext> (the bytes) and <key>.json (url, size, hashes)
    index/p00003-<id>.parquet  one row per URL attempted: status, error, shard, member, metadata

A chunk's tar is published before its index (each written to a temporary name, then renamed),
so every index row points at bytes that exist. Failures are indexed too. The latest row of a
URL wins; a URL whose latest row is ``ok`` or a permanent error is never fetched again.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import IO, Any, Self

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from omniweave.io.output import filesystem

STORE_SCHEMA = pa.schema(
    [
        ("url", pa.string()),
        ("key", pa.string()),  # sha256 of the URL: the WebDataset sample key
        ("status", pa.string()),  # ok | error
        ("error", pa.string()),  # short code (http_404, timeout, undecodable, ...)
        ("detail", pa.string()),
        ("retryable", pa.bool_()),
        ("source", pa.string()),  # warc | http
        ("shard", pa.string()),  # relative to the store root
        ("member", pa.string()),
        ("bytes", pa.int64()),  # original body size
        ("stored_bytes", pa.int64()),  # differs when re-encoded
        ("sha256", pa.string()),  # of the original body
        ("format", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("mode", pa.string()),
        ("n_frames", pa.int32()),
        ("phash", pa.string()),
        ("dhash", pa.string()),
        ("http_status", pa.int32()),
        ("content_type", pa.string()),
        ("final_url", pa.string()),
        ("attempts", pa.int32()),
        ("time", pa.float64()),  # when the row was written (seconds since the epoch)
    ]
)

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp", "TIFF": "tiff",
              "ICO": "ico", "AVIF": "avif", "HEIF": "heif", "MPO": "jpg"}


def store_location(extra: dict[str, Any]) -> tuple[str | None, str, str] | None:
    """(store root, shard, member) that the ``images`` step recorded in a node's ``extra["store"]``
    (root None when it was not recorded), else None."""
    store = extra.get("store")
    if not isinstance(store, dict) or not (store.get("shard") and store.get("member")):
        return None
    return store.get("root") or None, store["shard"], store["member"]


def url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def load_index(fs: fsspec.AbstractFileSystem, root: str, urls: set[str] | None = None,
               columns: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Latest index row of each URL in the store (only ``urls`` when given; only ``columns``, with
    ``url``, when given)."""
    # not the temporary files of chunks being published (fetch pieces of other partitions run meanwhile)
    files = [f for f in fs.glob(f"{root}/index/*.parquet") if not f.rsplit("/", 1)[-1].startswith(".")]
    if not files:
        return {}
    import pyarrow.compute as pc  # only where a store has an index (a text-only run never loads it)
    import pyarrow.dataset as ds  # imports pandas: only where a store has an index

    dataset = ds.dataset(files, schema=STORE_SCHEMA, filesystem=fs, format="parquet")
    # filtered while scanning: memory follows the URLs asked for, not the size of the store
    table = dataset.to_table(filter=None if urls is None else pc.field("url").isin(pa.array(sorted(urls), pa.string())))
    table = table.sort_by([("time", "ascending")])
    if columns is not None:
        table = table.select(list(dict.fromkeys(["url", *columns])))
    latest: dict[str, dict[str, Any]] = {}
    for row in table.to_pylist():
        latest[row["url"]] = row
    return latest


def needs_fetch(row: dict[str, Any] | None) -> bool:
    """True when a URL has no row, or only a retryable failure."""
    return row is None or (row["status"] != "ok" and bool(row["retryable"]))


class StoreReader:
    """Reads stored bytes, keeping up to ``max_open`` shard tars open (least recently used closed first).

    Safe to share between threads. Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, max_open: int = 32) -> None:
        if max_open < 1:
            raise ValueError(f"max_open must be at least 1, got {max_open}")
        self.max_open = max_open
        self._open: OrderedDict[tuple[str, str], tuple[IO[bytes], tarfile.TarFile]] = OrderedDict()
        self._lock = threading.Lock()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, root: str, shard: str, member: str) -> bytes:
        """The bytes of ``member`` in ``<root>/<shard>`` (``root``: local path or fsspec URL)."""
        with self._lock:
            tar = self._tar(root, shard)
            try:
                extracted = tar.extractfile(member)
            except KeyError:
                extracted = None
            if extracted is None:
                raise FileNotFoundError(f"{shard}: no member {member}")
            return extracted.read()

    def close(self) -> None:
        with self._lock:
            while self._open:
                _close(*self._open.popitem()[1])

    def _tar(self, root: str, shard: str) -> tarfile.TarFile:
        key = (root, shard)
        if key in self._open:
            self._open.move_to_end(key)
            return self._open[key][1]
        fs, path = filesystem(root)
        fh = fs.open(f"{path}/{shard}", "rb")
        try:
            tar = tarfile.open(fileobj=fh, mode="r:")  # noqa: SIM115 (kept open; closed in close())
        except BaseException:
            fh.close()
            raise
        self._open[key] = (fh, tar)
        if len(self._open) > self.max_open:
            _close(*self._open.popitem(last=False)[1])
        return tar


def _close(fh: IO[bytes], tar: tarfile.TarFile) -> None:
    tar.close()
    fh.close()


class ShardSink:
    """Collects results of one partition and publishes them in chunks (tar, then index)."""

    def __init__(self, fs: fsspec.AbstractFileSystem, root: str, partition: int, *,
                 max_images: int = 1000, max_bytes: int = 512_000_000) -> None:
        self.fs, self.root, self.partition = fs, root, partition
        self.max_images, self.max_bytes = max_images, max_bytes
        for sub in ("shards", "index"):
            fs.makedirs(f"{root}/{sub}", exist_ok=True)
        self._rows: list[dict[str, Any]] = []
        self._members: list[tuple[str, bytes]] = []
        self._size = 0
        self._name = ""

    def add(self, row: dict[str, Any], data: bytes | None = None) -> None:
        """Index ``row``; with ``data``, also store the bytes as ``<key>.<ext>`` (+ ``<key>.json``)."""
        row = {**row, "key": url_key(row["url"]), "time": time.time()}
        if data is not None:
            if not self._name:
                self._name = f"p{self.partition:05d}-{uuid.uuid4().hex[:12]}"
            ext = EXTENSIONS.get(row.get("format") or "", "bin")
            row.update(shard=f"shards/{self._name}.tar", member=f"{row['key']}.{ext}", stored_bytes=len(data))
            meta = {k: row.get(k) for k in ("url", "sha256", "format", "width", "height", "bytes", "source")}
            self._members += [(row["member"], data), (f"{row['key']}.json", json.dumps(meta).encode())]
            self._size += len(data)
        self._rows.append(row)
        if len(self._rows) >= self.max_images or self._size >= self.max_bytes:
            self.flush()

    def flush(self) -> None:
        if not self._rows:
            return
        name = self._name or f"p{self.partition:05d}-{uuid.uuid4().hex[:12]}"
        if self._members:
            self._publish(f"shards/{name}.tar", self._write_tar)
        table = pa.Table.from_pylist(self._rows, schema=STORE_SCHEMA)
        self._publish(f"index/{name}.parquet", lambda fh: pq.write_table(table, fh))
        self._rows, self._members, self._size, self._name = [], [], 0, ""

    def _write_tar(self, fh: IO[bytes]) -> None:
        """The members, straight into the file (no copy of the shard in memory)."""
        with tarfile.open(fileobj=fh, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for member, data in self._members:
                info = tarfile.TarInfo(member)
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                tar.addfile(info, io.BytesIO(data))

    def _publish(self, rel: str, write: Callable[[IO[bytes]], None]) -> None:
        final = f"{self.root}/{rel}"
        tmp = final.rpartition("/")[0] + "/.tmp-" + final.rpartition("/")[2]
        with self.fs.open(tmp, "wb") as fh:
            write(fh)
        self.fs.mv(tmp, final)
