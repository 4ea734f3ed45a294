"""A/B of the extractor against a git revision: CPU ms per page and pages whose output changed.

    python bench/extraction_ab.py --base REV [--reps 3] [--suite NAME ...]

The extractor package (``src/omniweave/extract``, its model files included) at ``REV`` is loaded
beside the working tree's one; after one warm-up page each (models load on first use), every page of
the suites is extracted by both in turn, ``--reps`` times, either side first as often, in one process
pinned to one core, and the best time of each counts (interleaving keeps drift of a shared machine
out of the comparison). Label caches are emptied before every call, so each page is timed as unseen.
A page refused (nested too deeply) compares by its reason. Only the extractor package comes from
``REV`` (document model and decoding are the working tree's). A speed-only change should print
"0 pages differ".
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import extraction

import omniweave.extract as current

REPO = Path(__file__).resolve().parents[1]
PACKAGE = "src/omniweave/extract"


def load_revision(rev: str, into: Path) -> object:
    """The extractor package as it was at ``rev`` (its model files too), importable as ``base_extract``."""
    names = subprocess.run(["git", "-C", str(REPO), "ls-tree", "-r", "--name-only", f"{rev}:{PACKAGE}"],
                           check=True, capture_output=True, text=True).stdout.split()
    package = into / "base_extract"
    for name in names:
        source = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{PACKAGE}/{name}"],
                                check=True, capture_output=True).stdout
        target = package / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".py"):
            source = source.replace(b"omniweave.extract", b"base_extract")
        target.write_bytes(source)
    sys.path.insert(0, str(into))
    return importlib.import_module("base_extract")


def extract(module: object, case: extraction.Case) -> tuple[float, list[str]]:
    """CPU seconds of one extraction and its nodes (a refused page: its reason)."""
    start = time.process_time()
    try:
        nodes = [repr(node) for node in module.extract_html(case.html, url=case.url).nodes]  # type: ignore[attr-defined]
    except module.ExtractionRefused as refused:  # type: ignore[attr-defined]
        nodes = [f"refused: {refused.reason}"]
    return time.process_time() - start, nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="git revision to compare with")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--suite", action="append", choices=sorted(extraction.SUITES))
    args = parser.parse_args()
    print(f"# extractor A/B: {args.base} vs working tree, {extraction.pin_one_core()}, best of {args.reps}")
    with tempfile.TemporaryDirectory() as tmp:
        base = load_revision(args.base, Path(tmp))
        # clear_label_cache empties every label cache; revisions older than it have only _HINTS
        forget = [
            getattr(clean, "clear_label_cache", None) or clean._HINTS.clear
            for clean in (sys.modules["base_extract.clean"], sys.modules["omniweave.extract.clean"])
        ]
        total_a = total_b = 0.0
        pages = differ = refused = 0
        sides = (base, current)
        for suite in args.suite or list(extraction.SUITES):
            cases = extraction.load_suite(extraction.DATA, suite)
            if not cases:
                continue
            for side, module in enumerate(sides):  # warm up: models load on first use
                forget[side]()
                extract(module, cases[0])
            time_a = time_b = 0.0
            for case in cases:
                best = [float("inf"), float("inf")]
                outputs: list[list[str]] = [[], []]
                for rep in range(args.reps):
                    for side in ((0, 1) if rep % 2 == 0 else (1, 0)):  # either side goes first as often
                        forget[side]()
                        seconds, outputs[side] = extract(sides[side], case)
                        best[side] = min(best[side], seconds)
                time_a, time_b = time_a + best[0], time_b + best[1]
                differ += outputs[0] != outputs[1]
                refused += any(out[:1] and out[0].startswith("refused: ") for out in outputs)
            n = len(cases)
            pages, total_a, total_b = pages + n, total_a + time_a, total_b + time_b
            print(f"{suite:18} {n:4} pages  base {time_a / n * 1000:6.3f}  new {time_b / n * 1000:6.3f} ms/page"
                  f"  ({(time_b - time_a) / time_a * 100:+.1f}%)")
        print(f"{'all':18} {pages:4} pages  base {total_a / pages * 1000:6.3f}  new {total_b / pages * 1000:6.3f} ms/page"
              f"  ({(total_b - total_a) / total_a * 100:+.1f}%)  {differ} pages differ, {refused} refused")


if __name__ == "__main__":
    main()
