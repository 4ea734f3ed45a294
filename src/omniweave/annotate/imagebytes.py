"""Where the ``images`` step stored an image (with its store root), and stored bytes decoded for a model."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from omniweave.document import ImageNode
from omniweave.images.store import store_location as recorded_location


def store_location(node: ImageNode) -> tuple[str, str, str] | None:
    """(store root, shard, member) of an image the ``images`` step stored, else None."""
    where = recorded_location(node.extra)
    return None if where is None or where[0] is None else (where[0], where[1], where[2])


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
