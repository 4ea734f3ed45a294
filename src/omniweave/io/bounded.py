"""Bounded decompression and line reading: no input, however small, may inflate without limit.

Every reader that decompresses on its own goes through here: HTTP bodies (gzip, deflate, brotli),
the WARC tail check, and JSONL lines (whose gzip is streamed by fsspec but whose line length is
not bounded there). Output is produced in pieces of at most :data:`CHUNK` bytes, so memory stays
at ``limit`` plus one piece whatever the compression ratio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import brotli

CHUNK = 2**20
GZIP_OR_ZLIB = 47  # zlib wbits: detect a gzip or zlib header
GZIP = 31
RAW_DEFLATE = -15


def inflate(data: bytes, limit: int, wbits: int = GZIP_OR_ZLIB) -> bytes | None:
    """``data`` inflated, or None when that would exceed ``limit`` bytes; raises zlib.error on bad data."""
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, limit + 1)
    return out if len(out) <= limit and (d.eof or not d.unconsumed_tail) else None


def unbrotli(data: bytes, limit: int) -> bytes | None:
    """``data`` decompressed from brotli, or None when that would exceed ``limit`` bytes."""
    d = brotli.Decompressor()
    out = d.process(data, output_buffer_limit=limit + 1)
    return out if len(out) <= limit else None


@dataclass
class MemberScan:
    """What inflating one gzip member showed, without keeping its output."""

    head: bytes  # the first ``keep`` bytes of the output
    size: int  # output bytes in all
    complete: bool  # the member ended (with its CRC checked)
    unused: bytes  # input bytes after the member


def scan_gzip_member(data: bytes, keep: int = 65536) -> MemberScan:
    """Inflate the first gzip member of ``data`` piece by piece, keeping only its head and size
    (the WARC tail check: a 1 MB member that inflates to 1 GiB costs one piece of memory)."""
    d = zlib.decompressobj(GZIP)
    head, size, pending = b"", 0, data
    while True:
        out = d.decompress(pending, CHUNK)
        if len(head) < keep:
            head += out[: keep - len(head)]
        size += len(out)
        pending = d.unconsumed_tail
        if d.eof or not out:
            break
    return MemberScan(head, size, d.eof, d.unused_data)


def bounded_lines(stream: IO[bytes], max_line: int) -> Iterator[bytes | None]:
    """The lines of a binary stream, each without its line end; None for a line longer than
    ``max_line`` bytes (read through and dropped in pieces, never held whole)."""
    while True:
        line = stream.readline(max_line + 1)
        if not line:
            return
        if len(line) <= max_line or line.endswith(b"\n"):
            yield line.rstrip(b"\r\n")
            continue
        while line and not line.endswith(b"\n"):  # skip the rest of an over-long line
            line = stream.readline(CHUNK)
        yield None
