"""Image bytes straight from the input WARCs, by record offset (no network).

Each gzip member of a WARC starts at a record boundary, so a stream seeked to the offset of an
indexed record reads that record alone. Chunked or content-encoded bodies are decoded within
the size limit.
"""

from __future__ import annotations

from dataclasses import dataclass

import fsspec
from fastwarc.warc import ArchiveIterator, WarcRecordType

from omniweave.io.http_body import decode_body


@dataclass(frozen=True)
class Capture:
    """Where an image response record lies (a row of the run's WARC image index)."""

    url: str
    warc_file: str
    offset: int


class CaptureError(Exception):
    """The record could not be read back; the message says why."""


def read_captures(captures: list[Capture], max_bytes: int) -> dict[Capture, bytes | CaptureError]:
    """Bodies of the given records, opening each WARC once."""
    out: dict[Capture, bytes | CaptureError] = {}
    by_file: dict[str, list[Capture]] = {}
    for cap in captures:
        by_file.setdefault(cap.warc_file, []).append(cap)
    for path, caps in by_file.items():
        try:
            with fsspec.open(path, "rb") as stream:
                for cap in sorted(caps, key=lambda c: c.offset):
                    try:
                        out[cap] = _read_one(stream, cap, max_bytes)
                    except CaptureError as exc:
                        out[cap] = exc
        except OSError as exc:
            for cap in caps:
                out.setdefault(cap, CaptureError(f"{path}: {exc}"))
    return out


def _read_one(stream: fsspec.core.OpenFile, cap: Capture, max_bytes: int) -> bytes:
    try:
        stream.seek(cap.offset)
        record = next(iter(ArchiveIterator(stream, record_types=WarcRecordType.response | WarcRecordType.resource,
                                           parse_http=True, auto_decode="none")), None)
    except (OSError, ValueError) as exc:
        raise CaptureError(f"{cap.warc_file}@{cap.offset}: {exc}") from None
    if record is None:
        raise CaptureError(f"{cap.warc_file}@{cap.offset}: no record there")
    data = record.reader.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise CaptureError(f"{cap.warc_file}@{cap.offset}: body over {max_bytes} bytes")
    if record.is_http:
        h = record.http_headers
        decoded = decode_body(data, h.get("Transfer-Encoding"), h.get("Content-Encoding"), max_bytes)
        if decoded is None:
            raise CaptureError(f"{cap.warc_file}@{cap.offset}: decoded body over {max_bytes} bytes")
        data = decoded
    return data
