"""``text`` export: a pure text corpus, one row per document with a ``text`` column.

Text nodes are joined by blank lines in reading order. With ``image_token`` (e.g. ``<image>``),
each image stands in the text as that token, in its own block, so the image count survives.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from omniweave.document import Document, TextNode
from omniweave.export.sinks import RowFormat, row_writer
from omniweave.export.source import ExportResult
from omniweave.io.output import filesystem

TEXT_SCHEMA = pa.schema(
    [("id", pa.string()), ("url", pa.string()), ("language", pa.string()), ("text", pa.string()),
     ("n_texts", pa.int32()), ("n_images", pa.int32())]
)


def document_text(doc: Document, image_token: str | None = None) -> str:
    """The document as one string (images as ``image_token`` blocks when given)."""
    blocks = [n.text if isinstance(n, TextNode) else image_token for n in doc.nodes]
    return "\n\n".join(b for b in blocks if b is not None)


def export_text(docs: Iterable[Document], dest: str, result: ExportResult, *, fmt: RowFormat = "parquet",
                image_token: str | None = None, max_rows: int = 100_000) -> None:
    fs, path = filesystem(dest)
    writer = row_writer(fs, path, TEXT_SCHEMA, fmt, max_rows)
    for doc in docs:
        n_texts, n_images = len(doc.texts), len(doc.images)
        writer.write({"id": doc.id, "url": doc.url, "language": doc.language,
                      "text": document_text(doc, image_token), "n_texts": n_texts, "n_images": n_images})
        result.counts["texts"] += n_texts
        result.counts["images"] += n_images if image_token else 0
    result.files = writer.commit()
