"""Train the extractor's block model and its gate (:mod:`omniweave.extract.learned`: which text blocks
of the chosen content to keep, and on which pages the model's choice replaces the rules') on the shared
labelled pages, with k-fold cross-validation by site.

    python tools/train_blocks.py [--folds 5] [--ship] [--limit N]

Each page is extracted once by the rules; every text block the walk saw (kept or pruned by the rules,
which is one of its features) is labelled content when its words appear in the ground truth in that
order (or 70% of them appear at all), boilerplate otherwise; on trafilatura-eval pages (snippets only)
a block holding a `with` snippet is content, one holding a `without` snippet boilerplate, the rest
unlabelled. A logistic block model (weighted by block length: F1 counts words) is trained, its drop
threshold chosen to maximise the training pages' mean F1.

The gate is a decision stump over page-level figures (:data:`learned.GATE_FEATURES`): the figure and
threshold above which the block model's blocks replace the rules' (see :func:`fit_gate`). Its
training targets must come from pages the block model did not see, so within the training folds the
block model is cross-validated again (inner folds by site).

Printed: the outer folds' out-of-fold mean page F1 per suite and WCXB page type: "rules" (the rules'
blocks), "model" (the block model on every page), "gated" (what the extractor does) and "labels'
keep" (the labels' choice, an upper bound). Page F1 is computed as the bench computes it (word F1
against the main text; snippet F1 per page on trafilatura-eval, a snippet counted when one block
holds it). Fold models go to bench/.cache/cv-blocks and bench/.cache/cv-gate (the bench uses them);
``--ship`` trains on every page and writes src/omniweave/extract/data/{block,gate}_model.npz.

Tried and not shipped (issue-27e, on 32d2fbb's tables and fold models; out-of-fold mean page F1
after the tail step, snippet F1 per page on trafilatura-eval): where the gate stays shut (articles),
also dropping the rules' blocks that score under a second, lower threshold, chosen on inner folds
for the loss-averse objective above. With this block model (thresholds -6 ... -1.5 chosen, gain
+0.0001 at best on the training folds) it changed 2 trafilatura-eval and 8 WCXB pages, every suite
within .0001; with a model trained on the rules' kept blocks only, readability .9727 -> .9703 (one
page), the rest unchanged; with a lexical model of short blocks (words and word pairs seen on 3 or
more sites, logistic, the same threshold search) trafilatura-eval .9099 both, readability .9727 ->
.9725, WCXB .8489 -> .8490. The boilerplate kept inside articles ("sign up to our newsletter",
"Lea también: ...", "Mehr aus ...") is too rare per page, and too like text, for any of them.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import extraction  # noqa: E402

from omniweave.extract import ExtractionRefused, extract_html, learned  # noqa: E402

SUITES = ("wcxb", "trafilatura-eval", "readability", "chinese", "webmainbench")
CACHE = REPO / "bench" / ".cache"
L2, STEPS, RATE = 1e-3, 300, 0.05
INNER_FOLDS = 4
LOSS_AVERSION = 3.0  # a suite's mean loss counts this many times its gain
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


def extracted_recording(case: extraction.Case, set_recorder: Callable[[Any], None],
                        record: Callable[..., None]) -> bool:
    """Extract the case's page with ``record`` set by ``set_recorder`` (unset after); False where the
    page is refused."""
    set_recorder(record)
    try:
        extract_html(case.html, url=case.url)
    except ExtractionRefused:
        return False
    finally:
        set_recorder(None)
    return True


def cached_table(path: Path, features: object, cases: list[extraction.Case],
                 measure: Callable[[extraction.Case], object]) -> dict[str, object]:
    """What ``measure`` gives for each case by "suite/name", kept in ``path`` between runs (measured
    again where missing, all again when ``features`` changed)."""
    table: dict[str, object] = pickle.loads(path.read_bytes()) if path.exists() else {}
    if table.get("features") != features:
        table = {"features": features}
    for case in cases:
        key = f"{case.suite}/{case.name}"
        if key not in table:
            table[key] = measure(case)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(table))
    return table


def page_blocks(case: extraction.Case) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    seen: list[tuple[list, np.ndarray]] = []

    def record(texts, x) -> None:  # type: ignore[no-untyped-def]
        seen.append(([t.text for t in texts], x))

    if not extracted_recording(case, learned.set_block_recorder, record) or not seen:
        return None
    texts, x = seen[-1]
    truth_norm = _norm(case.text) if case.text is not None else ""
    bag = Counter(extraction.tokens(case.text)) if case.text is not None else Counter()
    y = np.array([label(case, t, truth_norm, bag) for t in texts])
    return x, y, texts


@dataclass
class Page:
    """A page's blocks with what scoring a choice of them needs, precomputed: for word F1 each
    block's token ids (into the page's vocabulary) and the truth's counts; for snippet F1 which
    blocks hold each `with` / `without` snippet."""

    case: extraction.Case
    x: np.ndarray
    y: np.ndarray
    token_block: np.ndarray | None = None  # block index of each token
    token_id: np.ndarray | None = None
    want: np.ndarray | None = None
    with_in: np.ndarray | None = None  # snippets x blocks, bool
    without_in: np.ndarray | None = None

    @classmethod
    def build(cls, case: extraction.Case, x: np.ndarray, y: np.ndarray, texts: list[str]) -> Page:
        page = cls(case, x, y)
        if case.text is not None:
            vocab: dict[str, int] = {}
            blocks, ids = [], []
            for i, text in enumerate(texts):
                for token in extraction.tokens(text):
                    ids.append(vocab.setdefault(token, len(vocab)))
                    blocks.append(i)
            truth = [vocab.setdefault(t, len(vocab)) for t in extraction.tokens(case.text)]
            page.token_block, page.token_id = np.array(blocks, dtype=np.int64), np.array(ids, dtype=np.int64)
            page.want = np.bincount(np.array(truth, dtype=np.int64), minlength=len(vocab))
        else:
            flat = [" ".join(t.lower().split()) for t in texts]

            def holds(snippets: list[str]) -> np.ndarray:
                snips = [" ".join(s.lower().split()) for s in snippets]
                return np.array([[s in f for f in flat] for s in snips], dtype=bool).reshape(len(snips), len(flat))

            page.with_in, page.without_in = holds(case.with_), holds(case.without)
        return page

    def f1(self, keep: np.ndarray) -> float:
        if self.want is not None:
            got = np.bincount(self.token_id[keep[self.token_block]], minlength=len(self.want))
            common = np.minimum(got, self.want).sum()
            p, r = common / max(1, got.sum()), common / max(1, self.want.sum())
            return 2 * p * r / (p + r) if p + r else 0.0
        tp = int((self.with_in & keep).any(axis=1).sum())
        fn = len(self.with_in) - tp
        fp = int((self.without_in & keep).any(axis=1).sum())
        return 2 * tp / max(1, 2 * tp + fp + fn) if tp + fp + fn else 1.0

    def rules(self) -> np.ndarray:
        return self.x[:, PRUNED] == 0


def fit(pages: list[Page]) -> learned.LinearModel:
    x = np.vstack([p.x for p in pages])
    y = np.concatenate([p.y for p in pages])
    known = y >= 0
    x, y = x[known], y[known].astype(float)
    weight = x[:, learned.BLOCK_FEATURES.index("log_chars")]  # words count: long blocks weigh more
    return _logistic(x, y, weight, L2, STEPS)


def _logistic(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float, steps: int) -> learned.LinearModel:
    """Weighted L2-regularised logistic regression on standardised columns (Adam)."""
    mean, scale = x.mean(axis=0), x.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    w = np.zeros(len(mean))
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, steps + 1):
        p = 1 / (1 + np.exp(-(z @ w)))
        grad = z.T @ (weight * (y - p)) / weight.sum() - 2 * l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w += RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return learned.LinearModel(mean, scale, w)


def model_keep(model: learned.LinearModel, page: Page) -> np.ndarray:
    """The blocks the model keeps on the page (the rules' where it keeps none)."""
    keep = model.scores(page.x) >= model.threshold
    return keep if keep.any() and len(keep) >= 2 else page.rules()


def fit_blocks(pages: list[Page]) -> learned.LinearModel:
    """The block model with the drop threshold that maximises the pages' mean F1."""
    model = fit(pages)
    scores = [model.scores(p.x) for p in pages]

    def total(t: float) -> float:
        out = 0.0
        for page, s in zip(pages, scores):
            keep = s >= t
            out += page.f1(keep if keep.any() and len(keep) >= 2 else page.rules())
        return out

    model.threshold = float(max(THRESHOLDS, key=total))
    return model


def _fold(page: Page, k: int, salt: str = "") -> int:
    return int.from_bytes(hashlib.sha1((salt + page.case.group).encode()).digest()[:4], "big") % k


def fit_gate(pages: list[Page]) -> learned.LinearModel:
    """The gate: the page figure and threshold (a decision stump, kept as a linear model with one
    weight) that best separate the pages where the block model beats the rules, judged on the block
    model's choices on pages it was not trained on (inner folds by site). The objective is the sum
    over suites of the mean page gain, a suite's loss counting :data:`LOSS_AVERSION` times (every
    suite weighs alike, however many pages it has, and a gate that helps listings by hurting
    articles loses), taken on the inner fold where it is lowest: a threshold that wins on one
    fold's pages by chance does not count."""
    rows, gains, suites, folds = [], [], [], []
    for inner in range(INNER_FOLDS):
        train = [p for p in pages if _fold(p, INNER_FOLDS, "inner/") != inner]
        model = fit_blocks(train)
        for page in pages:
            if _fold(page, INNER_FOLDS, "inner/") != inner:
                continue
            rows.append(learned.page_features_of_blocks(page.x)[0])
            gains.append(page.f1(model_keep(model, page)) - page.f1(page.rules()))
            suites.append(page.case.suite)
            folds.append(inner)
    x, gain, suite, fold = np.array(rows), np.array(gains), np.array(suites), np.array(folds)
    groups = [(fold == inner) & (suite == name) for inner in range(INNER_FOLDS) for name in set(suites)]
    groups_of_fold = [[g for g in groups[i * len(set(suites)):(i + 1) * len(set(suites))] if g.any()]
                      for i in range(INNER_FOLDS)]

    def objective(opens: np.ndarray) -> float:
        gained = np.where(opens, gain, 0.0)
        worst = np.inf
        for members in groups_of_fold:
            total = 0.0
            for group in members:
                mean = float(gained[group].mean())
                total += mean if mean >= 0 else LOSS_AVERSION * mean
            worst = min(worst, total)
        return worst

    best, column, threshold = 0.0, 0, np.inf  # no figure helps: the gate never opens
    for j in range(1, len(learned.GATE_FEATURES)):
        for t in np.unique(np.round(x[:, j], 2)):
            value = objective(x[:, j] >= t)
            if value > best:
                best, column, threshold = value, j, float(t)
    n = len(learned.GATE_FEATURES)
    weights = np.zeros(n)
    weights[column] = 1.0
    return learned.LinearModel(np.zeros(n), np.ones(n), weights, threshold)


def _gate_rule(gate: learned.LinearModel) -> str:
    return f"{learned.GATE_FEATURES[int(np.argmax(gate.weights))]} >= {gate.threshold:.2f}"


def gated(block: learned.LinearModel, gate: learned.LinearModel, page: Page) -> np.ndarray:
    opens = float(gate.scores(learned.page_features_of_blocks(page.x))[0]) >= gate.threshold
    return model_keep(block, page) if opens else page.rules()


def training_parser(doc: str, table: Path, table_help: str) -> argparse.ArgumentParser:
    """The options every training script takes: folds, a quick look at a few pages, --ship and the
    cached table of what the pages gave (``table`` by default)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, help="pages per suite folder (a quick look)")
    parser.add_argument("--ship", action="store_true", help="also train on all pages and write the shipped model")
    parser.add_argument("--table", type=Path, default=table, help=f"{table_help}, kept between runs (delete to rebuild)")
    return parser


def main() -> None:
    args = training_parser(__doc__, CACHE / "blocks.pickle", "pages' blocks and features").parse_args()
    learned.set_model(None)
    learned.set_block_model(None)
    learned.set_gate_model(None)
    cases = [c for suite in SUITES for c in extraction.load_suite(extraction.DATA, suite, args.limit)]
    table = cached_table(args.table, learned.BLOCK_FEATURES, cases, page_blocks)
    pages = []
    for case in cases:
        found = table[f"{case.suite}/{case.name}"]
        if found is not None:
            x, y, texts = found
            pages.append(Page.build(case, x, y, texts))
    report: dict[str, Counter[str]] = {}
    for fold in range(args.folds):
        train = [p for p in pages if p.case.fold(args.folds) != fold]
        block = fit_blocks(train)
        gate = fit_gate(train)
        block.save(CACHE / "cv-blocks" / f"fold-{fold}-of-{args.folds}.npz", learned.BLOCK_FEATURES)
        gate.save(CACHE / "cv-gate" / f"fold-{fold}-of-{args.folds}.npz", learned.GATE_FEATURES)
        for page in pages:
            if page.case.fold(args.folds) != fold:
                continue
            case = page.case
            for name in (case.suite, f"{case.suite}/{case.page_type}" if case.page_type else None):
                if name:
                    t = report.setdefault(name, Counter())
                    t["pages"] += 1
                    t["rules"] += page.f1(page.rules())
                    t["model"] += page.f1(model_keep(block, page))
                    t["gated"] += page.f1(gated(block, gate, page))
                    t["oracle"] += page.f1(page.y != 0)
        print(f"fold {fold}: block threshold {block.threshold:+.2f}; gate: {_gate_rule(gate)}", flush=True)
    print("\nout-of-fold mean page F1 (snippet F1 per page on trafilatura-eval):")
    print("| suite (/ WCXB page type)   | pages | rules | model | gated | labels' keep |")
    for name, t in sorted(report.items()):
        n = t["pages"]
        print(f"| {name:26} | {n:5} | {t['rules'] / n:.3f} | {t['model'] / n:.3f} | {t['gated'] / n:.3f} |"
              f" {t['oracle'] / n:.3f}        |")
    if args.ship:
        block = fit_blocks(pages)
        gate = fit_gate(pages)
        block.save(learned.BLOCK_MODEL_PATH, learned.BLOCK_FEATURES)
        gate.save(learned.GATE_MODEL_PATH, learned.GATE_FEATURES)
        print(f"shipped: block threshold {block.threshold:+.2f}; gate: {_gate_rule(gate)}")


if __name__ == "__main__":
    main()
