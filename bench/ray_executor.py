"""Ray executor overhead against the local executor, on the same packed corpus and recipe.

Packs the real pages of ../shared/data/html into WARC shards, then runs one recipe (extraction,
a filter and exact dedup: two passes with a reduce) with the local executor and with the Ray
executor on a local Ray instance, each with 1 and 2 workers. Ray start-up is timed apart.

    python bench/ray_executor.py [--copies 1] [--shards 8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from corpus import SHARED, pack_warc_shards, source_pages


def run(paths: list[Path], out: Path, kind: str, workers: int) -> tuple[int, float]:
    from omniweave.pipeline.recipe import parse_recipe
    from omniweave.run import run_recipe

    recipe = parse_recipe({
        "input": {"paths": [str(p) for p in paths]},
        "output": {"dir": str(out)},
        "steps": [{"text_length": {"min_chars": 50}}, "exact_dedup"],
        "executor": {"kind": kind, "workers": workers},
    })
    started = time.perf_counter()
    summary = run_recipe(recipe, progress=False)
    assert summary.ok, summary.failed
    return summary.stats["funnel"][0]["in"], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--shards", type=int, default=8)
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"shared data not found at {SHARED}")
    import ray

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        paths = pack_warc_shards(tmp_path, source_pages(), args.copies, args.shards)
        print(f"{'executor':<10}{'workers':>8}{'docs':>7}{'s':>8}{'docs/s':>9}{'vs local':>10}")
        local_rate = {}
        for workers in (1, 2):
            n, seconds = run(paths, tmp_path / f"local-{workers}", "local", workers)
            local_rate[workers] = n / seconds
            print(f"{'local':<10}{workers:>8}{n:>7}{seconds:>8.2f}{n / seconds:>9.1f}{1.0:>10.2f}")
        for workers in (1, 2):
            started = time.perf_counter()
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
            startup = time.perf_counter() - started
            n, seconds = run(paths, tmp_path / f"ray-{workers}", "ray", workers)
            ray.shutdown()
            print(f"{'ray':<10}{workers:>8}{n:>7}{seconds:>8.2f}{n / seconds:>9.1f}{n / seconds / local_rate[workers]:>10.2f}"
                  f"   (+ {startup:.1f} s to start Ray)")


if __name__ == "__main__":
    main()
