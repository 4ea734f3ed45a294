"""Train the extractor's items model (:mod:`omniweave.extract.items`: which link-heavy lists that the
rules' pruning drops are given back as the page's items) on the shared labelled pages, with k-fold
cross-validation by site.

    python tools/train_items.py [--folds 5] [--ship] [--limit N]

Each page is extracted once by the rules, with the extractor's other learned parts (root, block,
gate and tail models) trained without the page's fold, as bench/extraction.py extracts it (their
fold models in bench/.cache, written by tools/train_extractor.py and tools/train_blocks.py): the
lists are learned as the extractor meets them on pages those parts never saw, not as the shipped
parts, trained on these very pages, would leave them. The text blocks the walk saw, those the rules
keep, and each dropped list (the blocks it holds, its row of :data:`items.ITEMS_FEATURES`) are
recorded. A
list's gain is the page's F1 with it given back less the rules' F1 (word F1 against the main text;
snippet F1 per page where only snippets exist, as bench/extraction.py scores). A logistic model is
trained to tell the lists that gain (each weighted by how much it gains or loses), and its threshold
chosen on pages it was not trained on (inner folds by site) to maximise the sum over suites of the
mean page gain, a suite's loss counting ``LOSS_AVERSION`` times its gain (every suite weighs alike:
a threshold that helps listings by hurting articles loses). The model of fold i is trained on the
other folds and written to bench/.cache/cv-items/fold-i-of-k.npz (the bench extracts fold i's pages
with it). Printed: out-of-fold mean page F1 per suite and WCXB page type for the rules, the model,
every list given back, and the best choice of lists one by one (a bound). ``--ship`` also trains on
all pages and writes the shipped model (src/omniweave/extract/data/items_model.npz).

Tried, no gain out of fold (ea03b41; out-of-fold change of the mean page F1 this script prints,
WCXB / listing / collection / readability): as further features of a list's dropped blocks, their
digit share, the share holding a price, the share whose text another member repeats, the share
that is a menu word ("home", "contact", "cart", ...), the share under 25 characters and the log of
their mean words: +.0073 / +.0523 / +.0500 / -.0052 all together against +.0075 / +.0500 / +.0572 /
.0000 without; price alone +.0072, repeats and menu words +.0075 (listing +.0444), short blocks and
words +.0076 (listing +.0458, collection +.0622): what one page type gains another loses. The
best choice of lists one by one would add +.082 on listing and +.086 on collection pages against
the model's +.050 / +.057. A boosted-tree model (LightGBM, 200 trees of 15 leaves, same weights and
threshold choice) on the same features: WCXB +.0081, trafilatura-eval +.0009, but listing +.0482
and readability -.0053.

Member-vs-member features (session 16; WCXB / listing / collection, 5 folds, against +.0075 / +.0500
/ +.0572, lists recorded with the shipped other parts): a list's member count times its share of the
text, kept (``members_by_share``): +.0084 / +.0594 / +.0617, and with 4 and 10 folds +.0087 and
+.0090 against +.0075 and +.0081 (3 folds: +.0072 against +.0075), nothing lost on readability or
trafilatura-eval; recorded with the other parts out of fold (as now) it adds less, WCXB +.0001 to
+.0005 and listing +.0004 to +.0058 with 3, 4, 5 and 10 folds (5: +.0084 / +.0648 / +.0529 against
+.0082 / +.0608 / +.0534). No steady gain: the share of
members with the list's most common sequence of block kinds (+.0084 at 5 folds, +.0078 against
+.0081 at 10; on top of the kept one +.0090 at 5 folds, +.0074 at 10), the log of the number of
lists with the same sequence (+.0073) or their share of the text (+.0079), the spread of the
members' text (+.0082), one-member lists with the same sequence (three or more) merged into one
list (+.0072), the member count times the log of the list's text against the kept (+.0085 at 5
folds, +.0075 at 4); ``LOSS_AVERSION`` 1.5 or 6, ``L2`` 1e-3 or 1e-1, the threshold's objective
smoothed over neighbouring thresholds: within .0008. The forum and product pages have little to
win here: the best lists one by one would add +.006 and +.004.

Data records (session 17, 5 folds unless said; WCXB / listing / collection / trafilatura-eval
against +.0084 / +.0649 / +.0528 / +.0009, lists recorded with the other parts out of fold). On
listings each card's links often form a list of their own (a card's "owner / repo / Star" line,
its row of tags, an entry's authors), so a grid of 30 cards gives 30 small lists. Lists of one
shape (their member count, and per member an all-link line's kind or a container) whose
containers are cousins (the same number of containers, 1 to 3, below one ancestor) were joined
into one list per repeated part: the best lists bound rose (listing +.0866, collection +.0793
against +.0840 / +.0765) but the model fell, +.0074 / +.0607 / +.0414 / +.0013 (cousins 1 level
up: +.0074 / +.0616 / +.0394; 2: +.0074 / +.0609 / +.0407; the bench, 2 levels: held-out listing
.7088 -> .7024, collection .6603 -> .6524, trafilatura-eval .9061 -> .9073). Kept apart, with the
record's figures as features (its lists, its share of the text, its members times that share;
the list's text and members-by-share against the page's largest): +.0086 / +.0665 / +.0539 /
+.0007, with 4 folds +.0086 against +.0081, with 10 folds +.0082 against +.0084: no steady gain.
Lone all-link lines that have cousins as lists too: +.0078 / +.0621 / +.0462. Between such
variants single pages move by .1 to .4 out of fold where their lists did not change (the
threshold and weights shift), so mean differences under ~.002 are noise.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "tools"))

import extraction
from train_blocks import Page, _logistic, cached_table, extracted_recording, training_parser
from train_extractor import TRAIN_SUITES

from omniweave.document import TextNode
from omniweave.extract import items, learned
from omniweave.extract.clean import clear_label_cache

CACHE = REPO / "bench" / ".cache"
L2, STEPS = 1e-2, 400
INNER_FOLDS = 4
LOSS_AVERSION = 3.0  # a suite's mean loss counts this many times its gain
THRESHOLDS = np.linspace(-3.0, 5.0, 33)  # log-odds
UPSTREAM = "out of fold"  # how the other learned parts were set when the table was recorded


@dataclass
class Lists:
    """A page's text blocks as :class:`train_blocks.Page` scores them, the rules' choice, and its
    dropped lists: the blocks each holds (lists x blocks) and their feature rows."""

    page: Page
    kept: np.ndarray
    holds: np.ndarray
    x: np.ndarray

    def f1(self, back: np.ndarray) -> float:
        """The page's F1 with the lists marked in ``back`` given back."""
        return self.page.f1(self.kept | self.holds[back].any(axis=0))

    def gains(self) -> np.ndarray:
        base = self.f1(np.zeros(len(self.x), dtype=bool))
        return np.array([self.f1(np.arange(len(self.x)) == i) - base for i in range(len(self.x))])


def page_lists(case: extraction.Case) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray] | None:
    """The page's text blocks, which the rules keep, which each dropped list holds, and the lists'
    features (None where the page is refused)."""
    seen: list[tuple[list[str], np.ndarray, np.ndarray, np.ndarray]] = []

    def record(blocks, kept, lists, x) -> None:  # type: ignore[no-untyped-def]
        texts = [n for n in blocks.nodes if type(n) is TextNode]
        index = {id(n): i for i, n in enumerate(texts)}
        kept_mask = np.zeros(len(texts), dtype=bool)
        kept_mask[[index[id(n)] for n in kept if id(n) in index]] = True
        holds = np.zeros((len(lists), len(texts)), dtype=bool)
        for j, group in enumerate(lists):
            for start, end in group:
                holds[j, [index[id(n)] for n in blocks.nodes[start:end] if id(n) in index]] = True
        seen.append(([t.text for t in texts], kept_mask, holds, x))

    clear_label_cache()
    if not extracted_recording(case, items.set_recorder, record):
        return None
    if not seen:  # nothing dropped as a link list
        return [], np.zeros(0, dtype=bool), np.zeros((0, 0), dtype=bool), np.zeros((0, len(items.ITEMS_FEATURES)))
    return seen[-1]


def fit(pages: list[Lists]) -> learned.LinearModel:
    """A weighted logistic model of whether a list gains when given back (weight: the size of its
    gain or loss; lists whose return changes nothing do not count)."""
    x = np.vstack([p.x for p in pages])
    gain = np.concatenate([p.gains() for p in pages])
    return _logistic(x, (gain > 0).astype(float), np.abs(gain) + 1e-6, L2, STEPS)


def _inner_fold(case: extraction.Case) -> int:
    return int.from_bytes(hashlib.sha1(("inner/" + case.group).encode()).digest()[:4], "big") % INNER_FOLDS


def objective(pages: list[Lists], gains: np.ndarray, counts: Counter[str]) -> float:
    """The sum over suites of the mean page gain (``gains``: one per page; ``counts``: pages per
    suite, those without lists included), a loss counting :data:`LOSS_AVERSION` times."""
    total = 0.0
    for name, n in counts.items():
        mean = sum(g for p, g in zip(pages, gains) if p.page.case.suite == name) / n
        total += mean if mean >= 0 else LOSS_AVERSION * mean
    return total


def fit_thresholded(pages: list[Lists], counts: Counter[str]) -> learned.LinearModel:
    """The model trained on all ``pages``, with the threshold that maximises :func:`objective` on
    inner-fold scores (each page scored by a model trained without its site); ties go to the higher
    threshold (fewer lists given back). No threshold that gains: the model never gives one back."""
    scores: list[np.ndarray] = [np.zeros(0)] * len(pages)
    for inner in range(INNER_FOLDS):
        held = [i for i, p in enumerate(pages) if _inner_fold(p.page.case) == inner]
        if held:
            model = fit([p for p in pages if _inner_fold(p.page.case) != inner])
            for i in held:
                scores[i] = model.scores(pages[i].x)
    bases = [p.f1(np.zeros(len(p.x), dtype=bool)) for p in pages]
    values = {}
    for t in THRESHOLDS:
        gains = np.array([p.f1(s >= t) - b if (s >= t).any() else 0.0 for p, s, b in zip(pages, scores, bases)])
        values[float(t)] = objective(pages, gains, counts)
    model = fit(pages)
    best = max(values, key=lambda t: (values[t], t))
    model.threshold = best if values[best] > 0 else np.inf
    return model


def upstream_out_of_fold(measure: Callable[[extraction.Case], object]) -> Callable[[extraction.Case], object]:
    """``measure`` with the extractor's other learned parts set, for each page, to their models
    trained without its fold (:func:`extraction.fold_models`; the items model is unset first)."""
    models = extraction.fold_models(True, CACHE / "cv-models", CACHE / "cv-blocks", CACHE / "cv-gate",
                                    CACHE / "cv-tail", CACHE / "cv-items")

    def measured(case: extraction.Case) -> object:
        for m in models:
            m.use(case)
        try:
            return measure(case)
        finally:
            for m in models:
                m.use(None)

    return measured


def main() -> None:
    args = training_parser(__doc__, CACHE / "items.pickle", "pages' blocks and lists").parse_args()
    items.set_items_model(None)  # the recorder sees every page (a shipped model of other features is not loaded)
    cases = [c for suite in TRAIN_SUITES for c in extraction.load_suite(extraction.DATA, suite, args.limit)]
    table = cached_table(args.table, (items.ITEMS_FEATURES, UPSTREAM), cases, upstream_out_of_fold(page_lists))
    pages, counts = [], Counter()
    for case in cases:
        found = table[f"{case.suite}/{case.name}"]
        if found is None:
            continue
        counts[case.suite] += 1
        texts, kept, holds, x = found  # type: ignore[misc]
        if len(x):
            pages.append(Lists(Page.build(case, np.zeros((len(texts), 1)), np.zeros(len(texts)), texts), kept, holds, x))
    print(f"# {sum(counts.values())} pages extracted, {len(pages)} with dropped lists ({sum(len(p.x) for p in pages)})")
    report: dict[str, Counter[str]] = {}
    for fold in range(args.folds):
        train = [p for p in pages if p.page.case.fold(args.folds) != fold]
        model = fit_thresholded(train, Counter({s: n for s, n in counts.items()}))
        model.save(CACHE / "cv-items" / f"fold-{fold}-of-{args.folds}.npz", items.ITEMS_FEATURES)
        print(f"fold {fold}: threshold {model.threshold:+.2f}", flush=True)
        for p in pages:
            case = p.page.case
            if case.fold(args.folds) != fold:
                continue
            none = np.zeros(len(p.x), dtype=bool)
            back = model.scores(p.x) >= model.threshold
            base = p.f1(none)
            gains = p.gains()
            for name in (case.suite, f"{case.suite}/{case.page_type}" if case.page_type else None):
                if name:
                    t = report.setdefault(name, Counter())
                    t["gain"] += p.f1(back) - base
                    t["all"] += p.f1(~none) - base
                    t["best"] += p.f1(gains > 0) - base
                    t["lists"] += len(p.x)
                    t["back"] += int(back.sum())
    per_type = Counter(f"wcxb/{c.page_type}" for c in cases if c.suite == "wcxb" and c.page_type
                       and table[f"{c.suite}/{c.name}"] is not None)
    print(f"\nout-of-fold change of the mean page F1 ({args.folds} folds by site; every extracted page counts):")
    print("| suite (/ WCXB page type) | pages | model | every list back | best lists | lists | given back |")
    for name, t in sorted(report.items()):
        n = counts.get(name) or per_type[name]
        print(f"| {name:24} | {n:5} | {t['gain'] / n:+.4f} | {t['all'] / n:+.4f}         | {t['best'] / n:+.4f}     |"
              f" {t['lists']:5} | {t['back']:5}      |")
    if args.ship:
        model = fit_thresholded(pages, counts)
        model.save(items.ITEMS_MODEL_PATH, items.ITEMS_FEATURES)
        print(f"shipped model written to {items.ITEMS_MODEL_PATH.relative_to(REPO)}, threshold {model.threshold:+.2f}: "
              + ", ".join(f"{n}={w:+.2f}" for n, w in zip(items.ITEMS_FEATURES, model.weights)))


if __name__ == "__main__":
    main()
