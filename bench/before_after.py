"""Before/after: the same recipes over every WARC of ``../shared/data/warc`` with two source trees.

Runs each recipe with ``--before`` and ``--after`` (each a ``src`` folder put first on
``PYTHONPATH``), in the same output folder one after the other (the image store's root is part
of the rows), and compares the corpus rows (as JSON, sorted by id; the random part of image store
shard names left out) and the funnel of ``stats.json``.

    git archive main src | tar -x -C /tmp/main
    python bench/before_after.py --before /tmp/main/src --after src

The last line is one JSON object: per recipe, the documents and whether rows and funnel are identical.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

WARC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "warc"
SHARD_ID = re.compile(r"(p\d{5})-[0-9a-f]{12}")
RECIPES: dict[str, list[dict[str, Any]]] = {
    "images": [{"text_length": {"min_chars": 1}},
               {"images": {"sources": ["warc"], "partitions": 4, "filter": {"min_side": 100}}},
               {"exact_dedup": {}}],
    "images_keep_failed": [{"text_length": {"min_chars": 1}},
                           {"images": {"sources": ["warc"], "partitions": 3, "keep_failed": True, "imageless": "keep",
                                       "dup_distance": 4, "filter": {"min_side": 50, "max_url_doc_count": 2}}},
                           {"exact_dedup": {}}],
    "every_global_step": [{"text_length": {"min_chars": 1}}, {"url_dedup": {}}, {"exact_dedup": {}},
                          {"minhash_dedup": {"partitions": 4}},
                          {"images": {"sources": ["warc"], "imageless": "keep", "filter": {"min_side": 64}}},
                          {"image_dedup": {"max_documents_per_url": 2}}],
}


def run(src: str, steps: list[dict[str, Any]], out: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """Corpus rows (JSON, sorted by id) and funnel of one run of ``steps`` with the tree ``src``."""
    shutil.rmtree(out, ignore_errors=True)
    recipe = out.parent / "recipe.json"
    recipe.write_text(json.dumps({"input": {"paths": [str(WARC)]}, "output": {"dir": str(out)}, "steps": steps,
                                  "executor": {"workers": 2}}))
    proc = subprocess.run([sys.executable, "-m", "omniweave.cli", "run", str(recipe), "--no-progress"],
                          env={**os.environ, "PYTHONPATH": src}, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"run with {src} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    rows = pq.read_table(out / "corpus").sort_by("id").to_pylist() if (out / "corpus").exists() else []
    lines = [SHARD_ID.sub(r"\1", json.dumps(r, sort_keys=True, default=str)) for r in rows]
    return lines, json.loads((out / "stats.json").read_text())["funnel"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", required=True, help="src folder of the tree before")
    parser.add_argument("--after", required=True, help="src folder of the tree after")
    args = parser.parse_args()
    summary = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        for name, steps in RECIPES.items():
            before, funnel_before = run(str(Path(args.before).resolve()), steps, out)
            after, funnel_after = run(str(Path(args.after).resolve()), steps, out)
            same = before == after
            print(f"{name}: {len(before)} / {len(after)} documents; rows identical: {same}; "
                  f"funnel identical: {funnel_before == funnel_after}")
            if not same:
                first = next((i for i, (x, y) in enumerate(zip(before, after)) if x != y), min(len(before), len(after)))
                print(f"  first difference at row {first}:\n  {before[first][:600] if first < len(before) else None}"
                      f"\n  {after[first][:600] if first < len(after) else None}")
            summary[name] = {"documents": len(after), "rows_identical": same,
                             "funnel_identical": funnel_before == funnel_after}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
