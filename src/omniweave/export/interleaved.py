"""``interleaved`` export: the documents that pass the filters, in :data:`omniweave.layout.SCHEMA`.

Plain Parquet parts (``part-NNNNN.parquet``) that ``datasets.load_dataset("parquet", ...)``,
pyarrow and polars read as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from omniweave.document import Document
from omniweave.export.source import ExportResult
from omniweave.io.output import ShardWriter, filesystem
from omniweave.layout import SCHEMA, document_to_row


def export_interleaved(docs: Iterable[Document], dest: str, result: ExportResult, *, max_rows: int = 10_000) -> None:
    fs, path = filesystem(dest)
    writer = ShardWriter(fs, path, "part", SCHEMA, max_rows=max_rows)
    for doc in docs:
        writer.write(document_to_row(doc))
        result.counts["texts"] += len(doc.texts)
        result.counts["images"] += len(doc.images)
    result.files = writer.commit()
