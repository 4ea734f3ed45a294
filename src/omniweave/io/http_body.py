"""Undo HTTP transfer and content encodings of a captured body, safely.

Captures are inconsistent: a body may still be chunked or gzipped as its headers say, or may have
been stored already decoded with the headers left in place. Each decoding is tried and the bytes
are kept as they are when it does not apply. Decompression is bounded by ``limit``
(:mod:`omniweave.io.bounded`: a gzip bomb yields None, as an over-size body does).
"""

from __future__ import annotations

import zlib

import brotli

from omniweave.io.bounded import GZIP_OR_ZLIB, RAW_DEFLATE, inflate, unbrotli


def dechunk(data: bytes) -> bytes | None:
    """The payload of a chunked body, or None when ``data`` is not chunked."""
    out, pos = [], 0
    while True:
        eol = data.find(b"\n", pos)
        if eol < 0:
            return b"".join(out) if out else None  # truncated after a whole chunk
        size_field = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError:
            return None
        if size == 0:
            return b"".join(out)
        start = eol + 1
        out.append(data[start : start + size])
        pos = start + size
        if pos >= len(data):
            return b"".join(out)
        pos = data.find(b"\n", pos) + 1 or len(data)  # skip the CRLF after the chunk


def decode_body(data: bytes, transfer_encoding: str | None, content_encoding: str | None, limit: int) -> bytes | None:
    """Decoded body; None when it would exceed ``limit`` bytes."""
    if transfer_encoding and "chunked" in transfer_encoding.lower():
        data = dechunk(data) or data
    encoding = (content_encoding or "").strip().lower()
    try:
        if encoding in ("gzip", "x-gzip", "deflate") and _looks_compressed(data):
            try:
                data = inflate(data, limit, GZIP_OR_ZLIB)
            except zlib.error:
                data = inflate(data, limit, RAW_DEFLATE)
        elif encoding == "br" and _looks_compressed(data):
            data = unbrotli(data, limit)
    except (zlib.error, brotli.error):
        pass  # stored already decoded
    if data is not None and len(data) > limit:
        return None
    return data


def _looks_compressed(data: bytes) -> bool:
    """False for bodies that are plainly markup (stored decoded despite the header)."""
    head = data[:64].lstrip().lower()
    return not head.startswith((b"<", b"<!doctype", b"<html"))
