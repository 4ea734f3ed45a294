"""A benchmark corpus packed from the real pages in ../shared/data/html (shared by the bench scripts)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "html"


def source_pages() -> list[bytes]:
    """Raw bytes of every page in the shared HTML suites."""
    pages = [p.read_bytes() for p in sorted(SHARED.glob("readability-test-pages/*/source.html"))]
    pages += [p.read_bytes() for p in sorted(SHARED.glob("goose3/*/*.html"))]
    pages += [p.read_bytes() for p in sorted(SHARED.glob("chinese-web-content-extraction/original/*.html"))]
    for folder in ("wcxb-dev-subset/html", "trafilatura-eval-subset/html"):
        pages += [gzip.decompress(p.read_bytes()) for p in sorted((SHARED / folder).glob("*.html.gz"))]
    return pages


def pack_warc(path: Path, pages: list[bytes], copies: int, prefix: str = "") -> int:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        n = 0
        for copy in range(copies):
            for i, body in enumerate(pages):
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                rec = writer.create_warc_record(f"http://bench.test/{prefix}{copy}/{i}.html", "response",
                                                payload=io.BytesIO(body), http_headers=http)
                writer.write_record(rec)
                n += 1
    return n


def pack_warc_shards(folder: Path, pages: list[bytes], copies: int, shards: int) -> list[Path]:
    """Pages dealt round-robin into ``shards`` gzipped WARC files (distinct URLs throughout)."""
    paths = []
    for k in range(shards):
        path = folder / f"shard-{k}.warc.gz"
        pack_warc(path, pages[k::shards], copies, prefix=f"s{k}/")
        paths.append(path)
    return paths
