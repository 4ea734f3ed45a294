"""What the bytes are: sniffed type, full decode under a pixel limit, EXIF orientation, hashes.

The type is decided by the bytes (magic numbers), never by the Content-Type header. Dimensions
are checked against ``max_pixels`` from the header alone, before any pixel is allocated, so a
decompression bomb is rejected cheaply. Then the first frame is fully decoded (a truncated or
corrupt file fails here), EXIF orientation is applied, and sha256 / pHash / dHash are computed.

Decodes running at once in a process share one :class:`PixelBudget`: a decode waits until its
pixels fit, so many large images arriving together cannot take memory without bound.
"""

from __future__ import annotations

import ctypes
import hashlib
import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
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


EXIF_ORIENTATION = 0x0112
M_MMAP_THRESHOLD = -3  # glibc mallopt parameter
MAPPED_ALLOCATION = 8 << 20  # bytes: Pillow allocates pixels in blocks of up to 16 MB


class PixelBudget:
    """Pixels decoded at once, shared by the threads of a process: :meth:`hold` waits until the
    pixels fit (an image larger than the whole budget waits to decode alone)."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used, self.peak = limit, 0, 0
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        n = min(pixels, self.limit)
        with self._cond:
            self._cond.wait_for(lambda: self.used + n <= self.limit)
            self.used += n
            self.peak = max(self.peak, self.used)
        try:
            yield
        finally:
            with self._cond:
                self.used -= n
                self._cond.notify_all()


_BUDGETS: dict[int, PixelBudget] = {}
_BUDGETS_LOCK = threading.Lock()


def pixel_budget(limit: int) -> PixelBudget:
    """The budget of this process for ``limit`` pixels (one per limit, shared by every caller)."""
    with _BUDGETS_LOCK:
        if not _BUDGETS:
            _map_large_allocations()
        return _BUDGETS.setdefault(limit, PixelBudget(limit))


def _map_large_allocations() -> None:
    """Have glibc serve large allocations by ``mmap``, so freed pixels go back to the system. By
    default glibc raises this threshold after the first large free and keeps such blocks in
    per-thread heaps: 16 threads decoding 49 MP PNGs in turn under a 100 MP budget still held
    1.5 GB; with it, 0.36 GB. A no-op where the C library has no ``mallopt``."""
    try:
        ctypes.CDLL(None).mallopt(M_MMAP_THRESHOLD, MAPPED_ALLOCATION)
    except (OSError, AttributeError):
        pass


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
                 reencode_format: str | None = None, reencode_quality: int = 90,
                 budget: PixelBudget | None = None) -> DecodedImage:
    """Inspect ``data`` fully; raises :class:`ImageRejected` (not_image, too_many_pixels, undecodable).
    With a ``budget``, the full decode waits until the image's pixels fit in it."""
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
            with budget.hold(w * h) if budget is not None else _no_budget():
                return _inspect(im, data, sniffed, resize_max_side, reencode_format, reencode_quality)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("too_many_pixels", str(exc)) from None
    except Exception as exc:  # Pillow raises many types for bad data (OSError, SyntaxError, ValueError, ...)
        raise ImageRejected("undecodable", f"{type(exc).__name__}: {exc}") from None


@contextmanager
def _no_budget() -> Iterator[None]:
    yield


def _inspect(im: Image.Image, data: bytes, sniffed: str, resize_max_side: int | None, reencode_format: str | None,
             reencode_quality: int) -> DecodedImage:
    """Decode ``im`` fully, upright it, hash it (one grey copy for both hashes, as imagehash makes them)."""
    im.load()
    n_frames = getattr(im, "n_frames", 1)
    im.seek(0)
    orientation = im.getexif().get(EXIF_ORIENTATION, 1)
    oriented = ImageOps.exif_transpose(im) if orientation in range(2, 9) else im  # no copy when upright
    grey = oriented.convert("L")
    lanczos = Image.Resampling.LANCZOS
    phash = str(imagehash.phash(grey.resize((32, 32), lanczos)))
    dhash = str(imagehash.dhash(grey.resize((9, 8), lanczos)))
    del grey
    out = DecodedImage(
        format=im.format or sniffed, width=oriented.width, height=oriented.height, mode=im.mode,
        n_frames=n_frames, bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), phash=phash, dhash=dhash,
    )
    if resize_max_side or reencode_format:
        out.reencoded = _reencode(oriented, resize_max_side, reencode_format or out.format, reencode_quality)
    return out


def _reencode(im: Image.Image, max_side: int | None, fmt: str, quality: int) -> bytes:
    if max_side and max(im.size) > max_side:
        im = im.copy()
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if fmt.upper() == "JPEG" and im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    buf = io.BytesIO()
    im.save(buf, format=fmt, quality=quality)
    return buf.getvalue()
