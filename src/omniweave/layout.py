"""The interleaved corpus layout (OBELICS / OmniCorpus style) and its one pyarrow schema.

A row is one document::

    id                str                    stable document id
    texts             list[str | None]       position i holds a text ...
    images            list[str | None]       ... or an image URL (exactly one of the two is set)
    metadata          list[struct | None]    per position: image metadata, None at text positions
    general_metadata  struct                 url, domain, date, language, title, source, ...

``general_metadata.node_kinds`` keeps each text node's kind (heading, paragraph, ...), aligned with
the positions (None at image positions), so the conversion is lossless both ways. Fields that are
not in the fixed struct travel as a JSON object in ``extra`` (per image and per document).
Everything that converts between :class:`~omniweave.document.Document` and rows lives here.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa

from omniweave.document import Document, ImageNode, Source, TextNode

IMAGE_METADATA = pa.struct(
    [
        ("alt", pa.string()),
        ("title", pa.string()),
        ("caption", pa.string()),
        ("declared_width", pa.int32()),
        ("declared_height", pa.int32()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("format", pa.string()),
        ("sha256", pa.string()),
        ("phash", pa.string()),
        ("dhash", pa.string()),
        ("extra", pa.string()),
    ]
)

GENERAL_METADATA = pa.struct(
    [
        ("url", pa.string()),
        ("domain", pa.string()),
        ("date", pa.timestamp("ms", tz="UTC")),
        ("language", pa.string()),
        ("language_score", pa.float64()),
        ("title", pa.string()),
        ("source_file", pa.string()),
        ("source_offset", pa.int64()),
        ("source_length", pa.int64()),
        ("record_id", pa.string()),
        ("source_format", pa.string()),
        ("node_kinds", pa.list_(pa.string())),
        ("extra", pa.string()),
    ]
)

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("texts", pa.list_(pa.string())),
        ("images", pa.list_(pa.string())),
        ("metadata", pa.list_(IMAGE_METADATA)),
        ("general_metadata", GENERAL_METADATA),
    ]
)

_IMAGE_FIELDS = [f.name for f in IMAGE_METADATA if f.name != "extra"]


def _dump_extra(extra: dict[str, Any]) -> str | None:
    return json.dumps(extra, sort_keys=True, ensure_ascii=False, default=str) if extra else None


def _load_extra(value: str | None) -> dict[str, Any]:
    return json.loads(value) if value else {}


def domain_of(url: str | None) -> str | None:
    """Lower-case host of ``url`` without a leading ``www.`` (None when there is none)."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def document_to_row(doc: Document) -> dict[str, Any]:
    """Convert a document into one row of :data:`SCHEMA` (plain Python values)."""
    texts: list[str | None] = []
    images: list[str | None] = []
    metadata: list[dict[str, Any] | None] = []
    kinds: list[str | None] = []
    for node in doc.nodes:
        if isinstance(node, TextNode):
            texts.append(node.text)
            images.append(None)
            metadata.append(None)
            kinds.append(node.kind)
        else:
            texts.append(None)
            images.append(node.url)
            meta = {name: getattr(node, name) for name in _IMAGE_FIELDS}
            meta["extra"] = _dump_extra(node.extra)
            metadata.append(meta)
            kinds.append(None)
    date = doc.date
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    src = doc.source
    return {
        "id": doc.id,
        "texts": texts,
        "images": images,
        "metadata": metadata,
        "general_metadata": {
            "url": doc.url,
            "domain": domain_of(doc.url),
            "date": date,
            "language": doc.language,
            "language_score": doc.language_score,
            "title": doc.title,
            "source_file": src.file,
            "source_offset": src.offset,
            "source_length": src.length,
            "record_id": src.record_id,
            "source_format": src.format,
            "node_kinds": kinds,
            "extra": _dump_extra(doc.metadata),
        },
    }


def row_to_document(row: dict[str, Any]) -> Document:
    """Inverse of :func:`document_to_row`; accepts rows read back from Parquet or JSON."""
    gm = row.get("general_metadata") or {}
    texts = row.get("texts") or []
    images = row.get("images") or []
    metadata = row.get("metadata") or [None] * len(texts)
    kinds = gm.get("node_kinds") or [None] * len(texts)
    if not (len(texts) == len(images) == len(metadata)):
        raise ValueError(
            f"document {row.get('id')!r}: texts/images/metadata have different lengths "
            f"({len(texts)}/{len(images)}/{len(metadata)})"
        )
    nodes: list[TextNode | ImageNode] = []
    for i, (text, image, meta) in enumerate(zip(texts, images, metadata)):
        if (text is None) == (image is None):
            raise ValueError(f"document {row.get('id')!r}: position {i} must hold a text or an image")
        if text is not None:
            nodes.append(TextNode(text=text, kind=(kinds[i] if i < len(kinds) else None) or "paragraph"))
        else:
            meta = meta or {}
            fields = {name: meta.get(name) for name in _IMAGE_FIELDS}
            nodes.append(ImageNode(url=image, extra=_load_extra(meta.get("extra")), **fields))
    date = gm.get("date")
    if isinstance(date, str):
        date = datetime.fromisoformat(date)
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=timezone.utc)
    return Document(
        id=row["id"],
        url=gm.get("url"),
        nodes=nodes,
        date=date,
        language=gm.get("language"),
        language_score=gm.get("language_score"),
        title=gm.get("title"),
        source=Source(
            file=gm.get("source_file"),
            offset=gm.get("source_offset"),
            length=gm.get("source_length"),
            record_id=gm.get("record_id"),
            format=gm.get("source_format"),
        ),
        metadata=_load_extra(gm.get("extra")),
    )


def documents_to_table(docs: list[Document]) -> pa.Table:
    """Documents as a pyarrow table with :data:`SCHEMA`."""
    return pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA)


def table_to_documents(table: pa.Table) -> list[Document]:
    """Rows of a table with (a superset of) :data:`SCHEMA` as documents."""
    return [row_to_document(r) for r in table.select(SCHEMA.names).to_pylist()]
