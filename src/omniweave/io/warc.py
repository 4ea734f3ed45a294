"""Read WARC (FastWARC) and ARC (warcio) files into HTML pages and an index of image records.

Yields :class:`WarcPage` for HTML responses (and HTML ``resource`` records; only status 200 carries a
body) and
:class:`WarcImage` for image responses, which the image stage reads later by offset without any
network. Every other record is accounted for: a record that cannot become a page or image (no
target URI, a page URL that is not http(s), a bad Content-Length, an unparseable HTTP head) is yielded as a
:class:`SkippedRecord` with a reason, and requests, metadata, scripts, styles ... as
:class:`OtherRecord`. A file that breaks mid-way yields what came before and then raises
:class:`WarcReadError` naming the file and the offset, so the caller can count it and carry on.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import IO

import pyarrow as pa
from fastwarc.warc import ArchiveIterator, WarcRecordType

from omniweave.document import Source
from omniweave.io.bounded import scan_gzip_member
from omniweave.io.http_body import decode_body

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")


class WarcReadError(Exception):
    """A WARC/ARC file could not be read (fully); the message names the file and offset."""


@dataclass
class WarcPage:
    url: str
    date: datetime | None
    body: bytes | None  # None when the body exceeded the size limit (or status is not 200)
    http_charset: str | None
    source: Source
    status: int = 200


@dataclass
class WarcImage:
    url: str
    date: datetime | None
    content_type: str
    status: int
    source: Source
    payload_digest: str | None


WARC_IMAGE_SCHEMA = pa.schema(  # one row per WarcImage
    [
        ("url", pa.string()),
        ("warc_file", pa.string()),
        ("offset", pa.int64()),
        ("length", pa.int64()),
        ("content_type", pa.string()),
        ("status", pa.int32()),
        ("date", pa.timestamp("ms", tz="UTC")),
        ("record_id", pa.string()),
        ("payload_digest", pa.string()),
    ]
)


def warc_image_table(images: Iterable[WarcImage]) -> pa.Table:
    """The run's index of image records found in its WARCs (``images/warc_index``)."""
    return pa.Table.from_pylist([
        {"url": im.url, "warc_file": im.source.file, "offset": im.source.offset, "length": im.source.length,
         "content_type": im.content_type, "status": im.status, "date": im.date, "record_id": im.source.record_id,
         "payload_digest": im.payload_digest}
        for im in images
    ], schema=WARC_IMAGE_SCHEMA)


@dataclass
class SkippedRecord:
    """A record that looked like a page or image but cannot be read as one; ``reason`` is a
    counter label (``missing_target_uri``, ``unsupported_url_scheme``, ``bad_content_length``,
    ``malformed_http``), ``detail`` says more for the log."""

    reason: str
    detail: str
    source: Source


@dataclass
class OtherRecord:
    """A record that is neither a page nor an image (request, metadata, script, style, ...)."""

    source: Source


ArchiveItem = WarcPage | WarcImage | SkippedRecord | OtherRecord
URL_SCHEMES = ("http", "https")


def url_problem(url: str | None) -> tuple[str, str] | None:
    """(reason, detail) when a page's target URI cannot be a document URL, else None."""
    if not url:
        return "missing_target_uri", "no WARC-Target-URI"
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in URL_SCHEMES:
        return "unsupported_url_scheme", f"URL {url[:80]!r} is not http(s)"
    return None


def content_length_problem(value: str | None) -> str | None:
    """Why a WARC Content-Length header is unusable (absent, negative, not a number), else None."""
    text = (value or "").strip()
    if not text.isdigit():
        return f"Content-Length {text[:40]!r} is not a non-negative integer"
    return None


def clean_target_uri(uri: str | None) -> str | None:
    """WARC-Target-URI without the angle brackets some writers add, and without edge spaces."""
    if not uri:
        return None
    uri = uri.strip()
    if uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1].strip()
    return uri or None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        date = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            date = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


@dataclass
class _Raw:
    """One response/resource record, format-independent."""

    url: str | None
    date: datetime | None
    status: int
    media_type: str
    http_charset: str | None
    offset: int | None
    record_id: str | None
    payload_digest: str | None
    body: bytes | None
    problem: tuple[str, str] | None = None  # (reason, detail) of a record that cannot be read


def _fastwarc_records(stream: IO[bytes], max_body: int) -> Iterator[tuple[_Raw | None, int | None]]:
    """Yields (record, or None for a record that is not a response/resource, stream position)."""
    wanted = (WarcRecordType.response, WarcRecordType.resource)
    for rec in ArchiveIterator(stream, parse_http=True, quirks_mode=True, auto_decode="none"):
        pos = rec.stream_pos
        if rec.record_type not in wanted:
            yield None, pos
            continue
        headers = rec.headers
        url = clean_target_uri(headers.get("WARC-Target-URI"))
        raw = _Raw(url=url, date=rec.record_date, status=0, media_type="", http_charset=None, offset=pos,
                   record_id=headers.get("WARC-Record-ID"), payload_digest=headers.get("WARC-Payload-Digest"),
                   body=None)
        if bad_length := content_length_problem(headers.get("Content-Length")):
            raw.problem = ("bad_content_length", bad_length)
        elif rec.is_http and rec.http_headers.status_code is None:
            line = rec.http_headers.status_line or ""
            raw.problem = ("malformed_http", f"HTTP status line {line[:60]!r} not understood")
        elif rec.is_http:
            raw.status = rec.http_headers.status_code
            raw.media_type = _media_type(rec.http_content_type)
            raw.http_charset = rec.http_charset
            raw.date = rec.record_date or _parse_date(rec.http_headers.get("Date"))
        elif rec.record_type == WarcRecordType.resource:
            raw.status = 200
            raw.media_type = _media_type(headers.get("Content-Type"))
        else:  # a response record without an HTTP message (dns:, ...): nothing to read
            yield None, pos
            continue
        if raw.media_type in HTML_TYPES and raw.status == 200:
            data = rec.reader.read(max_body + 1)
            if len(data) <= max_body and rec.is_http:
                h = rec.http_headers
                raw.body = decode_body(data, h.get("Transfer-Encoding"), h.get("Content-Encoding"), max_body)
            elif len(data) <= max_body:
                raw.body = data
        if raw.date is not None and raw.date.tzinfo is None:
            raw.date = raw.date.replace(tzinfo=timezone.utc)
        yield raw, pos


def _read_upto(stream: IO[bytes], limit: int) -> bytes:
    """Up to ``limit`` bytes (warcio's readers may return short reads before the end)."""
    parts, size = [], 0
    while size < limit:
        chunk = stream.read(min(65536, limit - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _arc_records(stream: IO[bytes], max_body: int) -> Iterator[tuple[_Raw | None, int | None]]:
    """ARC files through warcio (FastWARC reads only WARC)."""
    from warcio.archiveiterator import ArchiveIterator as WarcioIterator
    from warcio.exceptions import ArchiveLoadFailed

    it = WarcioIterator(stream, arc2warc=True)
    try:
        for rec in it:
            if rec.rec_type != "response" or rec.http_headers is None:
                yield None, it.get_record_offset()
                continue
            content_type = rec.http_headers.get_header("Content-Type")
            code = rec.http_headers.get_statuscode() or "0"
            status = int(code) if code.isdigit() else 0
            problem = None if code.isdigit() else ("malformed_http", f"HTTP status {code[:40]!r} not understood")
            media = _media_type(content_type)
            body = None
            if media in HTML_TYPES and status == 200:
                data = _read_upto(rec.raw_stream, max_body + 1)
                h = rec.http_headers
                if len(data) <= max_body:
                    body = decode_body(data, h.get_header("Transfer-Encoding"), h.get_header("Content-Encoding"), max_body)
            pos = it.get_record_offset()  # only after the body is read (warcio skips it otherwise)
            charset = None
            if content_type and "charset=" in content_type.lower():
                charset = content_type.lower().split("charset=", 1)[1].split(";")[0].strip(" \"'")
            yield _Raw(
                url=clean_target_uri(rec.rec_headers.get_header("WARC-Target-URI")),
                date=_parse_date(rec.rec_headers.get_header("WARC-Date")),
                status=status,
                media_type=media,
                http_charset=charset,
                offset=pos,
                record_id=None,
                payload_digest=rec.rec_headers.get_header("WARC-Payload-Digest"),
                body=body,
                problem=problem,
            ), pos
    except ArchiveLoadFailed as exc:
        raise OSError(str(exc).strip().splitlines()[0]) from exc


TAIL_CHECK_LIMIT = 64 * 2**20  # compressed bytes read from the last record's offset


def _record_complete(head: bytes, size: int) -> bool:
    """Whether an uncompressed WARC/ARC record of ``size`` bytes, beginning with ``head``, holds as
    many bytes as its header declares."""
    head_end = head.find(b"\r\n\r\n")
    if head_end < 0:
        return head.startswith(b"http") or head.startswith(b"filedesc")  # ARC: one header line
    for line in head[:head_end].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return size - head_end - 4 >= int(value.strip())
            except ValueError:
                return False
    return True


def tail_problem(stream: IO[bytes], last_offset: int) -> str | None:
    """Why the file is not complete from its last record on (truncated or corrupt), else None.

    FastWARC stops quietly at a truncated or corrupt gzip member; this re-reads only the last
    record (at most :data:`TAIL_CHECK_LIMIT` compressed bytes, inflated piece by piece through
    :func:`~omniweave.io.bounded.scan_gzip_member`, so a bomb costs no memory) so that such a
    loss is reported, not silent.
    """
    try:
        stream.seek(last_offset)
        tail = stream.read(TAIL_CHECK_LIMIT + 1)
    except (OSError, ValueError):
        return None  # not seekable: nothing to check with
    if not tail or len(tail) > TAIL_CHECK_LIMIT:
        return None  # one gzip member for many records (positions point past it), or too big to check
    if not tail.startswith(b"\x1f\x8b"):
        return None if _record_complete(tail, len(tail)) else "the last record is truncated"
    try:
        member = scan_gzip_member(tail)
    except zlib.error as exc:
        return f"corrupt gzip data ({exc})"
    if not member.complete:
        return "the last gzip member is truncated"
    if not _record_complete(member.head, member.size):
        return "the last record is truncated"
    rest = member.unused.strip(b"\0\r\n")
    return f"{len(rest)} unreadable bytes after the last record" if rest else None


def is_arc(path: str) -> bool:
    name = path.lower()
    return name.endswith((".arc", ".arc.gz"))


GZIP_MEMBER = b"\x1f\x8b\x08"
_SCAN = 1 << 20


def next_member(stream: IO[bytes], start: int, end: int | None) -> int | None:
    """Offset of the first gzip member in [start, end) that opens a WARC record, else None.

    A candidate is a gzip header whose first decompressed bytes are ``WARC/``; inside compressed
    data such a false start is vanishingly unlikely (the magic bytes and a valid deflate stream
    that inflates to a WARC header).
    """
    pos = start
    while end is None or pos < end:
        stream.seek(pos)
        window = stream.read(_SCAN + 64 * 1024)
        if not window:
            return None
        at = window.find(GZIP_MEMBER)
        while 0 <= at < _SCAN:
            if end is not None and pos + at >= end:
                return None
            try:
                head = zlib.decompressobj(31).decompress(window[at:at + 4096], 16)
            except zlib.error:
                head = b""
            if head.startswith(b"WARC/"):
                return pos + at
            at = window.find(GZIP_MEMBER, at + 1)
        if len(window) <= _SCAN:
            return None
        pos += _SCAN
    return None


def read_archive(
    stream: IO[bytes], path: str, *, max_body: int, file_size: int | None = None, start: int = 0,
    end: int | None = None,
) -> Iterator[ArchiveItem]:
    """Every record of one WARC or ARC file, as a page, image, skipped or other record (``path``
    names it in ids and errors).

    With ``start``/``end``, only the records that begin in [start, end) (``start`` must be a record
    boundary, :func:`next_member`); positions and ids stay those of the whole file.
    Raises :class:`WarcReadError` after yielding everything readable when the file is broken.
    """
    fmt = "arc" if is_arc(path) else "warc"
    if start:
        stream.seek(start)
    records = _arc_records(stream, max_body) if fmt == "arc" else _fastwarc_records(stream, max_body)
    pending: ArchiveItem | None = None
    last_pos: int | None = None

    def finish(item: ArchiveItem, end: int | None) -> ArchiveItem:
        if end is not None and item.source.offset is not None and end > item.source.offset:
            item.source.length = end - item.source.offset
        return item

    try:
        for raw, pos in records:
            if end is not None and pos is not None and pos >= end:  # the next range's first record
                if pending is not None:
                    yield finish(pending, pos)
                return
            last_pos = pos
            if pending is not None:
                yield finish(pending, pos)
                pending = None
            if raw is None:
                pending = OtherRecord(Source(file=path, offset=pos, format=fmt))
                continue
            source = Source(file=path, offset=raw.offset, record_id=raw.record_id, format=fmt)
            is_page, is_image = raw.media_type in HTML_TYPES, raw.media_type.startswith("image/")
            # a page's URL becomes the document's; an image is found by offset, any URL names it
            problem = raw.problem or (is_page and url_problem(raw.url)) or (
                is_image and not raw.url and ("missing_target_uri", "no WARC-Target-URI")) or None
            if problem:
                pending = SkippedRecord(*problem, source)
            elif is_page:
                body = raw.body if raw.status == 200 else None
                pending = WarcPage(raw.url, raw.date, body, raw.http_charset, source, status=raw.status)
            elif is_image:
                pending = WarcImage(raw.url, raw.date, raw.media_type, raw.status, source, raw.payload_digest)
            else:
                pending = OtherRecord(source)
    except (OSError, ValueError) as exc:
        if pending is not None:
            yield pending
        where = f"after offset {last_pos}" if last_pos is not None else "at the start"
        raise WarcReadError(f"{path}: unreadable {fmt.upper()} data {where}: {exc}") from exc
    if pending is not None:
        yield finish(pending, file_size)
    if last_pos is None:
        if file_size != 0 and not start:
            raise WarcReadError(f"{path}: no {fmt.upper()} records found (not a {fmt.upper()} file, or corrupt)")
    elif problem := tail_problem(stream, last_pos):
        raise WarcReadError(f"{path}: {problem} (record at offset {last_pos}); the records before it were read")


def archive_basename(path: str) -> str:
    """The file name that goes into document ids (independent of where the file lives)."""
    return os.path.basename(path.rstrip("/"))
