"""WARC/ARC reading against the counts in ../shared/data/warc/manifest.jsonl."""

from __future__ import annotations

import json
import logging
from collections import Counter

import pytest

from omniweave.io.inputs import expand_inputs
from omniweave.readers import read_input

# warcio cannot read this file (one gzip member for the whole file); FastWARC reads its one page
READ_BEYOND_WARCIO = {"warcio-edge-cases/example-bad-non-chunked.warc.gz": 1}


def _manifest(warc_dir):
    return {json.loads(line)["file"]: json.loads(line) for line in (warc_dir / "manifest.jsonl").open()}


def _read(path, **kw):
    counts: Counter[str] = Counter()
    [inp] = expand_inputs([str(path)])
    docs = list(read_input(inp, counts, max_html_bytes=5_000_000, **kw))
    return docs, counts


def test_every_file_matches_the_manifest(warc_dir):
    manifest = _manifest(warc_dir)
    assert len(manifest) == 30
    for name, entry in manifest.items():
        docs, counts = _read(warc_dir / name)
        expected_html = READ_BEYOND_WARCIO.get(name, entry["html_200_responses"])
        assert counts["html_records"] == expected_html, name
        assert counts["image_records"] == entry["image_payload_records"], name
        assert counts["read_errors"] == 0, name
        assert len(docs) + counts["skipped:empty_after_extraction"] == expected_html, name


def test_ids_are_stable_and_come_from_the_record(warc_dir):
    first, _ = _read(warc_dir / "dolma" / "sample-0000.warc.gz")
    second, _ = _read(warc_dir / "dolma" / "sample-0000.warc.gz")
    assert [d.id for d in first] == [d.id for d in second]
    assert len({d.id for d in first}) == 22
    doc = first[0]
    assert doc.url.startswith("https://") and not doc.url.startswith("<")  # angle brackets removed
    assert doc.source.record_id.startswith("<urn:uuid:") and doc.source.offset is not None
    assert doc.source.length and doc.date is not None


def test_arc_and_warc_of_the_same_crawl_give_the_same_pages(warc_dir):
    base = warc_dir / "ukwa-webarchive-test-suite" / "IAH-20080430204825-00000-blackbook-truncated"
    arc, _ = _read(f"{base}.arc.gz")
    warc, _ = _read(f"{base}.warc.gz")
    assert [d.url for d in arc] == [d.url for d in warc]
    assert [d.text for d in arc] == [d.text for d in warc]
    assert {d.source.format for d in arc} == {"arc"}


def test_image_records_are_indexed_with_offsets(warc_dir):
    images = []
    _read(warc_dir / "node-warc" / "books.toscrape.warc", on_image=images.append)
    assert len(images) == 20
    assert all(im.content_type == "image/jpeg" and im.source.offset and im.source.length for im in images)
    assert len({im.url for im in images}) == 20


def test_truncated_gzip_keeps_what_was_read_and_counts_the_error(warc_dir, tmp_path, caplog):
    data = (warc_dir / "servo-warc-tests" / "Sina.warc.gz").read_bytes()
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.ERROR):
        docs, counts = _read(broken)
    assert counts["read_errors"] == 1
    assert counts["image_records"] > 10  # the records before the cut were read
    assert "broken.warc.gz" in caplog.text and "offset" in caplog.text


@pytest.mark.parametrize("payload", [b"<!doctype html><html><body>not a warc</body></html>", b"\x1f\x8b\x08\x00garbage"])
def test_a_file_that_is_not_a_warc_is_a_named_read_error(tmp_path, caplog, payload):
    path = tmp_path / "fake.warc.gz"
    path.write_bytes(payload)
    with caplog.at_level(logging.ERROR):
        docs, counts = _read(path)
    assert docs == [] and counts["read_errors"] == 1
    assert "fake.warc.gz" in caplog.text
