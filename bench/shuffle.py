"""The keyed clustering's reduce as tasks and partitions grow: CPU per document and files written.

Writes the map output of N synthetic documents spread over T tasks with the real
:class:`omniweave.dedup.cluster.KeyWriter` (18 MinHash-like band keys per document, or one key for
``--keys 1``, as URL and exact dedup; ``--dup-share`` of the documents are twins of an earlier one,
sharing ``--shared`` of its band keys), then runs :func:`omniweave.dedup.cluster.reduce_clusters`
in this process (pieces one after the other), and prints per layout the CPU seconds of the map
writes and of the reduce, the files they left (map) or wrote (rounds), the peak RSS and the
clusters found. The layouts are the bench's ``--layouts`` (tasks x partitions), by default the same
N documents as 40 x 16 and as 400 x 160: tasks x partitions grows 100x while the documents stay.

``--baseline REV`` runs the same layouts, interleaved, on a git worktree of revision REV (made
under the system's temporary folder and removed at the end), so the two codes meet the same load.

    python bench/shuffle.py --docs 200000 [--baseline 16e386d]

The last line is one JSON object: per code ("this", and "baseline" when asked) and layout, the
reduce's CPU us per document, the files and the clusters.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


def one_layout(docs: int, tasks: int, partitions: int, keys: int, dup_share: float, shared: float) -> dict:
    """Map then reduce in this process (run with the code under test on the path)."""
    import numpy as np

    from omniweave.dedup.cluster import KeyWriter, reduce_clusters
    from omniweave.io.output import filesystem

    rng = np.random.default_rng(7)
    keys_of = rng.integers(1, 2**63, size=(docs, keys), dtype=np.uint64)
    twins = np.flatnonzero(rng.random(docs) < dup_share)
    twins = twins[twins > 0]
    originals = (rng.random(twins.size) * twins).astype(np.int64)
    same = rng.random((twins.size, keys)) < shared
    same[:, 0] = True  # every twin shares at least one key with its original
    keys_of[twins] = np.where(same, keys_of[originals], keys_of[twins])
    date = datetime(2024, 1, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        fs, root = filesystem(tmp)
        start = time.process_time()
        per_task = -(-docs // tasks)
        for t in range(tasks):
            writer = KeyWriter(fs, f"{root}/map", f"task-{t:05d}", partitions)
            for d in range(t * per_task, min(docs, (t + 1) * per_task)):
                writer.add(f"doc-{d:09d}", date, 100, keys_of[d])
            writer.close()
        map_s = time.process_time() - start
        map_files = count_files(Path(tmp) / "map")
        written: list[int] = []
        counting = 0.0

        def serial(fn, items):  # the pieces one after the other, counting the files each round leaves
            nonlocal counting
            out = [fn(x) for x in items]
            before = time.process_time()
            written.append(count_files(Path(tmp) / "reduce"))
            counting += time.process_time() - before
            return out

        start = time.process_time()
        found = reduce_clusters(fs, f"{root}/map", f"{root}/reduce", partitions=partitions, keep="newest", mapper=serial)
        reduce_s = time.process_time() - start - counting
    return {"tasks": tasks, "partitions": partitions, "map_cpu_s": round(map_s, 2), "map_files": map_files,
            "reduce_cpu_s": round(reduce_s, 2), "reduce_us_per_doc": round(1e6 * reduce_s / docs, 2),
            "most_reduce_files": max(written, default=0), "clusters": found["clusters"],
            "duplicates": found["duplicates"], "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def run_code(src: Path, args: argparse.Namespace, tasks: int, partitions: int) -> dict:
    """One layout in a fresh process with ``src`` first on the path."""
    call = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); from shuffle import one_layout; "
            f"print(json.dumps(one_layout({args.docs}, {tasks}, {partitions}, {args.keys}, {args.dup_share}, {args.shared})))")
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", call], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def baseline_tree(rev: str) -> Path:
    tree = Path(tempfile.gettempdir()) / f"omniweave-shuffle-{rev}"
    if not tree.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev], check=True,
                       capture_output=True)
    return tree


def remove_tree(tree: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False,
                   capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--layouts", default="40x16,400x160", help="tasks x partitions, comma-separated")
    parser.add_argument("--keys", type=int, default=18, help="keys per document (18: MinHash bands; 1: URL/exact)")
    parser.add_argument("--dup-share", type=float, default=0.05)
    parser.add_argument("--shared", type=float, default=0.3, help="share of an original's keys a twin keeps")
    parser.add_argument("--baseline", help="also run this git revision, interleaved")
    args = parser.parse_args()
    codes = {"this": ROOT / "src"}
    tree = baseline_tree(args.baseline) if args.baseline else None
    if tree:
        codes["baseline"] = tree / "src"
    results: dict[str, dict[str, dict]] = {name: {} for name in codes}
    try:
        for layout in args.layouts.split(","):
            tasks, partitions = (int(x) for x in layout.split("x"))
            for name, src in codes.items():
                r = run_code(src, args, tasks, partitions)
                results[name][layout] = r
                print(f"{name:9s} {tasks:5d} tasks x {partitions:4d} partitions: map {r['map_cpu_s']:7.1f} s CPU, "
                      f"{r['map_files']:6d} files; reduce {r['reduce_cpu_s']:7.1f} s CPU "
                      f"({r['reduce_us_per_doc']:6.1f} us/doc), up to {r['most_reduce_files']:6d} files; "
                      f"{r['clusters']} clusters, {r['duplicates']} duplicates; {r['peak_rss_mb']} MB", flush=True)
    finally:
        if tree:
            remove_tree(tree)
    print(json.dumps({name: {layout: {k: r[k] for k in ("reduce_us_per_doc", "map_files", "most_reduce_files",
                                                        "clusters", "duplicates")}
                             for layout, r in by_layout.items()} for name, by_layout in results.items()}))


if __name__ == "__main__":
    main()
