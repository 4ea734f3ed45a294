"""End-to-end throughput: WARC -> extraction -> Parquet, on a crawl packed from ../shared/data/html.

Packs every page with a source HTML file under ../shared/data/html into one gzipped WARC (repeated
``--copies`` times under distinct URLs), then runs the omniweave pipeline on it with 1 and 2 worker
processes, and, side by side on the same WARC, a reference pipeline built from peers (FastWARC +
trafilatura with images on + pyarrow). Prints docs/s and MB/s per core and peak RSS.

    python bench/end_to_end.py [--copies 2]
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import resource
import sys
import tempfile
import time
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


def pack_warc(path: Path, pages: list[bytes], copies: int) -> int:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        n = 0
        for copy in range(copies):
            for i, body in enumerate(pages):
                http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
                rec = writer.create_warc_record(f"http://bench.test/{copy}/{i}.html", "response",
                                                payload=io.BytesIO(body), http_headers=http)
                writer.write_record(rec)
                n += 1
    return n


def peak_rss_mib() -> tuple[float, float]:
    """(this process, largest child) peak resident set size in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def run_omniweave(warc: Path, out: Path, workers: int, shards: int) -> tuple[int, float]:
    from omniweave.pipeline.recipe import parse_recipe
    from omniweave.pipeline.runner import run_recipe

    inputs = [str(warc.parent / f"shard-{k}.warc.gz") for k in range(shards)]
    recipe = parse_recipe({
        "input": {"paths": inputs},
        "output": {"dir": str(out)},
        "steps": [{"text_length": {"min_chars": 1}}],
        "executor": {"workers": workers},
    })
    started = time.perf_counter()
    summary = run_recipe(recipe, progress=False)
    return summary.stats["funnel"][0]["in"], time.perf_counter() - started


def run_peer(warc: Path, out: Path) -> tuple[int, float]:
    """FastWARC + trafilatura (images on) + pyarrow: what a user would assemble from peers."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import trafilatura
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    started = time.perf_counter()
    rows, n = [], 0
    for rec in ArchiveIterator(str(warc), record_types=WarcRecordType.response, parse_http=True):
        n += 1
        html = rec.reader.read()
        text = trafilatura.extract(html, url=rec.headers.get("WARC-Target-URI"), include_images=True) or ""
        rows.append({"url": rec.headers.get("WARC-Target-URI"), "text": text})
    pq.write_table(pa.Table.from_pylist(rows), out)
    return n, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=2, help="times each page is packed (distinct URLs)")
    parser.add_argument("--no-peer", action="store_true", help="skip the trafilatura reference pipeline")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"shared data not found at {SHARED}")
    pages = source_pages()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        shards = 4
        per_shard = [pages[k::shards] for k in range(shards)]
        total = sum(pack_warc(tmp_path / f"shard-{k}.warc.gz", part, args.copies) for k, part in enumerate(per_shard))
        warc_bytes = sum((tmp_path / f"shard-{k}.warc.gz").stat().st_size for k in range(shards))
        html_bytes = sum(len(p) for p in pages) * args.copies
        print(f"corpus: {total} pages ({html_bytes / 2**20:.1f} MiB of HTML, {warc_bytes / 2**20:.1f} MiB gzipped WARC) "
              f"in {shards} WARC shards, from {len(pages)} real pages x {args.copies}; cores on this machine: {os.cpu_count()}")
        print(f"{'pipeline':<44}{'workers':>8}{'docs':>7}{'s':>8}{'docs/s':>9}{'docs/s/core':>13}{'MB/s/core':>11}")
        results = {}
        for workers in (1, 2):
            n, seconds = run_omniweave(tmp_path / "shard-0.warc.gz", tmp_path / f"out-{workers}", workers, shards)
            results[workers] = n / seconds
            print(f"{'omniweave (extract + filter + Parquet)':<44}{workers:>8}{n:>7}{seconds:>8.2f}{n / seconds:>9.1f}"
                  f"{n / seconds / workers:>13.1f}{html_bytes / 2**20 / seconds / workers:>11.2f}")
        own, children = peak_rss_mib()
        if not args.no_peer:
            combined = tmp_path / "all.warc.gz"
            combined.write_bytes(b"".join((tmp_path / f"shard-{k}.warc.gz").read_bytes() for k in range(shards)))
            n, seconds = run_peer(combined, tmp_path / "peer.parquet")
            print(f"{'peer: FastWARC + trafilatura + pyarrow':<44}{1:>8}{n:>7}{seconds:>8.2f}{n / seconds:>9.1f}"
                  f"{n / seconds:>13.1f}{html_bytes / 2**20 / seconds:>11.2f}")
            print(f"omniweave / peer, one core: {results[1] / (n / seconds):.1f}x")
        print(f"peak RSS: driver {own:.0f} MiB, largest worker {children:.0f} MiB (1-worker runs execute in the driver)")


if __name__ == "__main__":
    main()
