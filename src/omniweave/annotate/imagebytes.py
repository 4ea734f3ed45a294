"""Image bytes from the image store (``extra["store"]`` written by the ``images`` step), decoded for a model."""

from __future__ import annotations

import io
import logging
import tarfile
from typing import Any

from PIL import Image, ImageOps

from omniweave.document import ImageNode
from omniweave.io.output import filesystem

log = logging.getLogger(__name__)


def store_location(node: ImageNode) -> tuple[str, str, str] | None:
    """(store root, shard, member) of an image the ``images`` step stored, else None."""
    store = node.extra.get("store")
    if not isinstance(store, dict) or not all(store.get(k) for k in ("root", "shard", "member")):
        return None
    return store["root"], store["shard"], store["member"]


class StoreReader:
    """Reads members of store shards, keeping each shard's tar open until :meth:`close`."""

    def __init__(self) -> None:
        self._tars: dict[tuple[str, str], tuple[Any, tarfile.TarFile]] = {}

    def read(self, root: str, shard: str, member: str) -> bytes:
        key = (root, shard)
        if key not in self._tars:
            fs, path = filesystem(root)
            fh = fs.open(f"{path}/{shard}", "rb")
            self._tars[key] = (fh, tarfile.open(fileobj=fh, mode="r:"))  # noqa: SIM115 (open until close())
        extracted = self._tars[key][1].extractfile(member)
        if extracted is None:
            raise FileNotFoundError(f"{shard}: no member {member}")
        return extracted.read()

    def close(self) -> None:
        for fh, tar in self._tars.values():
            tar.close()
            fh.close()
        self._tars.clear()


def decode_rgb(data: bytes, side: int) -> Image.Image:
    """First frame, EXIF-upright, RGB (alpha over white); JPEGs decoded at a reduced scale near ``side``."""
    im = Image.open(io.BytesIO(data))
    if im.format == "JPEG":
        im.draft("RGB", (side, side))
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        background = Image.new("RGBA", im.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, im).convert("RGB")
    return im.convert("RGB")
