"""CPU of the ``omnicorpus_paragraphs`` step alone, against a previous revision, on the documents
that reach it in the English and Chinese presets (the step is the largest text stage of both).

Each tree (this one, and ``--baseline REV`` exported and built as installed: bench/trees.py) runs in its own process:
it reads the WARC, runs the preset's steps before ``omnicorpus_paragraphs`` (language ID,
normalisation), keeps those documents, then times the step's ``run`` (as the pipeline runs it) over
fresh copies of them ``--reps`` times (the best process CPU time counts: the first pass also pays
one-time set-up such as the segmenter's dictionary), with the pipeline's heap and collector settings
(``steady_heap``) and, each pass, no segmented texts kept from the one before (``forget_segmented``;
a tree without either runs without). The runs alternate between the trees, ``--rounds`` times. The paragraphs
removed per rule, the merges and rounds, and a digest of every document's remaining nodes must be
the same for both trees; every difference is printed.

    python bench/paragraph_rules.py [--baseline 1cf18be] [--warc FILE] [--pages 800] [--reps 3] [--rounds 2]

English: the pages ``bench/end_to_end.py`` packs (or ``--warc FILE``); Chinese: the
chinese-web-content-extraction pages x 10. Last line: one JSON object of the best CPU seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from corpus import SHARED, pack_warc
from end_to_end import unseen_pages
from trees import built_revision

REPO = Path(__file__).resolve().parents[1]

WORKER = r"""
import hashlib, json, sys, time
from collections import Counter
from omniweave.document import Document, TextNode
from omniweave.io.inputs import expand_inputs
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.recipe import parse_recipe
from omniweave.pipeline.rundir import RunDir
from omniweave.readers import read_input

warc, preset, out, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
recipe = parse_recipe({"input": {"paths": [warc]}, "output": {"dir": out}, "steps": [{"preset": preset}]})
ctx = TaskContext(task_id="t", pass_index=0, run=RunDir(out))
steps = recipe.build_steps()
at = next(i for i, s in enumerate(steps) if s.name == "omnicorpus_paragraphs")
docs = (d for inp in expand_inputs([warc])
        for d in read_input(inp, Counter(), max_html_bytes=recipe.input.max_html_bytes))
for step in steps[:at + 1]:
    step.setup(ctx)
for step in steps[:at]:
    docs = step.run(docs, ctx)
kept = [(d.id, d.language, [(n.text, n.kind) if isinstance(n, TextNode) else n for n in d.nodes]) for d in docs]
try:
    from omniweave.pipeline.no_pandas import steady_heap
    steady_heap()  # as a pipeline task runs
except ImportError:
    pass
try:
    from omniweave.text.words import forget_segmented
except ImportError:
    forget_segmented = lambda: None  # noqa: E731
step, best = steps[at], None
for rep in range(reps):
    forget_segmented()
    fresh = [Document(id=i, language=lang, nodes=[TextNode(*n) if isinstance(n, tuple) else n for n in nodes])
             for i, lang, nodes in kept]
    run_ctx = TaskContext(task_id=f"r{rep}", pass_index=0, run=RunDir(out))
    start = time.process_time()
    for _ in step.run(fresh, run_ctx):  # as the pipeline runs it (documents left empty are dropped)
        pass
    cpu = time.process_time() - start
    best = cpu if best is None else min(best, cpu)
counts = run_ctx.stats[step.label]
removed = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("removed_paragraphs:")}
events = {k: v for k, v in counts.items() if not k.startswith("removed_paragraphs:")}
digest = hashlib.sha256()
for d in fresh:
    digest.update(repr((d.id, [(getattr(n, "text", None), getattr(n, "kind", None)) for n in d.nodes])).encode())
print(json.dumps({"docs": len(kept), "cpu_s": best, "removed": removed, "events": events, "digest": digest.hexdigest()}))
"""


def run_tree(src: Path, warc: Path, preset: str, out: Path, reps: int) -> dict:
    done = subprocess.run([sys.executable, "-c", WORKER, str(warc), preset, str(out), str(reps)],
                          env={**os.environ, "PYTHONPATH": str(src)}, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{src} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def differences(new: dict, old: dict) -> list[str]:
    out = [f"{kind} {key}: {old[kind].get(key, 0)} -> {new[kind].get(key, 0)}"
           for kind in ("removed", "events") for key in sorted(set(new[kind]) | set(old[kind]))
           if new[kind].get(key, 0) != old[kind].get(key, 0)]
    return out + (["remaining nodes differ (digest)"] if new["digest"] != old["digest"] else [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git revision compared against")
    parser.add_argument("--warc", type=Path, help="English side: this WARC instead of one packed from ../shared/data/html")
    parser.add_argument("--pages", type=int, default=800, help="real pages packed into the English WARC")
    parser.add_argument("--reps", type=int, default=3, help="timed passes per process (the best counts)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs of each tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        en = args.warc or tmp / "en.warc.gz"
        if args.warc is None:
            pack_warc(en, unseen_pages(args.pages), 1)
        zh = tmp / "zh.warc.gz"
        pack_warc(zh, [p.read_bytes() for p in sorted(SHARED.glob("chinese-web-content-extraction/original/*.html"))], 10)
        trees = {"this tree": REPO / "src", args.baseline: built_revision(args.baseline)}
        best: dict[tuple[str, str], dict] = {}
        for r in range(args.rounds):
            for preset, warc in (("omnicorpus-en", en), ("omnicorpus-zh", zh)):
                for name, src in trees.items():
                    got = run_tree(src, warc, preset, tmp / f"out-{r}-{preset}-{len(best)}", args.reps)
                    print(f"{preset:<15}{name:<14}{got['docs']:>6} docs  {got['cpu_s']:7.3f} CPU s", flush=True)
                    key = (preset, name)
                    if key not in best or got["cpu_s"] < best[key]["cpu_s"]:
                        best[key] = got
        figures = {}
        for preset in ("omnicorpus-en", "omnicorpus-zh"):
            new, old = best[(preset, "this tree")], best[(preset, args.baseline)]
            diff = differences(new, old)
            print(f"{preset}: {old['cpu_s']:.3f} -> {new['cpu_s']:.3f} CPU s ({old['cpu_s'] / new['cpu_s']:.2f}x); "
                  + ("same decisions" if not diff else f"{len(diff)} differences:"))
            for line in diff:
                print("    " + line)
            lang = preset.rsplit("-", 1)[1]
            figures.update({f"{lang}_step_cpu_s": round(new["cpu_s"], 3), f"{lang}_baseline_cpu_s": round(old["cpu_s"], 3)})
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
