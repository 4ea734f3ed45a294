"""Records that cannot become documents are counted under a reason, never dropped silently or
raised: broken WARC record headers, non-http page URLs, JSONL lines that are not document rows."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hardening_inputs import http_response, warc_record, write_warc

from omniweave import readers
from omniweave.io.inputs import expand_inputs
from omniweave.readers import read_input
from omniweave.layout import SCHEMA
from omniweave.pipeline.stats import funnel_rows


def _read(path: Path) -> tuple[list, Counter[str]]:
    counts: Counter[str] = Counter()
    [inp] = expand_inputs([str(path)])
    return list(read_input(inp, counts, max_html_bytes=5_000_000)), counts


def _good(i: int) -> bytes:
    return warc_record(f"http://example.com/{i}", http_response(), record_id=str(100 + i))


BAD_RECORDS = {
    "malformed_http": warc_record("http://example.com/x", http_response(status_line=b"HTTPX/1.1 200 OK")),
    "bad_content_length": warc_record("http://example.com/x", http_response(), content_length=b"-5"),
    "bad_content_length ": warc_record("http://example.com/x", http_response(), content_length=b"abc"),
    "missing_target_uri": warc_record(None, http_response()),
    "unsupported_url_scheme": warc_record("javascript:alert(1)", http_response()),
    "unsupported_url_scheme ": warc_record("mailto:someone@example.com", http_response()),
}


@pytest.mark.parametrize("suffix", [".warc.gz", ".warc"])
@pytest.mark.parametrize("reason", sorted(BAD_RECORDS))
def test_a_bad_record_between_good_ones_is_counted_and_the_rest_read(tmp_path, reason, suffix, caplog):
    path = write_warc(tmp_path / f"bad{suffix}", [_good(1), BAD_RECORDS[reason], _good(2)])
    docs, counts = _read(path)
    assert [d.url for d in docs] == ["http://example.com/1", "http://example.com/2"]
    assert counts[f"skipped:{reason.strip()}"] == 1 and counts["bad_records"] == 1
    assert counts["read_errors"] == 0
    assert f"skipped ({reason.strip()})" in caplog.text and "bad" in caplog.text  # logged with the file
    [row] = funnel_rows({"read": counts}, ["read"])
    assert row["in"] == row["out"] + sum(row["dropped"].values()) == 3


def test_requests_and_metadata_are_counted_as_other_records(warc_dir):
    docs, counts = _read(warc_dir / "resiliparse" / "warcfile.warc.gz")
    assert counts["html_records"] == 16 and counts["other_records"] == 1 + 17 + 16  # warcinfo, requests, metadata


JSONL_LINES = {
    "[1, 2]": "a JSON list",
    '"text"': "a JSON str",
    "42": "a JSON int",
    "{not json": "Expecting property name",
    '{"id": "x", "general_metadata": [1]}': "object has no attribute",
    '{"id": "x", "texts": ["a"], "images": []}': "different lengths",
}


def test_jsonl_lines_that_are_not_document_rows_are_counted(tmp_path, caplog):
    good = json.dumps({"id": "g", "texts": ["hello"], "images": [None], "metadata": [None]})
    path = tmp_path / "rows.jsonl"
    path.write_text("\n".join([good, *JSONL_LINES, good]) + "\n")
    docs, counts = _read(path)
    assert [d.id for d in docs] == ["g", "g"]
    assert counts["skipped:bad_jsonl_row"] == len(JSONL_LINES) and counts["document_rows"] == 2 + len(JSONL_LINES)
    for lineno, why in enumerate(JSONL_LINES.values(), 2):
        assert f"rows.jsonl line {lineno}: skipped (bad_jsonl_row)" in caplog.text and why in caplog.text


def test_an_over_long_jsonl_line_is_skipped_unread(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_ROW_BYTES", 1000)
    good = json.dumps({"id": "g", "texts": ["hello"], "images": [None], "metadata": [None]})
    path = tmp_path / "long.jsonl"
    path.write_text(good + "\n" + json.dumps({"id": "long", "texts": ["x" * 5000]}) + "\n" + good)
    docs, counts = _read(path)
    assert len(docs) == 2 and counts["skipped:jsonl_line_too_long"] == 1


def test_a_parquet_row_that_is_not_a_document_is_counted(tmp_path):
    good = {"id": "g", "texts": ["hello"], "images": [None], "metadata": [None], "general_metadata": {}}
    bad = {"id": "b", "texts": ["a", "b"], "images": [None], "metadata": [None], "general_metadata": {}}
    table = pa.Table.from_pylist([good, bad, good], schema=pa.schema([SCHEMA.field(n) for n in SCHEMA.names]))
    path = tmp_path / "rows.parquet"
    pq.write_table(table, path)
    docs, counts = _read(path)
    assert len(docs) == 2 and counts["skipped:bad_parquet_row"] == 1 and counts["document_rows"] == 3
