"""A/B of the extractor against a git revision: CPU ms per page and pages whose output changed.

    python bench/extraction_ab.py --base REV [--reps 3] [--suite NAME ...]

The extractor package (``src/omniweave/extract``) at ``REV`` is loaded beside the working tree's
one; every page of the suites is extracted by both in turn, ``--reps`` times, in one process pinned
to one core, and the best time of each counts (interleaving keeps drift of a shared machine out of
the comparison). Label caches are emptied before every call, so each page is timed as unseen. Only
the extractor package comes from ``REV`` (document model and decoding are the working tree's). A
speed-only change should print "0 pages differ".
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
    """The extractor package as it was at ``rev``, importable as ``base_extract``."""
    names = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", f"{rev}:{PACKAGE}"],
                           check=True, capture_output=True, text=True).stdout.split()
    package = into / "base_extract"
    package.mkdir()
    for name in names:
        source = subprocess.run(["git", "-C", str(REPO), "show", f"{rev}:{PACKAGE}/{name}"],
                                check=True, capture_output=True, text=True).stdout
        (package / name).write_text(source.replace("omniweave.extract", "base_extract"))
    sys.path.insert(0, str(into))
    return importlib.import_module("base_extract")


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
        pages = differ = 0
        for suite in args.suite or list(extraction.SUITES):
            cases = extraction.load_suite(extraction.DATA, suite)
            if not cases:
                continue
            time_a = time_b = 0.0
            for case in cases:
                best = [float("inf"), float("inf")]
                outputs: list[list[str]] = [[], []]
                for _ in range(args.reps):
                    for side, module in enumerate((base, current)):
                        forget[side]()
                        start = time.process_time()
                        doc = module.extract_html(case.html, url=case.url)  # type: ignore[attr-defined]
                        best[side] = min(best[side], time.process_time() - start)
                        outputs[side] = [repr(node) for node in doc.nodes]
                time_a, time_b = time_a + best[0], time_b + best[1]
                differ += outputs[0] != outputs[1]
            n = len(cases)
            pages, total_a, total_b = pages + n, total_a + time_a, total_b + time_b
            print(f"{suite:18} {n:4} pages  base {time_a / n * 1000:6.3f}  new {time_b / n * 1000:6.3f} ms/page"
                  f"  ({(time_b - time_a) / time_a * 100:+.1f}%)")
        print(f"{'all':18} {pages:4} pages  base {total_a / pages * 1000:6.3f}  new {total_b / pages * 1000:6.3f} ms/page"
              f"  ({(total_b - total_a) / total_a * 100:+.1f}%)  {differ} pages differ")


if __name__ == "__main__":
    main()
