"""Memory bombs: inputs under 1 MB that inflate to 512 MiB are read in bounded memory (before the
fix, reading them cost over twice what they inflate to).

Each input is read in a fresh child process whose peak RSS (``resource.getrusage``) must stay
under 600 MB; the bomb must be counted, and the good records around it read.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

from hardening_inputs import (
    MiB,
    gzip_bomb,
    http_response,
    jsonl_gz_with_giant_line,
    peak_rss_mb,
    warc_record,
    warc_with_bomb_tail,
)

LIMIT_MB = 600
READ = """
import json
from collections import Counter
from omniweave.io.inputs import expand_inputs
from omniweave.readers import read_input
counts = Counter()
[inp] = expand_inputs([{path!r}])
docs = list(read_input(inp, counts, max_html_bytes=5_000_000))
print(json.dumps({{"docs": len(docs), "counts": counts}}))
"""


def _read_in_child(path: Path) -> tuple[float, dict]:
    assert path.stat().st_size < 2 * MiB
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    rss, out = peak_rss_mb(READ.format(path=str(path)), env=env)
    return rss, json.loads(out.strip().splitlines()[0])


def test_a_warc_whose_last_record_inflates_to_512_mib(tmp_path):
    rss, result = _read_in_child(warc_with_bomb_tail(tmp_path / "bomb.warc.gz", inflated=2**29))
    assert rss < LIMIT_MB, f"peak RSS {rss:.0f} MB"
    assert result["docs"] == 1 and result["counts"]["image_records"] == 1
    assert result["counts"].get("read_errors", 0) == 0  # the tail check inflated it piece by piece


def test_a_jsonl_gz_holding_one_512_mib_line(tmp_path):
    rss, result = _read_in_child(jsonl_gz_with_giant_line(tmp_path / "bomb.jsonl.gz", inflated=2**29))
    assert rss < LIMIT_MB, f"peak RSS {rss:.0f} MB"
    assert result["docs"] == 2
    assert result["counts"]["skipped:jsonl_line_too_long"] == 1 and result["counts"]["document_rows"] == 3


def test_a_gzip_encoded_page_that_inflates_to_256_mib(tmp_path):
    bomb = gzip_bomb(b"<html><body><p>", b"x", 2**28, b"</p></body></html>")
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n\r\n"
    path = tmp_path / "page-bomb.warc.gz"
    path.write_bytes(gzip.compress(warc_record("http://example.com/bomb", head + bomb, record_id="1"))
                     + gzip.compress(warc_record("http://example.com/ok", http_response(), record_id="2")))
    rss, result = _read_in_child(path)
    assert rss < LIMIT_MB, f"peak RSS {rss:.0f} MB"
    assert result["docs"] == 1 and result["counts"]["skipped:html_too_large"] == 1


SHARD_LIMIT_MB = 300
STREAM = """
import json
from collections import Counter
from omniweave.io.inputs import expand_inputs
from omniweave.readers import read_input
counts = Counter()
[inp] = expand_inputs([{path!r}])
docs = sum(1 for _ in read_input(inp, counts, max_html_bytes=5_000_000))  # each document let go in turn
print(json.dumps({{"docs": docs, "counts": counts}}))
"""


def test_a_shard_of_100_mb_of_text_is_read_a_few_rows_at_a_time(shared_data, tmp_path):
    """A later pass reads its shards a few rows at a time: 1,024 documents of ~100 KB of real page text
    (100 MB) peak at ~190 MB (imports ~100 MB), not at ~420 MB as when read 1,024 rows at a time."""
    import fsspec

    from omniweave.document import Document, TextNode
    from omniweave.io.output import ShardWriter
    from omniweave.layout import SCHEMA, document_to_row

    pages = [gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
             for p in sorted((shared_data / "html" / "wcxb-dev" / "html").glob("*.html.gz"))[:64]]
    text = "\n".join(pages)
    assert len(text) > 1_000_000
    writer = ShardWriter(fsspec.filesystem("file"), str(tmp_path), "shard", SCHEMA, compression="zstd")
    for i in range(1024):
        start = (i * 7919) % max(len(text) - 100_000, 1)
        writer.write(document_to_row(Document(id=f"doc-{i}", nodes=[TextNode(text[start:start + 100_000], "paragraph")])))
    [path] = writer.commit()
    rss, out = peak_rss_mb(STREAM.format(path=path), env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    result = json.loads(out.strip().splitlines()[0])
    assert rss < SHARD_LIMIT_MB, f"peak RSS {rss:.0f} MB"
    assert result["docs"] == 1024 and result["counts"]["document_rows"] == 1024
