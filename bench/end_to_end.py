"""End-to-end throughput: WARC -> extraction -> Parquet, on a crawl packed from ../shared/data/html.

Packs every page with a source HTML file under ../shared/data/html into one gzipped WARC (repeated
``--copies`` times under distinct URLs), then runs the omniweave pipeline on it with 1 and 2 worker
processes, and, side by side on the same WARC, a reference pipeline built from peers (FastWARC +
trafilatura with images on + pyarrow). Prints docs/s and MB/s per core and peak RSS.

    python bench/end_to_end.py [--copies 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from corpus import SHARED, pack_warc_shards, source_pages

def peak_rss_mib() -> tuple[float, float]:
    """(this process, largest child) peak resident set size in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def run_omniweave(inputs: list[Path], out: Path, workers: int) -> tuple[int, float]:
    from omniweave.pipeline.recipe import parse_recipe
    from omniweave.pipeline.runner import run_recipe

    recipe = parse_recipe({
        "input": {"paths": [str(p) for p in inputs]},
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
        shards = 8
        paths = pack_warc_shards(tmp_path, pages, args.copies, shards)
        total = len(pages) * args.copies
        warc_bytes = sum(p.stat().st_size for p in paths)
        html_bytes = sum(len(p) for p in pages) * args.copies
        print(f"corpus: {total} pages ({html_bytes / 2**20:.1f} MiB of HTML, {warc_bytes / 2**20:.1f} MiB gzipped WARC) "
              f"in {shards} WARC shards, from {len(pages)} real pages x {args.copies}; cores on this machine: {os.cpu_count()}")
        print(f"{'pipeline':<44}{'workers':>8}{'docs':>7}{'s':>8}{'docs/s':>9}{'docs/s/core':>13}{'MB/s/core':>11}")
        results = {}
        for workers in (1, 2):
            n, seconds = run_omniweave(paths, tmp_path / f"out-{workers}", workers)
            results[workers] = n / seconds
            print(f"{'omniweave (extract + filter + Parquet)':<44}{workers:>8}{n:>7}{seconds:>8.2f}{n / seconds:>9.1f}"
                  f"{n / seconds / workers:>13.1f}{html_bytes / 2**20 / seconds / workers:>11.2f}")
        own, children = peak_rss_mib()
        if not args.no_peer:
            combined = tmp_path / "all.warc.gz"
            combined.write_bytes(b"".join(p.read_bytes() for p in paths))
            n, seconds = run_peer(combined, tmp_path / "peer.parquet")
            print(f"{'peer: FastWARC + trafilatura + pyarrow':<44}{1:>8}{n:>7}{seconds:>8.2f}{n / seconds:>9.1f}"
                  f"{n / seconds:>13.1f}{html_bytes / 2**20 / seconds:>11.2f}")
            print(f"omniweave / peer, one core: {results[1] / (n / seconds):.1f}x")
        print(f"peak RSS: driver {own:.0f} MiB, largest worker {children:.0f} MiB (1-worker runs execute in the driver)")


if __name__ == "__main__":
    main()
