"""What the bytes are: sniffed type, full decode under a pixel limit, EXIF orientation, hashes.

The type is decided by the bytes (magic numbers), never by the Content-Type header. Dimensions
are checked against ``max_pixels`` from the header alone, before any pixel is allocated, so a
decompression bomb is rejected cheaply. Then the first frame is fully decoded (a truncated or
corrupt file fails here), EXIF orientation is applied, and sha256 / pHash / dHash are computed.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import imagehash
from PIL import Image, ImageOps

_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "JPEG"),
    (b"\x89PNG\r\n\x1a\n", 0, "PNG"),
    (b"GIF87a", 0, "GIF"),
    (b"GIF89a", 0, "GIF"),
    (b"WEBP", 8, "WEBP"),
    (b"BM", 0, "BMP"),
    (b"II*\x00", 0, "TIFF"),
    (b"MM\x00*", 0, "TIFF"),
    (b"\x00\x00\x01\x00", 0, "ICO"),
    (b"ftypavif", 4, "AVIF"),
    (b"ftypavis", 4, "AVIF"),
    (b"ftypheic", 4, "HEIF"),
    (b"ftypmif1", 4, "HEIF"),
)


def sniff_format(data: bytes) -> str | None:
    """Image format from the leading bytes; None when they are not a known image type."""
    for magic, offset, name in _MAGIC:
        if data[offset : offset + len(magic)] == magic and (name != "WEBP" or data[:4] == b"RIFF"):
            return name
    return None


class ImageRejected(Exception):
    """Bytes that are not a usable image; ``code`` is the status recorded for the URL."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail = code, detail


@dataclass
class DecodedImage:
    format: str
    width: int  # after EXIF orientation
    height: int
    mode: str
    n_frames: int
    bytes: int
    sha256: str
    phash: str
    dhash: str
    reencoded: bytes | None = None  # set when a resize/re-encode was asked for


def decode_image(data: bytes, *, max_pixels: int, resize_max_side: int | None = None,
                 reencode_format: str | None = None, reencode_quality: int = 90) -> DecodedImage:
    """Inspect ``data`` fully; raises :class:`ImageRejected` (not_image, too_many_pixels, undecodable)."""
    sniffed = sniff_format(data)
    if sniffed is None:
        head = data[:1024].lstrip().lower()
        raise ImageRejected("svg" if head.startswith((b"<?xml", b"<svg")) and b"<svg" in head else "not_image",
                            repr(data[:16]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # palette/transparency notes and the like
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            w, h = im.size
            if w * h > max_pixels:
                raise ImageRejected("too_many_pixels", f"{w}x{h}")
            im.load()
            n_frames = getattr(im, "n_frames", 1)
            im.seek(0)
            oriented = ImageOps.exif_transpose(im)
            phash, dhash = str(imagehash.phash(oriented)), str(imagehash.dhash(oriented))
            out = DecodedImage(
                format=im.format or sniffed, width=oriented.width, height=oriented.height, mode=im.mode,
                n_frames=n_frames, bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), phash=phash, dhash=dhash,
            )
            if resize_max_side or reencode_format:
                out.reencoded = _reencode(oriented, resize_max_side, reencode_format or out.format, reencode_quality)
            return out
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from None
    except Exception as exc:  # Pillow raises many types for bad data (OSError, SyntaxError, ValueError, ...)
        raise ImageRejected("undecodable", f"{type(exc).__name__}: {exc}") from None


def _reencode(im: Image.Image, max_side: int | None, fmt: str, quality: int) -> bytes:
    if max_side and max(im.size) > max_side:
        im = im.copy()
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if fmt.upper() == "JPEG" and im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    buf = io.BytesIO()
    im.save(buf, format=fmt, quality=quality)
    return buf.getvalue()
