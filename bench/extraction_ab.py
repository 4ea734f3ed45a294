"""A/B of the extractor against a git revision: CPU ms per page and pages whose output changed.

    python bench/extraction_ab.py --base REV [--reps 3] [--suite NAME ...]

Both sides run as a user's install has them: ``REV``'s ``src`` is exported and built with its own
``setup.py`` (its compiled modules; pure Python for a revision without one), cached per commit under
bench/.cache/trees, and the working tree runs as it stands (a warning names any listed module whose
``.so`` is missing or older than its ``.py``); each side's compiled modules are printed. Each side
extracts in its own process (its whole package from its tree), both pinned to one core; after one
warm-up page each (models load on first use), every page of the suites is extracted by both in turn,
``--reps`` times, either side first as often, and the best time of each counts (interleaving keeps
drift of a shared machine out of the comparison). Label caches are emptied before every call, so
each page is timed as unseen. A page refused (nested too deeply) compares by its reason. A
speed-only change should print "0 pages differ".
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
from pathlib import Path

import extraction
from trees import REPO, built_revision, compiled_modules, describe, out_of_date

SIDE = r"""
import os, pickle, sys, time
from importlib.machinery import EXTENSION_SUFFIXES
import omniweave.extract as extractor
from omniweave.extract import clean

# clear_label_cache empties every label cache; revisions older than it have only _HINTS
forget = getattr(clean, "clear_label_cache", None) or clean._HINTS.clear
answers, requests = os.fdopen(os.dup(1), "wb"), sys.stdin.buffer
os.dup2(2, 1)  # a stray print must not enter the answers
loaded = sorted(name for name, module in sys.modules.items() if name.startswith("omniweave.")
                and (getattr(module, "__file__", None) or "").endswith(tuple(EXTENSION_SUFFIXES)))
pickle.dump(loaded, answers)
answers.flush()
while True:
    try:
        html, url = pickle.load(requests)
    except EOFError:
        break
    forget()
    start = time.process_time()
    try:
        nodes = [repr(node) for node in extractor.extract_html(html, url=url).nodes]
    except extractor.ExtractionRefused as refused:
        nodes = [f"refused: {refused.reason}"]
    pickle.dump((time.process_time() - start, nodes), answers)
    answers.flush()
"""


class Side:
    """One tree's extractor in its own process: CPU seconds of one extraction and its nodes (a
    refused page: its reason)."""

    def __init__(self, src: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", SIDE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     env={**os.environ, "PYTHONPATH": str(src)})
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.requests, self.answers = self.proc.stdin, self.proc.stdout
        self.loaded: list[str] = pickle.load(self.answers)  # its compiled modules the extractor imported

    def extract(self, case: extraction.Case) -> tuple[float, list[str]]:
        pickle.dump((case.html, case.url), self.requests)
        self.requests.flush()
        return pickle.load(self.answers)

    def close(self) -> None:
        self.requests.close()
        self.proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="git revision to compare with")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--suite", action="append", choices=sorted(extraction.SUITES))
    args = parser.parse_args()
    print(f"# extractor A/B: {args.base} vs working tree, {extraction.pin_one_core()}, best of {args.reps}")
    base_src, new_src = built_revision(args.base), REPO / "src"
    for problem in out_of_date(new_src):
        print(f"WARNING: working tree module {problem}: rebuild with `python setup.py build_ext --inplace`")
    sides = (Side(base_src), Side(new_src))  # after pinning: each side runs on the same core
    try:
        for label, src, side in ((f"base {args.base}", base_src, sides[0]), ("working tree", new_src, sides[1])):
            print(describe(f"# {label}", compiled_modules(src)) + f" (the extractor imports {len(side.loaded)})")
        total_a = total_b = 0.0
        pages = differ = refused = 0
        for suite in args.suite or list(extraction.SUITES):
            cases = extraction.load_suite(extraction.DATA, suite)
            if not cases:
                continue
            for side in sides:  # warm up: models load on first use
                side.extract(cases[0])
            time_a = time_b = 0.0
            for case in cases:
                best = [float("inf"), float("inf")]
                outputs: list[list[str]] = [[], []]
                for rep in range(args.reps):
                    for side in ((0, 1) if rep % 2 == 0 else (1, 0)):  # either side goes first as often
                        seconds, outputs[side] = sides[side].extract(case)
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
    finally:
        for side in sides:
            side.close()


if __name__ == "__main__":
    main()
