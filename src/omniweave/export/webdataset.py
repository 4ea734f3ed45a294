"""``webdataset`` export: tar shards, one interleaved sample per document.

A sample is ``<id>.json`` (the document's row in :data:`omniweave.layout.SCHEMA`, plus
``image_files``: per position the sample extension holding the image's bytes, e.g. ``"002.jpg"``,
or None) and one member ``<id>.<position>.<ext>`` per image whose bytes the image store holds.
Images without stored bytes keep their URL in the JSON. ``Document.from_row`` reads the JSON back.
"""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterable
from typing import IO

from omniweave.document import Document, ImageNode
from omniweave.export.images import ImageStore, image_extension
from omniweave.export.source import ExportResult
from omniweave.io.output import filesystem


class TarShards:
    """``shard-NNNNN.tar`` files of at most ``max_samples`` samples or about ``max_bytes`` bytes."""

    def __init__(self, dest: str, max_samples: int, max_bytes: int) -> None:
        self.fs, self.path = filesystem(dest)
        self.fs.makedirs(self.path, exist_ok=True)
        for stale in self.fs.glob(f"{self.path}/shard-*.tar"):
            self.fs.rm(stale)
        self.max_samples, self.max_bytes = max_samples, max_bytes
        self.files: list[str] = []
        self._fh: IO[bytes] | None = None
        self._tar: tarfile.TarFile | None = None
        self._tmp = ""
        self._samples = self._bytes = 0

    def add(self, members: list[tuple[str, bytes]]) -> None:
        if self._tar is None:
            self._tmp = f"{self.path}/.tmp-{uuid.uuid4().hex[:12]}.tar"
            self._fh = self.fs.open(self._tmp, "wb")
            self._tar = tarfile.open(fileobj=self._fh, mode="w", format=tarfile.USTAR_FORMAT)  # noqa: SIM115 (closed in close())
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            self._tar.addfile(info, io.BytesIO(data))
            self._bytes += len(data)
        self._samples += 1
        if self._samples >= self.max_samples or self._bytes >= self.max_bytes:
            self.close()

    def close(self) -> None:
        if self._tar is None or self._fh is None:
            return
        self._tar.close()
        self._fh.close()
        final = f"{self.path}/shard-{len(self.files):05d}.tar"
        self.fs.mv(self._tmp, final)
        self.files.append(final)
        self._fh = self._tar = None
        self._samples = self._bytes = 0


def sample_members(doc: Document, store: ImageStore, result: ExportResult) -> list[tuple[str, bytes]]:
    """The tar members of one document's sample (JSON first)."""
    row = doc.to_row()
    files: list[str | None] = []
    images: list[tuple[str, bytes]] = []
    for position, node in enumerate(doc.nodes):
        if not isinstance(node, ImageNode):
            files.append(None)
            continue
        data = store.get(node)
        result.counts["images"] += 1
        if data is None:
            result.counts["images_without_bytes"] += 1
            files.append(None)
            continue
        ext = f"{position:03d}.{image_extension(node)}"
        files.append(ext)
        images.append((f"{doc.id}.{ext}", data))
    row["image_files"] = files
    payload = json.dumps(row, ensure_ascii=False, default=str).encode("utf-8")
    return [(f"{doc.id}.json", payload), *images]


def export_webdataset(docs: Iterable[Document], dest: str, result: ExportResult, *, store: ImageStore,
                      max_samples: int = 1000, max_bytes: int = 1_000_000_000) -> None:
    shards = TarShards(dest, max_samples, max_bytes)
    for doc in docs:
        if "." in doc.id or "/" in doc.id:
            result.skipped["bad_id"] += 1
            continue
        shards.add(sample_members(doc, store, result))
        result.counts["texts"] += len(doc.texts)
    shards.close()
    result.files = shards.files
