"""Turn one input file of any supported format into documents.

WARC/ARC and HTML inputs are extracted here (the extractor is part of reading); Parquet/JSONL inputs
already hold documents in the interleaved layout; videos are read with their subtitles by
:mod:`omniweave.video.reader` (the ``video`` extra). Every record that does not become a document
is counted under a reason in ``counts`` through :func:`skip` (the one place that does so, and logs
it); nothing is dropped silently. A file that cannot be read (fully) is a read error: counted, logged,
and its message appended to ``errors`` when the caller passes a list, never raised.

Counters of the read step: ``html_records`` (pages), ``document_rows`` (Parquet/JSONL rows) and
``bad_records`` (records neither, dropped as malformed) are what comes in; ``documents`` what comes
out; ``skipped:<reason>`` what was dropped; ``image_records``, ``html_status_<code>`` and
``other_records`` (requests, metadata, scripts, ...) account for every other record of an archive.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from omniweave import counters
from omniweave.document import Document, Source, make_doc_id
from omniweave.extract import extract_html
from omniweave.extract.guard import ExtractionRefused
from omniweave.io.bounded import CHUNK, bounded_lines
from omniweave.io.inputs import InputFile
from omniweave.io.warc import (
    OtherRecord,
    SkippedRecord,
    WarcImage,
    WarcPage,
    WarcReadError,
    archive_basename,
    next_member,
    read_archive,
)
from omniweave.layout import SCHEMA, row_to_document

log = logging.getLogger(__name__)

ImageSink = Callable[[WarcImage], None]
MAX_ROW_BYTES = 64 * 2**20  # a longer JSONL line is skipped unread (a document row is far smaller)
ROW_ERRORS = (ValueError, KeyError, TypeError, AttributeError)  # a row of the wrong shape
# rows of a Parquet file turned into Python at a time: a later pass's memory stays flat however big its
# input (a run's shard of 421 English documents: +30 MB read 1,024 rows at a time, +13 MB 32 at a time)
PARQUET_BATCH_ROWS = 32


def skip(counts: Counter[str], reason: str, where: str, detail: str) -> None:
    """Count a record that does not become a document under ``skipped:<reason>`` and log why;
    ``where`` names the file and the record (offset, line)."""
    counts[counters.skipped(reason)] += 1
    log.warning("%s: skipped (%s): %s", where, reason, detail)


def read_input(
    inp: InputFile,
    counts: Counter[str],
    *,
    max_html_bytes: int,
    on_image: ImageSink | None = None,
    video: Any = None,
    image_store: str | None = None,
    errors: list[str] | None = None,
) -> Iterator[Document]:
    """Documents of one input file; read problems are counted and logged (and appended to
    ``errors``), never raised.

    ``video`` (the recipe's ``input.video`` options) and ``image_store`` (where frames are stored)
    are used by video inputs only.
    """
    try:
        if inp.format in ("warc", "arc"):
            yield from _read_archive(inp, counts, max_html_bytes, on_image)
        elif inp.format == "html":
            yield from _read_html_file(inp, counts, max_html_bytes)
        elif inp.format == "parquet":
            yield from _read_parquet(inp, counts)
        elif inp.format == "jsonl":
            yield from _read_jsonl(inp, counts)
        elif inp.format == "video":
            from omniweave.video.reader import read_video  # needs PyAV (the video extra)

            yield from read_video(inp, counts, options=video, store_root=image_store)
        else:
            raise ValueError(f"unsupported input format {inp.format!r}")
    except (WarcReadError, OSError, ValueError) as exc:
        _read_error(inp, exc, counts, errors)


def _read_error(inp: InputFile, exc: Exception, counts: Counter[str], errors: list[str] | None) -> None:
    counts["read_errors"] += 1
    message = str(exc) if isinstance(exc, WarcReadError) else f"{inp.path}: {_describe(exc)}"
    log.error("read error: %s", message)
    if errors is not None:
        errors.append(message)


def _describe(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _emit(doc: Document, counts: Counter[str]) -> Iterator[Document]:
    if doc.nodes:
        counts["documents"] += 1
        yield doc
    else:
        where = f"{doc.source.file} @{doc.source.offset} ({doc.url})" if doc.source.offset is not None else doc.source.file
        skip(counts, "empty_after_extraction", str(where), "no text or image left after extraction")


def _read_archive(
    inp: InputFile, counts: Counter[str], max_html_bytes: int, on_image: ImageSink | None
) -> Iterator[Document]:
    name = archive_basename(inp.path)
    with fsspec.open(inp.path, "rb") as stream:
        start = next_member(stream, inp.start, inp.end) if inp.start else 0
        if start is None:  # no record begins in this byte range
            return
        for item in read_archive(stream, inp.path, max_body=max_html_bytes, file_size=inp.size, start=start,
                                 end=inp.end):
            if isinstance(item, OtherRecord):
                counts["other_records"] += 1
                continue
            if isinstance(item, SkippedRecord):
                counts["bad_records"] += 1
                skip(counts, item.reason, f"{item.source.file} @{item.source.offset}", item.detail)
                continue
            if isinstance(item, WarcImage):
                counts["image_records"] += 1
                if on_image is not None:
                    on_image(item)
                continue
            if item.status != 200:
                counts[f"html_status_{item.status}"] += 1  # redirects, errors: not pages to read
                continue
            counts["html_records"] += 1
            yield from _page_to_documents(item, name, counts)


def _page_to_documents(page: WarcPage, archive_name: str, counts: Counter[str]) -> Iterator[Document]:
    where = f"{page.source.file} @{page.source.offset} ({page.url})"
    if page.body is None:
        skip(counts, "html_too_large", where, "HTML body over the size limit (or over it once decompressed)")
        return
    doc_id = make_doc_id(archive_name, page.source.record_id or f"offset:{page.source.offset}")
    try:
        doc = extract_html(page.body, url=page.url, doc_id=doc_id, http_charset=page.http_charset, source=page.source)
    except ExtractionRefused as exc:
        skip(counts, exc.reason, where, exc.detail)
        return
    except Exception as exc:  # a broken page must never end the task
        skip(counts, "extraction_error", where, repr(exc))
        return
    doc.date = page.date
    yield from _emit(doc, counts)


def _read_html_file(inp: InputFile, counts: Counter[str], max_html_bytes: int) -> Iterator[Document]:
    with fsspec.open(inp.path, "rb", compression="infer") as fh:
        data = fh.read(max_html_bytes + 1)
    counts["html_records"] += 1
    if len(data) > max_html_bytes:
        skip(counts, "html_too_large", inp.path, "HTML file over the size limit")
        return
    try:
        doc = extract_html(data, doc_id=make_doc_id("html-file", inp.relpath), source=Source(file=inp.path, format="html"))
    except ExtractionRefused as exc:
        skip(counts, exc.reason, inp.path, exc.detail)
        return
    except Exception as exc:  # a broken page must never end the task
        skip(counts, "extraction_error", inp.path, repr(exc))
        return
    yield from _emit(doc, counts)


def _read_parquet(inp: InputFile, counts: Counter[str]) -> Iterator[Document]:
    row_number = 0
    for batch in _parquet_batches(inp, PARQUET_BATCH_ROWS):
        for row in batch.to_pylist():
            row_number += 1
            counts["document_rows"] += 1
            try:
                doc = row_to_document(row)
            except ROW_ERRORS as exc:
                skip(counts, "bad_parquet_row", f"{inp.path} row {row_number}", f"not a document: {exc!r}")
                continue
            counts["documents"] += 1
            yield doc


def parquet_batches(inp: InputFile, batch_size: int, counts: Counter[str],
                    errors: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """The rows of a Parquet input of documents as Arrow batches (a later pass on rows: its caller
    counts them); read problems are handled as :func:`read_input` handles them."""
    try:
        yield from _parquet_batches(inp, batch_size)
    except (OSError, ValueError) as exc:
        _read_error(inp, exc, counts, errors)


read_input.parquet_batches = parquet_batches  # type: ignore[attr-defined] (see pipeline.task.Reader)


def _parquet_batches(inp: InputFile, batch_size: int) -> Iterator[pa.RecordBatch]:
    """The rows of a Parquet input of documents (:data:`SCHEMA`'s columns), ``batch_size`` at a time
    (of a byte range of the file: the row groups that begin in it)."""
    with fsspec.open(inp.path, "rb") as fh:
        pf = pq.ParquetFile(fh)
        missing = [n for n in SCHEMA.names if n not in pf.schema_arrow.names]
        if missing:
            raise ValueError(f"not an omniweave document file (missing columns {missing})")
        groups = None
        if inp.is_part:  # the row groups that begin in the byte range
            starts = [_row_group_offset(pf.metadata.row_group(g)) for g in range(pf.num_row_groups)]
            groups = [g for g, at in enumerate(starts) if inp.start <= at and (inp.end is None or at < inp.end)]
            if not groups:
                return
        yield from pf.iter_batches(columns=SCHEMA.names, batch_size=batch_size, row_groups=groups)


def _row_group_offset(group: pq.RowGroupMetaData) -> int:
    """Where a row group's data begins in its file."""
    column = group.column(0)
    offsets = [column.data_page_offset, column.dictionary_page_offset if column.has_dictionary_page else None]
    return min(o for o in offsets if o is not None)


def _read_jsonl(inp: InputFile, counts: Counter[str]) -> Iterator[Document]:
    with fsspec.open(inp.path, "rb", compression="infer") as fh:
        at = _line_start(fh, inp.start) if inp.start else 0  # a byte range reads the lines that begin in it
        part = f" (bytes {inp.start}-{inp.end if inp.end is not None else 'end'})" if inp.is_part else ""
        for lineno, line in enumerate(bounded_lines(fh, MAX_ROW_BYTES), 1):
            if inp.end is not None and at >= inp.end:
                return
            at = fh.tell()
            where = f"{inp.path} line {lineno}{part}"
            if line is None:
                counts["document_rows"] += 1
                skip(counts, "jsonl_line_too_long", where, f"line longer than {MAX_ROW_BYTES} bytes, not read")
                continue
            if not line.strip():
                continue
            counts["document_rows"] += 1
            try:
                row = json.loads(line.decode("utf-8", errors="replace"))
                if not isinstance(row, dict):
                    raise TypeError(f"a JSON {type(row).__name__}, not an object")
                doc = row_to_document(row)
            except ROW_ERRORS as exc:
                skip(counts, "bad_jsonl_row", where, f"not a document row: {exc}")
                continue
            counts["documents"] += 1
            yield doc


def _line_start(fh: Any, start: int) -> int:
    """Move ``fh`` to the first line that begins at or after ``start``; returns its offset."""
    fh.seek(start - 1)
    while (piece := fh.readline(CHUNK)) and not piece.endswith(b"\n"):  # the rest of the line holding start - 1
        pass
    return fh.tell()
