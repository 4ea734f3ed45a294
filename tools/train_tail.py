"""Train the extractor's tail model (:func:`omniweave.extract.learned.trim_tail`: which trailing run of
the kept text blocks to drop) on the shared labelled pages, with k-fold cross-validation by site.

    python tools/train_blocks.py && python tools/train_tail.py [--folds 5] [--ship]

It reads the pages' blocks that tools/train_blocks.py recorded (bench/.cache/blocks.pickle) and takes
as each page's kept blocks what the extractor keeps before the tail step: the rules' blocks, or the
block model's where its gate opens, with the fold models of train_blocks (out of fold) or the shipped
ones (``--ship``). Every cut at a section boundary (drop the last 1 ... ``TAIL_MAX`` kept text blocks,
:func:`learned.tail_boundaries`) is a row of
:data:`learned.TAIL_FEATURES` whose target is whether it raises the page's F1 (weighted by how much
it changes it); a logistic model scores the cuts, and the page's best cut is taken when it scores at
least a threshold, chosen to maximise the sum over suites of the mean page gain, a suite's loss
counting :data:`train_blocks.LOSS_AVERSION` times.

Printed: out-of-fold mean page F1 per suite and WCXB page type before and after the tail step.
Fold models go to bench/.cache/cv-tail (the bench uses them); ``--ship`` trains on every page and
writes src/omniweave/extract/data/tail_model.npz.

Tried and not shipped (issue-27b, on 1d9ed1a + the footer rule; block, gate and tail models retrained
on tables rebuilt both ways): furniture cue words in Spanish, French, Portuguese, Italian, Polish and
Dutch beside the English and German ones (translations of each group, "related" ones such as "lea
también", "à lire aussi", "zobacz także"): out of fold trafilatura-eval .9099 -> .9103 per page, the
bench's held-out pooled snippet F1 .9061 -> .9068, readability .9759 -> .9760, WCXB .8549 both: within
retraining noise, for a cue scan twice as long where the block model's gate opens.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tools"))

import extraction  # noqa: E402
import train_blocks  # noqa: E402

from omniweave.extract import learned  # noqa: E402

CACHE = REPO / "bench" / ".cache"
THRESHOLDS = np.linspace(-2.0, 4.0, 25)


def tail_rows(page: train_blocks.Page, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The page's cuts at section boundaries over its kept blocks: their rows, F1 gains and how many
    blocks each drops (None: too few blocks or no boundary)."""
    kept = np.flatnonzero(keep)
    if len(kept) < learned.TAIL_MIN_BLOCKS:
        return None
    x_tail = learned.tail_features_of_blocks(page.x[kept])
    boundary = learned.tail_boundaries(x_tail)
    if not boundary.any():
        return None
    base = page.f1(keep)
    gains = np.empty(len(x_tail))
    for c in range(1, len(x_tail) + 1):
        cut = keep.copy()
        cut[kept[-c:]] = False
        gains[c - 1] = page.f1(cut) - base
    return x_tail[boundary], gains[boundary], np.flatnonzero(boundary) + 1


def fit_tail(rows: list[tuple[str, np.ndarray, np.ndarray]]) -> learned.LinearModel:
    """The logistic cut scorer and the threshold that maximises the suites' loss-averse mean gain."""
    x = np.vstack([r[1] for r in rows])
    gain = np.concatenate([r[2] for r in rows])
    moved = np.abs(gain) > 1e-9
    model = train_blocks._logistic(x[moved], (gain[moved] > 0).astype(float), np.abs(gain[moved]),
                                   train_blocks.L2, train_blocks.STEPS)
    best = [(r[0], model.scores(r[1]), r[2]) for r in rows]
    suites = sorted({r[0] for r in rows})
    pages = {s: sum(1 for r in rows if r[0] == s) for s in suites}

    def objective(t: float) -> float:
        total = 0.0
        for suite in suites:
            mean = sum(float(g[np.argmax(s)]) for name, s, g in best if name == suite and s.max() >= t) / pages[suite]
            total += mean if mean >= 0 else train_blocks.LOSS_AVERSION * mean
        return total

    values = {float(t): objective(t) for t in THRESHOLDS}
    model.threshold = max(values, key=lambda t: (values[t], t)) if max(values.values()) > 0 else np.inf
    return model


def cut(model: learned.LinearModel, page: train_blocks.Page, keep: np.ndarray) -> np.ndarray:
    """The page's kept blocks after the tail step."""
    found = tail_rows(page, keep)
    if found is None:
        return keep
    scores = model.scores(found[0])
    best = int(np.argmax(scores))
    if scores[best] < model.threshold:
        return keep
    out = keep.copy()
    out[np.flatnonzero(keep)[-int(found[2][best]):]] = False
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--ship", action="store_true")
    parser.add_argument("--table", type=Path, default=CACHE / "blocks.pickle")
    args = parser.parse_args()
    table = pickle.loads(args.table.read_bytes())
    if table.get("features") != learned.BLOCK_FEATURES:
        raise SystemExit(f"{args.table} is from other block features: run tools/train_blocks.py first")
    cases = [c for suite in train_blocks.SUITES for c in extraction.load_suite(extraction.DATA, suite)]
    pages = [train_blocks.Page.build(c, *found) for c in cases if (found := table.get(f"{c.suite}/{c.name}"))]

    def kept(page: train_blocks.Page, block: learned.LinearModel, gate: learned.LinearModel) -> np.ndarray:
        return train_blocks.gated(block, gate, page)

    def rows_of(items: list[train_blocks.Page], block: learned.LinearModel, gate: learned.LinearModel) -> list:
        out = []
        for page in items:
            found = tail_rows(page, kept(page, block, gate))
            if found is not None:
                out.append((page.case.suite, *found[:2]))
        return out

    report: dict[str, list[float]] = {}
    for fold in range(args.folds):
        block = learned.LinearModel.load(CACHE / "cv-blocks" / f"fold-{fold}-of-{args.folds}.npz", learned.BLOCK_FEATURES)
        gate = learned.LinearModel.load(CACHE / "cv-gate" / f"fold-{fold}-of-{args.folds}.npz", learned.GATE_FEATURES)
        train = [p for p in pages if p.case.fold(args.folds) != fold]
        model = fit_tail(rows_of(train, block, gate))
        model.save(CACHE / "cv-tail" / f"fold-{fold}-of-{args.folds}.npz", learned.TAIL_FEATURES)
        print(f"fold {fold}: threshold {model.threshold:+.2f}", flush=True)
        for page in pages:
            if page.case.fold(args.folds) != fold:
                continue
            keep = kept(page, block, gate)
            after = cut(model, page, keep)
            case = page.case
            for name in (case.suite, f"{case.suite}/{case.page_type}" if case.page_type else None):
                if name:
                    t = report.setdefault(name, [0, 0.0, 0.0, 0])
                    t[0] += 1
                    t[1] += page.f1(keep)
                    t[2] += page.f1(after)
                    t[3] += int(not np.array_equal(keep, after))
    print("\nout-of-fold mean page F1 (snippet F1 per page on trafilatura-eval):")
    print("| suite (/ WCXB page type)   | pages | before | tail cut | pages cut |")
    for name, (n, before, after, changed) in sorted(report.items()):
        print(f"| {name:26} | {n:5} | {before / n:.4f} | {after / n:.4f} | {changed:9} |")
    if args.ship:
        block, gate = learned.shipped_block_model(), learned.shipped_gate_model()
        assert block is not None and gate is not None
        model = fit_tail(rows_of(pages, block, gate))
        model.save(learned.TAIL_MODEL_PATH, learned.TAIL_FEATURES)
        print(f"shipped: threshold {model.threshold:+.2f}")


if __name__ == "__main__":
    main()
