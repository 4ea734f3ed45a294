"""Image bytes of a run's documents, read from the image store (``omniweave.images.store``).

An image annotated by the ``images`` step carries ``extra["store"] = {root, shard, member}``.
When that root is gone (the run folder was moved), ``<run>/images/store`` is tried, and an image
without a store location is looked up by URL in the store index. No bytes: ``None``.
"""

from __future__ import annotations

import logging
import tarfile
from typing import Any, Self

from omniweave.document import ImageNode
from omniweave.images.store import StoreReader, load_index, store_location
from omniweave.io.output import filesystem
from omniweave.pipeline.rundir import RunDir

log = logging.getLogger(__name__)

MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp", "BMP": "image/bmp",
        "TIFF": "image/tiff", "ICO": "image/x-icon", "AVIF": "image/avif", "HEIF": "image/heif", "MPO": "image/jpeg"}


def image_mime(image: ImageNode) -> str:
    return MIME.get((image.format or "").upper(), "application/octet-stream")


class ImageStore:
    """Reads stored image bytes; keeps a few tar shards open (use as a context manager)."""

    def __init__(self, run_root: str | None, max_open: int = 8) -> None:
        self.default_root = RunDir(run_root).image_store if run_root else None
        self.reader = StoreReader(max_open)
        self._roots: dict[str, bool] = {}
        self._index: dict[str, dict[str, Any]] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.reader.close()

    def _root(self, root: str | None) -> str | None:
        """A store root that exists: ``root`` if it does, else the run's default store."""
        for candidate in (root, self.default_root):
            if not candidate:
                continue
            if candidate not in self._roots:
                fs, path = filesystem(candidate)
                self._roots[candidate] = fs.isdir(f"{path}/shards")
            if self._roots[candidate]:
                return candidate
        return None

    def _location(self, image: ImageNode) -> tuple[str | None, str, str] | None:
        recorded = store_location(image.extra)
        if recorded is not None:
            return recorded
        if self.default_root is None:
            return None
        if self._index is None:
            located = self._root(None)
            self._index = load_index(*filesystem(located)) if located else {}
        row = self._index.get(image.url)
        if row and row.get("status") == "ok" and row.get("shard"):
            return None, row["shard"], row["member"]
        return None

    def get(self, image: ImageNode) -> bytes | None:
        """The stored bytes of ``image``, or None when the store does not have them."""
        where = self._location(image)
        if where is None:
            return None
        root, shard, member = where
        located = self._root(root)
        if located is None:
            return None
        try:
            return self.reader.read(located, shard, member)
        except (OSError, tarfile.TarError) as exc:
            log.warning("image %s: cannot read %s from %s/%s: %s", image.url, member, located, shard, exc)
            return None
