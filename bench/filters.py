"""Text filters on real pages: speed of the full chain, and the figures issue 4 asks for.

    python bench/filters.py              # docs/s per core of each preset's full chain
    python bench/filters.py --figures    # language-ID accuracy, keep rates, home-page paragraph loss,
                                         # per-rule removals and site boilerplate on the shared WARCs

Pages: ``../shared/data/html`` (readability, goose3, chinese-web-content-extraction,
webmainbench) extracted with ``omniweave.extract_html`` as it is when run, and the home pages of
``../shared/data/warc/servo-warc-tests``. Labels: readability ``manifest.jsonl`` lang (README's
language for the non-English pages without one, else English), goose3 ``meta_lang`` (README's
language for the pages without one, else English), the Chinese set = zh, webmainbench ``language``.
Synthetic unit-test pages (readability's < 12 KB hand-written cases, goose3's tiny cases) are
labelled but left out of the keep rates: they are not articles.

Site boilerplate (issue 24): every page of ``../shared/data/warc``, deduplicated by URL and text,
goes through three paragraph chains; a line counts as site boilerplate when its normalised form is
in at least two distinct pages of one domain, and the figure is the share of those lines each chain
removes. ``--figures`` ends with one JSON line of the headline figures.
"""

from __future__ import annotations

import argparse
import functools
import json
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from omniweave.dedup.domain_paragraphs import domain_of, paragraph_key
from omniweave.layout import document_to_row, row_to_document
from omniweave.document import Document, TextNode
from omniweave.extract import extract_html
from omniweave.filters.langid import load_language_model
from omniweave.filters.paragraphs_base import ParagraphStep
from omniweave.io.inputs import expand_inputs
from omniweave.readers import read_input
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.recipe import parse_recipe
from omniweave.run import run_recipe
from omniweave.pipeline.step import Step
from omniweave.text.words import words

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
HTML = DATA / "html"
READABILITY_BASE = "http://fakehost/test/page.html"
# languages the READMEs give for pages whose own label is empty
READABILITY_README_LANG = {"gmw": "zh", "pixnet": "zh", "youth": "zh", "hukumusume": "ja", "yahoo-4": "ja",
                           "heise": "de", "liberation-1": "fr", "videos-2": "fr"}
GOOSE_README_LANG = {"bbc_chinese": "zh", "cnn_arabic": "ar", "donga_korean": "ko", "lefigaro": "fr",
                     "liberation": "fr", "elpais": "es", "elmondo": "es", "wiwo": "de"}
GOOSE_SYNTHETIC = ("test_articlebody_", "test_pattern_config", "test_retry_top_node")
PRESET_OF_LANG = {"en": "omnicorpus-en", "zh": "omnicorpus-zh"}


@dataclass
class Page:
    dataset: str
    name: str
    lang: str  # labelled language, ISO 639-1
    synthetic: bool
    doc: Document


def _goose_lang(name: str, meta_lang: str | None) -> str:
    if meta_lang:
        return meta_lang.split("-")[0].lower()
    return next((lang for key, lang in GOOSE_README_LANG.items() if key in name), "en")


def labelled_pages() -> Iterator[Page]:
    """Every labelled page under ``../shared/data/html``, extracted."""
    root = HTML / "readability-test-pages"
    for line in (root / "manifest.jsonl").read_text().splitlines():
        m = json.loads(line)
        lang = (m["lang"] or READABILITY_README_LANG.get(m["page"], "en")).split("-")[0].lower()
        html = (root / m["page"] / "source.html").read_bytes()
        doc = extract_html(html, READABILITY_BASE, doc_id=f"readability/{m['page']}")
        yield Page("readability", m["page"], lang, m["synthetic"], doc)
    root = HTML / "goose3" / "content"
    for path in sorted(root.glob("*.html")):
        meta = json.loads(path.with_suffix(".json").read_text())
        doc = extract_html(path.read_bytes(), meta.get("url"), doc_id=f"goose3/{path.stem}")
        lang = _goose_lang(path.stem, meta["expected"].get("meta_lang"))
        yield Page("goose3", path.stem, lang, path.stem.startswith(GOOSE_SYNTHETIC), doc)
    root = HTML / "chinese-web-content-extraction" / "original"
    for path in sorted(root.glob("*.html")):
        doc = extract_html(path.read_bytes(), None, doc_id=f"chinese/{path.stem}")
        yield Page("chinese", path.stem, "zh", False, doc)
    for line in (HTML / "webmainbench-sample" / "sample_dataset.jsonl").read_text().splitlines():
        rec = json.loads(line)
        lang = rec.get("language") or ("zh" if ".cn/" in rec["url"] else None)
        if lang:
            doc = extract_html(rec["html"], rec["url"], doc_id=f"webmainbench/{rec['url']}")
            yield Page("webmainbench", rec["url"], lang, False, doc)


@functools.cache
def cached_pages(truth: bool = False) -> tuple[Page, ...]:
    """All labelled pages (or ground-truth pages), extracted once per process (tests share them)."""
    return tuple(ground_truth_pages() if truth else labelled_pages())


def ground_truth_pages() -> Iterator[Page]:
    """Clean article text from the ground truth: readability's expected.html (real pages) and the
    Chinese set's hand-copied text (goose3's expected text is only a prefix, so it is not used)."""
    root = HTML / "readability-test-pages"
    for line in (root / "manifest.jsonl").read_text().splitlines():
        m = json.loads(line)
        if not m["synthetic"]:
            lang = (m["lang"] or READABILITY_README_LANG.get(m["page"], "en")).split("-")[0].lower()
            html = (root / m["page"] / "expected.html").read_bytes()
            doc = extract_html(html, READABILITY_BASE, doc_id=f"readability-truth/{m['page']}")
            yield Page("readability-truth", m["page"], lang, False, doc)
    for path in sorted((HTML / "chinese-web-content-extraction" / "cleaned").glob("*.txt")):
        paragraphs = [s.strip() for s in path.read_text(encoding="utf-8").splitlines() if s.strip()]
        doc = Document(id=f"chinese-truth/{path.stem}", nodes=[TextNode(s) for s in paragraphs])
        yield Page("chinese-truth", path.stem, "zh", False, doc)


def servo_home_pages() -> Iterator[Document]:
    """The home pages captured in ``../shared/data/warc/servo-warc-tests``."""
    counts: Counter[str] = Counter()
    for inp in expand_inputs([str(DATA / "warc" / "servo-warc-tests")]):
        yield from read_input(inp, counts, max_html_bytes=5_000_000)


def preset_steps(name: str) -> list[Step]:
    recipe = parse_recipe({"input": {"paths": ["-"]}, "output": {"dir": "-"}, "steps": [{"preset": name}]})
    return recipe.build_steps()


def new_context() -> TaskContext:
    return TaskContext(task_id="bench", pass_index=0, run=None)  # type: ignore[arg-type]


def run_chain(steps: list[Step], docs: list[Document], ctx: TaskContext) -> list[Document]:
    stream: Iterator[Document] = iter(docs)
    for step in steps:
        step.setup(ctx)
        stream = step.run(stream, ctx)
    return list(stream)


def _copy(doc: Document) -> Document:
    return row_to_document(document_to_row(doc))


def language_figures(pages: list[Page]) -> None:
    model = load_language_model()
    texts = [(p, p.doc.text[:5000]) for p in pages if p.doc.text.strip() and not p.synthetic]
    start = time.process_time()
    predicted = [model.predict(text)[0] for _, text in texts]
    elapsed = time.process_time() - start
    per_set: dict[str, Counter[str]] = {}
    for (page, _), lang in zip(texts, predicted, strict=True):
        c = per_set.setdefault(page.dataset, Counter())
        c["n"] += 1
        c["ok"] += lang == page.lang
        if lang != page.lang:
            print(f"  langid miss: {page.dataset}/{page.name}: label {page.lang}, predicted {lang}")
    total = sum(c["n"] for c in per_set.values())
    ok = sum(c["ok"] for c in per_set.values())
    print(f"language ID (py3langid): {ok}/{total} = {ok / total:.1%} agree with the labels; "
          f"{total / elapsed:.0f} docs/s per core ({len(pages) - total} synthetic pages or pages with no extracted text left out)")
    for name, c in per_set.items():
        print(f"  {name}: {c['ok']}/{c['n']}")


def run_preset(preset: str, docs: list[Document]) -> tuple[set[str], TaskContext]:
    """Ids of the documents ``preset`` keeps (run on copies), and the context with its counts."""
    ctx = new_context()
    kept = run_chain(preset_steps(preset), [_copy(d) for d in docs], ctx)
    return {d.id for d in kept}, ctx


def is_article(page: Page) -> bool:
    """A page whose main text has at least 50 words and is in its labelled language (py3langid)."""
    text = page.doc.text
    return len(words(text)) >= 50 and load_language_model().predict(text[:5000])[0] == page.lang


def keep_rates(pages: list[Page]) -> dict[str, tuple[int, int, int, int]]:
    """Per preset: (kept, pages, kept articles, articles) over the non-synthetic pages of its language."""
    out = {}
    for lang, preset in PRESET_OF_LANG.items():
        chosen = [p for p in pages if p.lang == lang and not p.synthetic and p.doc.text.strip()]
        kept, _ = run_preset(preset, [p.doc for p in chosen])
        articles = [p for p in chosen if is_article(p)]
        out[preset] = (len(kept), len(chosen), sum(p.doc.id in kept for p in articles), len(articles))
    return out


def keep_figures(pages: list[Page], what: str) -> None:
    print(f"keep rate of the matching preset on {what} (synthetic pages left out):")
    for lang, preset in PRESET_OF_LANG.items():
        chosen = [p for p in pages if p.lang == lang and not p.synthetic]
        kept, ctx = run_preset(preset, [p.doc for p in chosen if p.doc.text.strip()])
        n = sum(1 for p in chosen if p.doc.text.strip())
        articles = [p for p in chosen if p.doc.text.strip() and is_article(p)]
        kept_articles = sum(p.doc.id in kept for p in articles)
        print(f"  {preset}: kept {len(kept)}/{n} = {len(kept) / max(1, n):.1%}; articles (>= 50 words, in the "
              f"labelled language) {kept_articles}/{len(articles)} = {kept_articles / max(1, len(articles)):.1%}"
              f" ({len(chosen) - n} pages where extraction gave no text left out)")
        for p in chosen:
            if p.doc.text.strip() and p.doc.id not in kept:
                print(f"    dropped {p.dataset}/{p.name}" + ("" if is_article(p) else " (not an article)"))
        drops = Counter()
        for label, counter in ctx.stats.items():
            for key, count in counter.items():
                if key.startswith("dropped:"):
                    drops[f"{label}:{key[8:]}"] += count
        print(f"    drop reasons: {dict(drops)}")


def home_page_losses(preset: str) -> dict[str, int]:
    """Text nodes of the servo home pages: all of them, those the paragraph steps alone leave,
    and those still in a kept document after the full chain; documents in and kept."""
    docs = list(servo_home_pages())
    steps = [s for s in preset_steps(preset) if isinstance(s, ParagraphStep)]
    left = 0
    for doc in docs:
        d = _copy(doc)
        for step in steps:
            step.clean(d)
        left += len(d.texts)
    kept = run_chain(preset_steps(preset), [_copy(d) for d in docs], new_context())
    return {"nodes": sum(len(d.texts) for d in docs), "left_by_paragraph_steps": left,
            "left_by_chain": sum(len(d.texts) for d in kept), "docs": len(docs), "kept_docs": len(kept)}


def home_page_figures() -> None:
    for preset in PRESET_OF_LANG.values():
        f = home_page_losses(preset)
        n = max(1, f["nodes"])
        print(f"servo-warc-tests home pages, {preset}: {f['nodes']} text nodes in {f['docs']} documents; "
              f"the paragraph steps alone remove {1 - f['left_by_paragraph_steps'] / n:.0%}, the full chain "
              f"{1 - f['left_by_chain'] / n:.0%} (keeps {f['kept_docs']}/{f['docs']} documents)")


def clean_text_keep(pages: list[Page]) -> tuple[int, int]:
    """(characters left, characters) of clean article text in the documents the matching preset keeps."""
    left = total = 0
    for lang, preset in PRESET_OF_LANG.items():
        docs = [_copy(p.doc) for p in pages if p.lang == lang and not p.synthetic and p.doc.text.strip()]
        total += sum(len(t.text) for d in docs for t in d.texts)
        left += sum(len(t.text) for d in run_chain(preset_steps(preset), docs, new_context()) for t in d.texts)
    return left, total


def preset_entries(preset: str, names: list[str]) -> list[dict]:
    """The preset's step entries (with its parameters) of the steps named, in the preset's order."""
    recipe = parse_recipe({"input": {"paths": ["-"]}, "output": {"dir": "-"}, "steps": [{"preset": preset}]})
    return [{s.name: s.params} for s in recipe.steps if s.name in names]


BEFORE = ["boilerplate_paragraphs", "paragraph_quality"]  # the paragraph steps of omnicorpus-en before issue 24
AFTER = ["omnicorpus_normalise", "omnicorpus_paragraphs", *BEFORE]
SITE_CHAINS: dict[str, list] = {
    "paragraph steps of omnicorpus-en before (boilerplate_paragraphs, paragraph_quality)": preset_entries("omnicorpus-en", BEFORE),
    "paragraph steps of omnicorpus-en now (+ omnicorpus_normalise, omnicorpus_paragraphs)": preset_entries("omnicorpus-en", AFTER),
    "... + domain_repeated_paragraphs (N=3)": [*preset_entries("omnicorpus-en", AFTER),
                                               {"domain_repeated_paragraphs": {"min_documents": 3}}],
}


def run_on_warcs(steps: list, out: Path) -> tuple[set[tuple[str, str, str]], dict]:
    """Run ``steps`` after URL and exact dedup over the shared WARCs; the (document id, domain,
    normalised paragraph) of every text left, and the run's step counts."""
    recipe = parse_recipe({"input": {"paths": [str(DATA / "warc")]}, "output": {"dir": str(out)},
                           "steps": ["url_dedup", "exact_dedup", "language_id", *steps], "executor": {"workers": 1}})
    summary = run_recipe(recipe, progress=False)
    left = set()
    for row in pq.read_table(out / "corpus", columns=["id", "texts", "general_metadata"]).to_pylist():
        domain = domain_of(row["general_metadata"]["url"])
        left.update((row["id"], domain, paragraph_key(t)) for t in row["texts"] if t and domain)
    return left, summary.stats["steps"]


def domain_threshold_sweep(values: tuple[int, ...] = (2, 3, 4, 5)) -> dict[int, dict[str, int]]:
    """What ``domain_repeated_paragraphs`` removes from the shared WARCs (after URL, exact and
    near-dup dedup) at each N, and the paragraphs each N removes that the next N keeps."""
    counts: dict[int, dict[str, int]] = {}
    removed: dict[int, set[tuple[str, str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in values:
            out = Path(tmp) / f"n{n}"
            recipe = parse_recipe({"input": {"paths": [str(DATA / "warc")]}, "output": {"dir": str(out), "keep_dropped": True},
                                   "steps": ["url_dedup", "exact_dedup", "minhash_dedup",
                                             {"domain_repeated_paragraphs": {"min_documents": n}}],
                                   "executor": {"workers": 1}})
            stats = run_recipe(recipe, progress=False).stats["steps"]["domain_repeated_paragraphs"]
            counts[n] = {k.removeprefix("reduce:"): v for k, v in stats.items()
                         if k in ("reduce:repeated_paragraphs", "reduce:removals", "reduce:domains")}
            rows = pq.read_table(next(out.glob("stages/pass-*/dropped_paragraphs"))).to_pylist()
            removed[n] = {(domain_of(r["url"]) or "", " ".join(r["text"].split())[:70]) for r in rows}
    print("domain_repeated_paragraphs on ../shared/data/warc (after URL, exact and near-dup dedup), per N:")
    for n in values:
        print(f"  N={n}: {counts[n]}")
        if n + 1 in removed:
            only: dict[str, list[str]] = {}
            for domain, text in sorted(removed[n] - removed[n + 1]):
                only.setdefault(domain, []).append(text)
            for domain, texts in only.items():
                print(f"      only at N={n}: {domain} ({len(texts)}): " + " | ".join(texts[:4]))
    return counts


def site_boilerplate_figures() -> dict[str, object]:
    """Share of site-repeated lines each chain removes, and the per-rule counts of the last chain."""
    with tempfile.TemporaryDirectory() as tmp:
        before, _ = run_on_warcs([], Path(tmp) / "none")
        docs_of: dict[tuple[str, str], set[str]] = {}
        for doc_id, domain, key in before:
            docs_of.setdefault((domain, key), set()).add(doc_id)
        repeated = {x for x in before if len(docs_of[x[1], x[2]]) >= 2}
        print(f"site boilerplate on ../shared/data/warc: {len(repeated)} lines of {len(before)} are in >= 2 distinct "
              f"pages of their domain ({len({d for d, _ in docs_of})} domains)")
        shares, counts = {}, {}
        for i, (name, steps) in enumerate(SITE_CHAINS.items()):
            left, counts = run_on_warcs(steps, Path(tmp) / f"chain{i}")
            shares[name] = 1 - len(repeated & left) / max(1, len(repeated))
            print(f"  {name}: removes {shares[name]:.1%} of them, {1 - len(left) / len(before):.1%} of all lines")
    rules: Counter[str] = Counter()
    for label, step_counts in counts.items():
        for key, n in step_counts.items():
            if key.split(":", 1)[0] in ("removed_paragraphs", "removed_lines", "merged_paragraphs",
                                        "split_paragraphs", "joined_lines"):
                rules[f"{label}:{key}"] += n
    print("per-rule removals on ../shared/data/warc (the last chain, after URL and exact dedup):")
    for key, n in sorted(rules.items(), key=lambda kv: -kv[1]):
        print(f"  {key}: {n}")
    return {"site_boilerplate_removed": {k: round(v, 4) for k, v in shares.items()}, "warc_rule_removals": dict(rules)}


def speed(pages: list[Page], rounds: int) -> None:
    """Docs/s of each preset's full chain on one core, from this process's CPU time (the figure
    holds on a busy machine). Documents are extracted beforehand; the word cache is emptied
    before each round so no round reuses another's segmentation."""
    for lang, preset in PRESET_OF_LANG.items():
        docs = [p.doc for p in pages if p.lang == lang and p.doc.text.strip()]
        run_chain(preset_steps(preset), [_copy(d) for d in docs[:3]], new_context())  # load models
        cpu = wall = 0.0
        for _ in range(rounds):
            batch = [_copy(d) for d in docs]
            words.cache_clear()
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            run_chain(preset_steps(preset), batch, new_context())
            cpu += time.process_time() - start_cpu
            wall += time.perf_counter() - start_wall
        n = len(docs) * rounds
        print(f"{preset}: {n / cpu:.0f} docs/s per core (CPU time; {n / wall:.0f} docs/s wall) over {len(docs)} "
              f"pages x {rounds} rounds, {sum(len(d.text) for d in docs) / len(docs) / 1000:.1f} k chars/page")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--figures", action="store_true", help="accuracy and keep-rate figures instead of speed")
    ap.add_argument("--rounds", type=int, default=3, help="passes over the pages when timing")
    args = ap.parse_args()
    pages = list(cached_pages())
    if args.figures:
        language_figures(pages)
        keep_figures(pages, "extract_html output")
        truth = list(cached_pages(truth=True))
        keep_figures(truth, "ground-truth article text")
        rates = keep_rates(truth)
        kept, total = sum(v[0] for v in rates.values()), sum(v[1] for v in rates.values())
        left, chars = clean_text_keep(truth)
        print(f"clean article text (readability expected + Chinese hand-made): {kept}/{total} = {kept / total:.1%} of "
              f"documents kept; {left / chars:.1%} of its characters left (references, captions and short lines go)")
        home_page_figures()
        domain_threshold_sweep()
        site = site_boilerplate_figures()
        print(json.dumps({"clean_article_keep_rate": round(kept / total, 4), "clean_text_chars_left": round(left / chars, 4),
                          **site}))
    else:
        speed(pages, args.rounds)


if __name__ == "__main__":
    main()
