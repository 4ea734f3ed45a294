"""Train the extractor's content-root model (:mod:`omniweave.extract.learned`) on the shared labelled
pages, with k-fold cross-validation by site.

    python tools/train_extractor.py [--folds 5] [--ship] [--limit N]

For every page the extractor is run once per candidate root (the rule's winner, the next best scored
nodes outside the page's footer, its parent and grandparent, the body), and each output is scored against the page's ground
truth as the bench scores it (word F1 against the main text; snippet F1 where only snippets exist).
A linear scorer is then trained to maximise the expected F1 of the candidate it picks (softmax over a
page's candidates). It is asked only where the rule's winner holds under a share of the body's text
(the model's ``gate``, at most ``max(GATES)``: on most articles the winner holds most of the text and
the model's features are not measured, which keeps its cost off them), optionally only where the
winner's class or id does not name it content (``ask_hinted``), and its pick replaces the rule's
winner only when it outscores it by a margin (the model's ``threshold``). Gate, hint and margin are
chosen on pages the scorer was not trained on (inner folds by site) to maximise the sum over suites
of the mean page gain, a suite's loss counting ``LOSS_AVERSION`` times its gain (every suite weighs
alike, and a choice that helps service pages by hurting articles loses).
Pages are split into folds by site (the URL's host; bench/extraction.py's
``Case.fold``): the model of fold i is trained on the other folds and written to
bench/.cache/cv-models/fold-i-of-k.npz, which the bench uses to score fold i's pages. The table
printed at the end is the same out-of-fold comparison per suite: the rules' pick, the model's pick,
and the best candidate (an upper bound). ``--ship`` also trains on all pages and writes the model
the package ships (src/omniweave/extract/data/root_model.npz).

Training pages: wcxb-dev, trafilatura-eval, readability, chinese, webmainbench (goose3 gives only
an article's first part, which would teach the model that more is always better).

Tried and not shipped (bench/extraction.py --reps 1 --timing-pages 30; main's 30bbe7a: WCXB .8459,
trafilatura-eval .9079): each candidate's features also read listwise (less the page's best, lower
median and rule winner's values) gave WCXB .8459, trafilatura-eval .9107 but 2% more CPU per page
(bench/extraction_ab.py: it paid only where also asked on winners whose class names content), and
.8448 / .9097 at no cost; a boosted-tree scorer (LightGBM regressing each candidate's F1 gain over the
rule's winner) did no better than the listwise linear one out of fold (WCXB .8593 vs .8611).

Tried and not shipped (ea03b41; tables built with the other parts' fold models, as the bench
extracts each page; figures are out-of-fold means over the table's pages, the bench's pooled snippet
F1 for trafilatura-eval): candidate features counting the page's item marks (linked headings,
``<article>``, pictures, list items, paragraphs: the candidate's share of the body's and their log)
gave WCXB .8647 -> .8654, trafilatura-eval per page .9117 -> .9125 but pooled .9139 -> .9138, and in
the bench (--reps 1 --timing-pages 30, all suites) WCXB .8550 -> .8556, trafilatura-eval .9070 vs
.9077, readability .9762 vs .9761, listing .7008 vs .7020; with the gate and margin chosen on the
pooled snippet F1, WCXB .8639 and pooled trafilatura-eval .9148; the same tables without the new
features, .8626. Adding the lowest common ancestor of the page's linked headings as a candidate
raised the best candidate's mean on WCXB listing pages .7495 -> .7548 and collection .7106 -> .7169
only. On listing and collection pages the rule's winner mostly holds a few percent of the body's
text, so :func:`~omniweave.extract.score.expand` already falls back to the body: the cards are lost
in the pruning after the root (blocks, items), not in the root. Out of fold the shipped scheme's
picks lose pooled snippet F1 on trafilatura-eval against the rules' (.9139 vs .9154).
"""

from __future__ import annotations

import hashlib
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

import extraction  # noqa: E402  (bench/extraction.py: loaders, folds, scoring)

from omniweave.extract import ExtractionRefused, extract_html, learned  # noqa: E402
from omniweave.extract.clean import clear_label_cache  # noqa: E402
from train_blocks import training_parser  # noqa: E402

TRAIN_SUITES = ("wcxb", "trafilatura-eval", "readability", "chinese", "webmainbench")
CACHE = REPO / "bench" / ".cache"
SHIPPED = learned.MODEL_PATH
L2 = 1e-3
STEPS, RATE = 600, 0.05
INNER_FOLDS = 4
LOSS_AVERSION = 3.0  # a suite's mean loss counts this many times its gain
MARGINS = np.arange(0.0, 4.01, 0.25)
GATES = (0.1, 0.2, 0.3)  # shares of the body's text (bound) the rule's winner holds under (wider costs speed)
SHARE = learned.FEATURES.index("rule_share_bound")
HINTED = learned.FEATURES.index("positive_hint")
Table = tuple[np.ndarray, np.ndarray]  # a page's candidates' feature rows and the F1 each gives


def page_f1(case: extraction.Case, text: str) -> float:
    """The page's F1 as the bench counts it (word F1, or snippet F1 on pages with snippets only)."""
    tally = extraction.Tally()
    extraction.score(case, [("text", text)], tally)
    if case.text is not None:
        return tally.f1
    tp, fp, fn = tally.snip["tp"], tally.snip["fp"], tally.snip["fn"]
    return 2 * tp / max(1, 2 * tp + fp + fn) if tp + fp + fn else 1.0


def candidate_table(case: extraction.Case) -> tuple[np.ndarray, np.ndarray]:
    """The page's candidate feature rows and the F1 of the output each would give."""
    rows: list[np.ndarray] = []
    learned.set_picker(None)

    def record(x: np.ndarray) -> int:
        rows.append(x)
        return 0

    learned.set_picker(record)
    clear_label_cache()
    first = extract_html(case.html, url=case.url).text
    if not rows:  # nothing scored: the body is the only choice
        learned.set_picker(None)
        return np.zeros((0, len(learned.FEATURES))), np.zeros(0)
    x = rows[0]
    f1 = [page_f1(case, first)]
    for i in range(1, len(x)):
        learned.set_picker(lambda _x, i=i: i)
        f1.append(page_f1(case, extract_html(case.html, url=case.url).text))
    learned.set_picker(None)
    return x, np.array(f1)


def fit(pages: list[Table], l2: float = L2) -> learned.LinearModel:
    """A linear scorer maximising each page's expected F1 under a softmax over its candidates (Adam, L2).
    Pages are padded to one array (masked), so each step is a few array operations."""
    stacked = np.vstack([x for x, _ in pages])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    mean[0], scale[0] = 0.0, 1.0  # the bias column stays 1
    scale[scale == 0] = 1.0
    width = max(len(y) for _, y in pages)
    xs = np.zeros((len(pages), width, len(mean)))
    ys = np.zeros((len(pages), width))
    mask = np.zeros((len(pages), width), dtype=bool)
    for i, (x, y) in enumerate(pages):
        xs[i, : len(y)] = (x - mean) / scale
        ys[i, : len(y)] = y
        mask[i, : len(y)] = True
    w = np.zeros(len(mean))
    m, v = np.zeros_like(w), np.zeros_like(w)
    for step in range(1, STEPS + 1):
        s = np.where(mask, xs @ w, -np.inf)
        p = np.exp(s - s.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        expected = (p * ys).sum(axis=1, keepdims=True)
        grad = np.einsum("pc,pcf->f", p * (ys - expected), xs) / len(pages) - 2 * l2 * w
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w += RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return learned.LinearModel(mean, scale, w)


def pick(model: learned.LinearModel, x: np.ndarray) -> int:
    """The candidate the extractor takes (:func:`learned.choose_roots`): where the gate opens, the
    model's best when it outscores the rule's winner (row 0) by the model's margin, else the rule's."""
    if not x[0, SHARE] < model.gate or (not model.ask_hinted and x[0, HINTED] > 0):
        return 0
    scores = model.scores(x)
    best = int(np.argmax(scores))
    return best if scores[best] - scores[0] >= model.threshold else 0


def _inner_fold(case: extraction.Case) -> int:
    return int.from_bytes(hashlib.sha1(("inner/" + case.group).encode()).digest()[:4], "big") % INNER_FOLDS


def fit_gated(pages: list[tuple[extraction.Case, Table]]) -> learned.LinearModel:
    """The scorer trained on all ``pages``, with the gate and margin that maximise the loss-averse sum
    over suites of the mean page gain over the rule's pick, judged on the pages' inner-fold scores
    (each page scored by a model trained without its site); ties go to the narrower gate (cheaper),
    hinted winners left alone, and the wider margin."""
    gains: dict[str, list[tuple[float, bool, float, float]]] = {}  # suite -> (gate figure, hinted, lead, F1 gain)
    for inner in range(INNER_FOLDS):
        model = fit([t for c, t in pages if _inner_fold(c) != inner])
        for case, (x, y) in pages:
            if _inner_fold(case) == inner:
                scores = model.scores(x)
                best = int(np.argmax(scores))
                gains.setdefault(case.suite, []).append(
                    (float(x[0, SHARE]), bool(x[0, HINTED] > 0), float(scores[best] - scores[0]), float(y[best] - y[0])))

    def objective(gate: float, ask_hinted: bool, margin: float) -> float:
        total = 0.0
        for rows in gains.values():
            mean = sum(g for share, hinted, lead, g in rows
                       if share < gate and (ask_hinted or not hinted) and lead >= margin) / len(rows)
            total += mean if mean >= 0 else LOSS_AVERSION * mean
        return total

    values = {(g, h, float(m)): objective(g, h, float(m)) for g in GATES for h in (False, True) for m in MARGINS}
    model = fit([t for _, t in pages])
    model.gate, model.ask_hinted, model.threshold = max(values, key=lambda k: (values[k], -k[0], not k[1], k[2]))
    if values[(model.gate, model.ask_hinted, model.threshold)] <= 0:
        model.gate = 0.0  # no choice helps: the model is never asked
    return model


def main() -> None:
    args = training_parser(__doc__, CACHE / "root-candidates.npz", "candidates' features and F1").parse_args()
    learned.set_model(None)
    cases = [c for suite in TRAIN_SUITES for c in extraction.load_suite(extraction.DATA, suite, args.limit)]
    keys = [f"{c.suite}/{c.name}" for c in cases]
    tables: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if args.table.exists():
        with np.load(args.table, allow_pickle=False) as saved:
            names = list(saved["keys"])
            width = int(saved["width"])
            if width == len(learned.FEATURES):
                x, y = saved["x"], saved["y"]  # read once (each ``saved[...]`` reads the whole array anew)
                for key, start, end in zip(names, saved["starts"], saved["ends"]):
                    tables[str(key)] = (x[start:end], y[start:end])
    start_time = time.process_time()
    refused = 0
    for n, (case, key) in enumerate(zip(cases, keys)):
        if key not in tables:
            try:
                tables[key] = candidate_table(case)
            except ExtractionRefused:  # too deep to parse: no choice to learn from
                tables[key] = (np.zeros((0, len(learned.FEATURES))), np.zeros(0))
                refused += 1
            if n % 200 == 199:
                save_tables(args.table, tables)
    print(f"# candidates of {len(cases)} pages ({time.process_time() - start_time:.0f} s CPU to build the new ones;"
          f" {refused} pages refused by the extractor)")
    save_tables(args.table, tables)
    pages = [(c, tables[k]) for c, k in zip(cases, keys) if len(tables[k][1])]
    report: dict[str, Counter[str]] = {}
    fold_dir = CACHE / "cv-models"
    for fold in range(args.folds):
        model = fit_gated([(c, t) for c, t in pages if c.fold(args.folds) != fold])
        model.save(fold_dir / f"fold-{fold}-of-{args.folds}.npz", learned.FEATURES)
        print(f"fold {fold}: gate {model.gate:.2f}, ask hinted {model.ask_hinted}, margin {model.threshold:+.2f}", flush=True)
        for case, (x, y) in pages:
            if case.fold(args.folds) == fold:
                chosen = pick(model, x)
                for name in (case.suite, f"{case.suite}/{case.page_type}" if case.page_type else None):
                    if name is None:
                        continue
                    tally = report.setdefault(name, Counter())
                    tally["pages"] += 1
                    tally["rule"] += y[0]
                    tally["model"] += y[chosen]
                    tally["oracle"] += y.max()
                    tally["changed"] += chosen != 0
    print(f"\nout-of-fold mean page F1 ({args.folds} folds by site; pages where some root scored):")
    print("| suite (/ WCXB page type) | pages | rules | model | best candidate | picks changed |")
    for suite, t in sorted(report.items()):
        n = t["pages"]
        print(f"| {suite:24} | {n:5} | {t['rule'] / n:.4f} | {t['model'] / n:.4f} | {t['oracle'] / n:.4f}         |"
              f" {t['changed']:5}         |")
    if args.ship:
        model = fit_gated(pages)
        model.save(SHIPPED, learned.FEATURES)
        print(f"shipped model written to {SHIPPED.relative_to(REPO)}, gate {model.gate:.2f}, ask hinted {model.ask_hinted},"
              f" margin {model.threshold:+.2f}: "
              + ", ".join(f"{n}={w:+.2f}" for n, w in zip(learned.FEATURES, model.weights)))


def save_tables(path: Path, tables: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    keys = list(tables)
    lengths = [len(tables[k][1]) for k in keys]
    ends = np.cumsum(lengths)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, keys=np.array(keys), starts=ends - lengths, ends=ends, width=len(learned.FEATURES),
             x=np.vstack([tables[k][0] for k in keys]), y=np.concatenate([tables[k][1] for k in keys]))


if __name__ == "__main__":
    main()
