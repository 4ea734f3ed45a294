"""Near-duplicate detection: omniweave's MinHash stage vs datasketch, on edited copies of real pages.

Test set: every page under ``../shared/data/html`` read by omniweave's own reader (pages with
fewer than 50 units dropped, pages that are already near-copies of another collapsed to one),
plus, per page, copies with 1 %, 5 %, 10 % and 30 % of the words changed in spans (substitutions,
insertions and deletions of 1-12 words: how web copies differ), a boilerplate-only copy (site
chrome lines added around the text, up to 10 % of its words, at least one line) and, for reference, copies with 1 %, 5 % and 10 % of the words
substituted one by one at random positions (the worst case for word 5-grams).

Prints per edit level the mean exact Jaccard of word 5-gram sets and the recall of each system
(the copy ends up in its page's cluster), precision (pairs of a cluster that come from the same
page), and docs/s on one core for the whole stage: omniweave's map (signatures, band keys),
reduce (buckets, components, keepers) and filter pass; datasketch's MinHash + MinHashLSH
insert/query + union-find. ``--docs N`` instead synthesises N documents by the same edits in a
fresh process, runs omniweave's stage over them in 8 shards and reports time and peak memory.

    python bench/dedup.py               # quality + speed on the real pages (~1-2 min on 1 core)
    python bench/dedup.py --docs 100000 # peak memory at 100k documents
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from omniweave.dedup.cluster import load_drops
from omniweave.dedup.minhash import (
    MinhashDedup,
    candidate_probability,
    signatures,
    unit_hashes,
)
from omniweave.document import Document, TextNode
from omniweave.io.inputs import expand_inputs
from omniweave.readers import read_input
from omniweave.pipeline.context import ReduceContext, TaskContext
from omniweave.pipeline.rundir import RunDir

HTML = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "html"
NGRAM, NUM_PERM, THRESHOLD = 5, 128, 0.8
SPAN_LEVELS = (0.01, 0.05, 0.10, 0.30)
SCATTER_LEVELS = (0.01, 0.05, 0.10)
BOILERPLATE = [
    "Home | News | Sport | Business | Culture | Contact us",
    "We use cookies to improve your experience on our site. By continuing you accept our cookie policy. Accept",
    "Share this article on Facebook Twitter LinkedIn Email Print",
    "Subscribe to our newsletter and get the latest stories delivered to your inbox every morning",
    "Related articles you may also like",
    "© 2024 All rights reserved. Privacy Policy | Terms of Use | Advertise with us | Careers",
    "Skip to main content Menu Search Sign in",
]
_UNITS = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def units(text: str) -> list[str]:
    return _UNITS.findall(text.lower())


def shingles(text: str) -> set[str]:
    u = units(text)
    return {" ".join(u[i:i + NGRAM]) for i in range(max(len(u) - NGRAM + 1, 1))} if u else set()


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(len(a | b), 1)


def tokens(text: str) -> list[str]:
    """Editable tokens: words, and single characters of Chinese/Japanese text."""
    return [t for w in text.split() for t in (_UNITS.findall(w) if re.search("[\u3040-\u9fff]", w) else [w])]


def join(tokens_: list[str]) -> str:
    return " ".join(tokens_)


def span_edit(words: list[str], fraction: float, rng: random.Random, vocab: list[str]) -> list[str]:
    out, budget, changed = list(words), max(1, round(len(words) * fraction)), 0
    while changed < budget:
        size = min(rng.randint(1, 12), budget - changed)
        pos = rng.randrange(len(out))
        op = rng.randrange(3)
        if op == 0:
            out[pos:pos + size] = rng.choices(vocab, k=size)
        elif op == 1:
            out[pos:pos] = rng.choices(vocab, k=size)
        else:
            del out[pos:pos + size]
        changed += size
    return out


def scatter_edit(words: list[str], fraction: float, rng: random.Random, vocab: list[str]) -> list[str]:
    out = list(words)
    for pos in rng.sample(range(len(out)), max(1, round(len(out) * fraction))):
        out[pos] = rng.choice(vocab)
    return out


def boilerplate_edit(words: list[str], rng: random.Random) -> list[str]:
    """Site chrome lines around the text, one at a time while they stay within 10 % of its words
    (at least one line, however short the page)."""
    head: list[str] = []
    tail: list[str] = []
    for line in rng.sample(BOILERPLATE, len(BOILERPLATE)):
        extra = line.split()
        if (head or tail) and len(head) + len(tail) + len(extra) > 0.1 * len(words):
            break
        (head if rng.random() < 0.5 else tail).extend(extra)
    return head + words + tail


def load_pages() -> list[list[str]]:
    """Token lists of the distinct real pages (near-copies among them collapsed to one)."""
    counts: Counter[str] = Counter()
    texts = [d.text for f in expand_inputs([str(HTML)], "html") for d in read_input(f, counts, max_html_bytes=5_000_000)]
    texts = [t for t in texts if unit_hashes(t)[0].size >= 50]
    sig, _ = signatures(texts, NGRAM, 256, 7)
    sets = [shingles(t) for t in texts]
    merged = set()
    for i in range(len(texts)):  # any pair with an estimated Jaccard >= 0.2 is checked exactly
        close = np.flatnonzero((sig[i + 1:] == sig[i]).mean(axis=1) >= 0.2) + i + 1
        merged.update(int(j) for j in close if jaccard(sets[i], sets[int(j)]) >= 0.3)
    print(f"pages: {len(texts)} with >= 50 units, {len(merged)} dropped as near-copies of another page")
    return [tokens(t) for i, t in enumerate(texts) if i not in merged]


def build_set(pages: list[list[str]], seed: int = 1) -> list[tuple[str, str, str, str]]:
    """(doc id, origin, kind, text) for originals and every edited copy."""
    rng = random.Random(seed)
    vocab = [w for p in pages for w in p[:200]]
    rows = []
    for n, words in enumerate(pages):
        origin = f"p{n}"
        rows.append((f"{origin}/orig", origin, "original", join(words)))
        for level in SPAN_LEVELS:
            rows.append((f"{origin}/span{level}", origin, f"span {level:.0%}", join(span_edit(words, level, rng, vocab))))
        rows.append((f"{origin}/boiler", origin, "boilerplate", join(boilerplate_edit(words, rng))))
        for level in SCATTER_LEVELS:
            rows.append((f"{origin}/scatter{level}", origin, f"scatter {level:.0%}", join(scatter_edit(words, level, rng, vocab))))
    return rows


def as_documents(rows: list[tuple[str, str, str, str]], seed: int = 2) -> list[Document]:
    rng = random.Random(seed)
    start = datetime(2015, 1, 1, tzinfo=UTC)
    return [Document(id=i, nodes=[TextNode(text)], date=start + timedelta(days=rng.randrange(3000))) for i, _, _, text in rows]


def run_omniweave(shards: list[list[Document]] | list[Iterator[Document]], apply_shards, workdir: str) -> tuple[dict[str, str], dict[str, int]]:  # type: ignore[no-untyped-def]
    """The whole stage as the runner drives it: collect per shard, reduce, filter per shard."""
    step = MinhashDedup(MinhashDedup.Params(threshold=THRESHOLD, num_perm=NUM_PERM))
    run = RunDir(workdir)
    for t, docs in enumerate(shards):
        ctx = TaskContext(task_id=f"t{t}", pass_index=0, run=run)
        for _ in step.collect(docs, ctx):
            pass
    counts = step.reduce(ReduceContext(label=step.label, run=run, map_dir=run.global_map(0, step.label),
                                       out_dir=run.global_reduce(0, step.label), workers=1))
    keeper: dict[str, str] = {}
    for t, docs in enumerate(apply_shards):
        ctx = TaskContext(task_id=f"t{t}", pass_index=1, run=run)
        step.setup(ctx)
        for _ in step.run(docs, ctx):
            pass
        keeper.update(load_drops(run.fs, run.global_reduce(0, step.label), f"t{t}"))
    return keeper, counts


def run_datasketch(rows: list[tuple[str, str, str, str]], **lsh_args) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """MinHash + MinHashLSH (query, then insert) and union-find: doc -> cluster root."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(num_perm=NUM_PERM, **lsh_args)
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for doc_id, _, _, text in rows:
        m = MinHash(num_perm=NUM_PERM)
        m.update_batch([s.encode("utf-8") for s in shingles(text)])
        parent[doc_id] = doc_id
        for other in lsh.query(m):
            parent[find(other)] = find(doc_id)
        lsh.insert(doc_id, m)
    return {d: find(d) for d in parent}


def score(rows: list[tuple[str, str, str, str]], cluster: dict[str, str]) -> tuple[dict[str, float], float, int]:
    """Recall per kind, pair precision, and how many clusters mix different pages."""
    origin = {r[0]: r[1] for r in rows}
    found: dict[str, list[bool]] = defaultdict(list)
    for doc_id, org, kind, _ in rows:
        if kind != "original":
            found[kind].append(cluster[doc_id] == cluster[f"{org}/orig"])
    members: dict[str, list[str]] = defaultdict(list)
    for doc_id, root in cluster.items():
        members[root].append(doc_id)
    good = total = mixed = 0
    for docs in members.values():
        origins = Counter(origin[d] for d in docs)
        total += len(docs) * (len(docs) - 1) // 2
        good += sum(c * (c - 1) // 2 for c in origins.values())
        mixed += len(origins) > 1
    return {k: float(np.mean(v)) for k, v in found.items()}, good / max(total, 1), mixed


def clusters_from_drops(rows: list[tuple[str, str, str, str]], kept: dict[str, str]) -> dict[str, str]:
    return {r[0]: kept.get(r[0], r[0]) for r in rows}


def quality_and_speed() -> None:
    pages = load_pages()
    rows = build_set(pages)
    kinds = list(dict.fromkeys(r[2] for r in rows if r[2] != "original"))
    originals = {r[1]: r[3] for r in rows if r[2] == "original"}
    truth = defaultdict(list)
    for _, org, kind, text in rows:
        if kind != "original":
            truth[kind].append(jaccard(shingles(originals[org]), shingles(text)))
    docs = as_documents(rows)
    shards = [docs[i::4] for i in range(4)]
    print(f"test set: {len(pages)} distinct pages, {len(rows)} documents, 4 shards, "
          f"mean {np.mean([len(r[3]) for r in rows]):.0f} characters")

    with tempfile.TemporaryDirectory() as warm:  # one-time imports and tables, outside the timing
        run_omniweave([docs[:50]], [docs[:50]], warm)
    with tempfile.TemporaryDirectory() as tmp:
        started, wall = time.process_time(), time.perf_counter()
        kept, counts = run_omniweave(shards, shards, tmp)
        ours_s, ours_wall = time.process_time() - started, time.perf_counter() - wall
    ours_recall, ours_precision, ours_mixed = score(rows, clusters_from_drops(rows, kept))

    step = MinhashDedup(MinhashDedup.Params(threshold=THRESHOLD, num_perm=NUM_PERM))
    bands, rows_per_band = step.params.layout()  # type: ignore[attr-defined]
    started, wall = time.process_time(), time.perf_counter()
    ds_cluster = run_datasketch(rows, threshold=THRESHOLD)
    ds_s, ds_wall = time.process_time() - started, time.perf_counter() - wall
    ds_recall, ds_precision, ds_mixed = score(rows, ds_cluster)
    ds_same = run_datasketch(rows, params=(bands, rows_per_band))
    same_recall, same_precision, same_mixed = score(rows, ds_same)

    print(f"\nomniweave layout {bands} bands x {rows_per_band} rows (P(candidate) at J=0.8: "
          f"{candidate_probability(0.8, bands, rows_per_band):.3f}); datasketch threshold=0.8 picks its own; "
          "'ds same layout' = datasketch with omniweave's bands/rows")
    print(f"{'edit':<14}{'true J mean':>12}{'J min':>8}{'omniweave':>11}{'datasketch':>12}{'ds same layout':>16}")
    for kind in kinds:
        j = truth[kind]
        print(f"{kind:<14}{np.mean(j):>12.3f}{np.min(j):>8.3f}{ours_recall[kind]:>11.3f}{ds_recall[kind]:>12.3f}"
              f"{same_recall[kind]:>16.3f}")
    print(f"{'precision':<34}{ours_precision:>11.4f}{ds_precision:>12.4f}{same_precision:>16.4f}")
    print(f"{'clusters mixing pages':<34}{ours_mixed:>11d}{ds_mixed:>12d}{same_mixed:>16d}")
    print(f"\nomniweave reduce: {counts}")
    print(f"docs/s per core (CPU time of this single-threaded process), whole stage: "
          f"omniweave {len(rows) / ours_s:,.0f} ({ours_s:.2f} s CPU, {ours_wall:.2f} s wall), "
          f"datasketch {len(rows) / ds_s:,.0f} ({ds_s:.2f} s CPU, {ds_wall:.2f} s wall): {ds_s / ours_s:.1f}x")


def synthetic(n: int, pages: list[list[str]], shard: int, shards: int) -> Iterator[Document]:
    """Documents ``shard::shards`` of ``n`` synthesised ones (the same stream every call)."""
    vocab = [w for p in pages[:50] for w in p[:200]]
    start = datetime(2015, 1, 1, tzinfo=UTC)
    for i in range(shard, n, shards):
        rng = random.Random(i)
        words = pages[i % len(pages)]
        kind = rng.randrange(6)
        if kind < 4:
            words = span_edit(words, SPAN_LEVELS[kind], rng, vocab)
        elif kind == 4:
            words = boilerplate_edit(words, rng)
        yield Document(id=f"d{i}", nodes=[TextNode(join(words))], date=start + timedelta(days=rng.randrange(3000)))


def scale(n: int) -> None:
    pages = load_pages()
    shards = 8
    rss_mb = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.process_time()
    generated = sum(1 for s in range(shards) for _ in synthetic(n, pages, s, shards))
    gen_s = time.process_time() - started
    before = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        started, wall = time.process_time(), time.perf_counter()
        kept, counts = run_omniweave([synthetic(n, pages, s, shards) for s in range(shards)],
                                     [synthetic(n, pages, s, shards) for s in range(shards)], tmp)
        total_s, wall = time.process_time() - started, time.perf_counter() - wall
    stage_s = total_s - 2 * gen_s  # the documents are synthesised twice (map and filter pass)
    print(f"{generated} synthetic documents from {len(pages)} pages in {shards} shards: stage {stage_s:.1f} s CPU "
          f"({n / stage_s:,.0f} docs/s per core; synthesis, {gen_s:.1f} s CPU per pass, excluded; {wall:.1f} s wall in all)")
    print(f"reduce: {counts}; dropped {len(kept)}")
    print(f"peak RSS: {rss_mb():.0f} MB (before the stage, with the pages loaded: {before:.0f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, help="synthesise this many documents and report peak memory")
    args = parser.parse_args()
    if args.docs:
        scale(args.docs)
    else:
        quality_and_speed()


if __name__ == "__main__":
    sys.exit(main())
