"""Train the extractor's block model (:mod:`omniweave.extract.learned`: which text blocks of the
chosen content to keep) on the shared labelled pages, with k-fold cross-validation by site.

    python tools/train_blocks.py [--folds 5] [--ship] [--limit N]

Each page is extracted once by the rules; every text block the walk saw (kept or pruned by the
rules, which is one of its features) is labelled content when its words
appear in the ground truth in that order (or 70% of them appear at all), boilerplate otherwise; on
trafilatura-eval pages (snippets only) a block holding a `with` snippet is content, one holding a
`without` snippet boilerplate, the rest unlabelled. A logistic model (weighted by block length:
F1 counts words) is trained on the other folds, its drop threshold chosen to maximise the training
pages' mean F1, and the out-of-fold pages' F1 with and without the model is printed per suite and
WCXB page type ("rules": the rules' blocks; "labels' keep": the labels' choice, an upper bound).
Fold models go to bench/.cache/cv-blocks (the bench uses them); ``--ship`` trains on
every page and writes src/omniweave/extract/data/block_model.npz.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import extraction  # noqa: E402

from omniweave.extract import ExtractionRefused, extract_html, learned  # noqa: E402

SUITES = ("wcxb", "trafilatura-eval", "readability", "chinese", "webmainbench")
CACHE = REPO / "bench" / ".cache"
L2, STEPS, RATE = 1e-3, 400, 0.05
PRUNED = learned.BLOCK_FEATURES.index("pruned")
THRESHOLDS = np.linspace(-3.0, 1.0, 9)


def _norm(text: str) -> str:
    return " " + " ".join(extraction.tokens(text)) + " "


def label(case: extraction.Case, text: str, truth_norm: str, truth_bag: Counter[str]) -> int:
    """1 content, 0 boilerplate, -1 unknown."""
    if case.text is not None:
        words = extraction.tokens(text)
        if not words:
            return -1
        if _norm(text) in truth_norm:
            return 1
        common = sum((Counter(words) & truth_bag).values())
        return int(len(words) >= 5 and common >= 0.7 * len(words))
    flat = " ".join(text.lower().split())
    if any(" ".join(s.lower().split()) in flat for s in case.with_):
        return 1
    if any(" ".join(s.lower().split()) in flat for s in case.without):
        return 0
    return -1


def page_blocks(case: extraction.Case) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    seen: list[tuple[list, np.ndarray]] = []
    learned.set_block_recorder(lambda texts, x: seen.append(([t.text for t in texts], x)))
    try:
        extract_html(case.html, url=case.url)
    except ExtractionRefused:
        return None
    finally:
        learned.set_block_recorder(None)
    if not seen:
        return None
    texts, x = seen[-1]
    truth_norm = _norm(case.text) if case.text is not None else ""
    bag = Counter(extraction.tokens(case.text)) if case.text is not None else Counter()
    y = np.array([label(case, t, truth_norm, bag) for t in texts])
    return x, y, texts


def fit(pages: list[tuple[np.ndarray, np.ndarray, list[str]]]) -> learned.LinearModel:
    x = np.vstack([p[0] for p in pages])
    y = np.concatenate([p[1] for p in pages])
    known = y >= 0
    x, y = x[known], y[known].astype(float)
    weight = x[:, learned.BLOCK_FEATURES.index("log_chars")]  # words count: long blocks weigh more
    mean, scale = x.mean(axis=0), x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w = np.zeros(len(mean))
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, STEPS + 1):
        p = 1 / (1 + np.exp(-(z @ w)))
        grad = z.T @ (weight * (y - p)) / weight.sum() - 2 * L2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w += RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return learned.LinearModel(mean, scale, w)


def page_f1(case: extraction.Case, texts: list[str], keep: np.ndarray) -> float:
    tally = extraction.Tally()
    extraction.score(case, [("text", t) for t, k in zip(texts, keep) if k], tally)
    if case.text is not None:
        return tally.f1
    tp, fp, fn = tally.snip["tp"], tally.snip["fp"], tally.snip["fn"]
    return 2 * tp / max(1, 2 * tp + fp + fn) if tp + fp + fn else 1.0


def kept(model: learned.LinearModel, x: np.ndarray, threshold: float) -> np.ndarray:
    keep = model.scores(x) >= threshold
    return keep if keep.any() and len(keep) >= 2 else x[:, PRUNED] == 0


def choose_threshold(model: learned.LinearModel, pages: list, cases: list) -> float:
    best = max(THRESHOLDS, key=lambda t: sum(page_f1(c, p[2], kept(model, p[0], t)) for c, p in zip(cases, pages)))
    return float(best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--ship", action="store_true")
    parser.add_argument("--table", type=Path, default=CACHE / "blocks.pickle")
    args = parser.parse_args()
    learned.set_model(None)
    learned.set_block_model(None)
    cases = [c for suite in SUITES for c in extraction.load_suite(extraction.DATA, suite, args.limit)]
    table: dict[str, object] = {}
    if args.table.exists():
        table = pickle.loads(args.table.read_bytes())
        if table.get("features") != learned.BLOCK_FEATURES:
            table = {}
    table["features"] = learned.BLOCK_FEATURES
    for case in cases:
        key = f"{case.suite}/{case.name}"
        if key not in table:
            table[key] = page_blocks(case)
    args.table.parent.mkdir(parents=True, exist_ok=True)
    args.table.write_bytes(pickle.dumps(table))
    pairs = [(c, table[f"{c.suite}/{c.name}"]) for c in cases if table[f"{c.suite}/{c.name}"] is not None]
    report: dict[str, Counter[str]] = {}
    for fold in range(args.folds):
        train = [(c, p) for c, p in pairs if c.fold(args.folds) != fold]
        model = fit([p for _, p in train])
        model.threshold = choose_threshold(model, [p for _, p in train], [c for c, _ in train])
        model.save(CACHE / "cv-blocks" / f"fold-{fold}-of-{args.folds}.npz", learned.BLOCK_FEATURES)
        for case, (x, y, texts) in pairs:
            if case.fold(args.folds) != fold:
                continue
            keep = kept(model, x, model.threshold)
            for name in (case.suite, f"{case.suite}/{case.page_type}" if case.page_type else None):
                if name:
                    t = report.setdefault(name, Counter())
                    t["pages"] += 1
                    t["rules"] += page_f1(case, texts, x[:, PRUNED] == 0)
                    t["model"] += page_f1(case, texts, keep)
                    t["oracle"] += page_f1(case, texts, y != 0)
        print(f"fold {fold}: threshold {model.threshold:+.2f}", flush=True)
    print("\nout-of-fold mean page F1 (snippet F1 per page on trafilatura-eval):")
    print("| suite (/ WCXB page type) | pages | rules | model | labels' keep |")
    for name, t in sorted(report.items()):
        n = t["pages"]
        print(f"| {name:24} | {n:5} | {t['rules'] / n:.3f} | {t['model'] / n:.3f} | {t['oracle'] / n:.3f}        |")
    if args.ship:
        model = fit([p for _, p in pairs])
        model.threshold = choose_threshold(model, [p for _, p in pairs], [c for c, _ in pairs])
        model.save(learned.BLOCK_MODEL_PATH, learned.BLOCK_FEATURES)
        print(f"shipped: threshold {model.threshold:+.2f}; "
              + ", ".join(f"{n}={w:+.2f}" for n, w in zip(learned.BLOCK_FEATURES, model.weights)))


if __name__ == "__main__":
    main()
