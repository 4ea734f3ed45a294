"""Before/after check of a refactor: the same corpus rows, stats and dropped records.

    python tools/compare_runs.py run OUT [--sample-warc FILE]   # the two recipes below into OUT/warcs, OUT/sample
    python tools/compare_runs.py diff A B       # compares two such folders; exit 1 on any difference

The recipes take every global step and every node-removing step that needs no model: the
OmniCorpus normaliser and paragraph rules, boilerplate and paragraph-quality rules, url, exact and
MinHash dedup, domain-repeated paragraphs, image dedup and the images step (bytes from the WARCs),
with ``keep_dropped`` on, over ``../shared/data/warc`` and over the project's sample crawl; a third
takes the images step's other paths (failed images kept, near-duplicate hashes, URL counts). Runs go through the CLI, so the same script serves any
revision (``PYTHONPATH=<tree>/src``); pass the first run's ``sample.warc.gz`` to the second (the
sample crawl is written afresh otherwise, with new record ids). Compared: corpus rows (every
column), dropped documents and removed paragraphs (as sorted rows, the run folder and the random
part of image-store shard names masked), and ``stats.json`` less times and memory.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "warc"
STEPS = """
  - omnicorpus_normalise: {underscore_run: 15}
  - omnicorpus_paragraphs: {max_rounds: 3}
  - boilerplate_paragraphs
  - paragraph_quality: {min_words: 3}
  - text_length: {min_chars: 100}
  - url_dedup
  - exact_dedup
  - minhash_dedup: {threshold: 0.8, partitions: 4}
  - domain_repeated_paragraphs: {min_documents: 2}
  - image_dedup
  - images: {sources: [warc], partitions: 4, filter: {min_side: 100, max_aspect_ratio: 3.0}}
"""
# failed images kept in place, near-duplicate hashes, per-URL document counts: the images step's other paths
KEEP_FAILED = """
  - text_length: {min_chars: 1}
  - images: {sources: [warc], partitions: 3, keep_failed: true, imageless: keep, dup_distance: 4,
             filter: {min_side: 50, max_url_doc_count: 2}}
  - image_dedup: {max_documents_per_url: 2}
"""
SHARD_NAME = re.compile(r"-[0-9a-f]{12}\.tar")
VOLATILE = {"step_seconds", "seconds", "cpu_seconds", "peak_rss_mb", "started", "finished", "wall_seconds"}


def recipe(inputs: str, out: Path, steps: str) -> str:
    return (f"input: {{paths: [{json.dumps(inputs)}]}}\noutput: {{dir: {json.dumps(str(out))}, keep_dropped: true}}\n"
            f"steps:{steps}executor: {{kind: local, workers: 2}}\n")


def run(out: Path, sample_warc: Path | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    spec = {"warcs": (str(SHARED), STEPS), "keep_failed": (str(SHARED), KEEP_FAILED)}
    if sample_warc is None:
        sys.path.insert(0, str(ROOT / "examples"))
        from make_sample_crawl import make_sample_crawl

        sample_warc = make_sample_crawl(out / "sample.warc.gz")
    spec["sample"] = (str(sample_warc), STEPS)
    for name, (inputs, steps) in spec.items():
        path = out / f"{name}.yaml"
        path.write_text(recipe(inputs, out / name, steps), encoding="utf-8")
        subprocess.run([sys.executable, "-m", "omniweave.cli", "run", str(path), "--no-progress"], check=True)


def rows(folder: Path, sub: str) -> list[str]:
    """Every row under ``folder/sub`` as canonical JSON, sorted."""
    files = sorted(folder.glob(f"{sub}/**/*.parquet")) + sorted(folder.glob(f"**/{sub}/*.parquet"))
    files = sorted(set(files))
    if not files:
        return []
    table = ds.dataset([str(f) for f in files], format="parquet").to_table()
    masked = (SHARD_NAME.sub("-*.tar", json.dumps(r, sort_keys=True, default=str)).replace(f"{folder}/", "<run>/")
              for r in table.to_pylist())
    return sorted(masked)


def stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    return value


def diff(a: Path, b: Path) -> int:
    bad = 0
    for name in ("warcs", "keep_failed", "sample"):
        for sub in ("corpus", "dropped", "dropped_paragraphs"):
            ra, rb = rows(a / name, sub), rows(b / name, sub)
            same = ra == rb
            bad += not same
            print(f"{name:7} {sub:19} {len(ra):5} rows vs {len(rb):5}: {'same' if same else 'DIFFERENT'}")
        sa = stable(json.loads((a / name / "stats.json").read_text()))
        sb = stable(json.loads((b / name / "stats.json").read_text()))
        bad += sa != sb
        print(f"{name:7} stats.json (less times, memory): {'same' if sa == sb else 'DIFFERENT'}")
        if sa != sb:
            for step in sorted(set(sa.get("steps", {})) | set(sb.get("steps", {}))):
                x, y = sa["steps"].get(step), sb["steps"].get(step)
                if x != y:
                    print(f"   {step}: {x} != {y}")
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("out", type=Path)
    r.add_argument("--sample-warc", type=Path, help="the sample crawl of an earlier run (default: write one)")
    d = sub.add_parser("diff")
    d.add_argument("a", type=Path)
    d.add_argument("b", type=Path)
    args = ap.parse_args()
    if args.cmd == "run":
        run(args.out, args.sample_warc)
        return 0
    return diff(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
