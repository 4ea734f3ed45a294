"""The interleaved layout: one schema, lossless Document <-> row <-> Parquet."""

from __future__ import annotations

from datetime import datetime, timezone

import pyarrow.parquet as pq
import pytest

from omniweave.document import Document, ImageNode, Source, TextNode, make_doc_id
from omniweave.layout import SCHEMA, document_to_row, documents_to_table, row_to_document, table_to_documents


def _doc() -> Document:
    return Document(
        id=make_doc_id("a.warc.gz", "<urn:uuid:1>"),
        url="https://www.example.org/post?id=1",
        nodes=[
            TextNode("A title", "heading"),
            TextNode("First paragraph.", "paragraph"),
            ImageNode("https://img.example.org/a.jpg", alt="a cat", caption="The cat", declared_width=640,
                      declared_height=480, width=640, height=480, format="JPEG", sha256="ab" * 32,
                      phash="8f3c", extra={"aesthetic_prob": 0.5, "store": {"shard": "s-0.tar"}}),
            TextNode("名字 | 数量\n苹果 | 3", "table"),
            ImageNode("https://img.example.org/b.png"),
        ],
        date=datetime(2024, 5, 1, 12, 30, 15, 123000, tzinfo=timezone.utc),
        language="en",
        language_score=0.987654321,
        title="Post",
        source=Source(file="s3://bucket/a.warc.gz", offset=1234, length=5678, record_id="<urn:uuid:1>", format="warc"),
        metadata={"charset": "utf-8", "nested": [1, 2]},
    )


def test_round_trip_through_parquet_is_lossless(tmp_path):
    doc = _doc()
    path = tmp_path / "docs.parquet"
    pq.write_table(documents_to_table([doc]), path)
    table = pq.read_table(path)
    assert table.schema.equals(SCHEMA)
    assert table_to_documents(table) == [doc]


def test_row_holds_the_standard_columns_aligned():
    row = document_to_row(_doc())
    assert row["texts"] == ["A title", "First paragraph.", None, "名字 | 数量\n苹果 | 3", None]
    assert row["images"] == [None, None, "https://img.example.org/a.jpg", None, "https://img.example.org/b.png"]
    assert [m is None for m in row["metadata"]] == [True, True, False, True, False]
    assert row["metadata"][2]["width"] == 640
    gm = row["general_metadata"]
    assert gm["domain"] == "example.org" and gm["source_offset"] == 1234
    assert gm["node_kinds"] == ["heading", "paragraph", None, "table", None]


def test_ids_are_stable_and_distinct():
    assert make_doc_id("a.warc.gz", "<urn:uuid:1>") == make_doc_id("a.warc.gz", "<urn:uuid:1>")
    assert make_doc_id("a.warc.gz", "<urn:uuid:1>") != make_doc_id("b.warc.gz", "<urn:uuid:1>")
    assert len(make_doc_id("x")) == 32


def test_bad_rows_name_the_document():
    row = document_to_row(_doc())
    row["images"] = row["images"][:-1]
    with pytest.raises(ValueError, match="different lengths"):
        row_to_document(row)
    row = document_to_row(_doc())
    row["images"][0] = "https://x/y.jpg"  # a position with both a text and an image
    with pytest.raises(ValueError, match="position 0"):
        row_to_document(row)
