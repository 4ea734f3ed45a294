"""The card's domain counts stay bounded however many domains a corpus has, and keep its heavy hitters."""

from __future__ import annotations

import random
from collections import Counter

from omniweave.pipeline.distributions import Distributions, domain_count_error, keep_heaviest


def test_domain_counts_are_bounded_and_keep_every_heavy_hitter() -> None:
    rng = random.Random(7)
    limit = 50
    truth: Counter[str] = Counter()
    merged = Distributions()
    for _task in range(40):  # 40 tasks of 500 documents: half on a few big sites, half on a long tail
        task = Distributions()
        for _ in range(500):
            site = int(rng.paretovariate(1.0)) if rng.random() < 0.5 else rng.randrange(1000, 21000)
            domain = f"site{site}.example"
            truth[domain] += 1
            task.documents += 1
            task.domains[domain] += 1
        part = task.to_json()
        keep_heaviest(counts := Counter(part["domains"]), limit)  # a task's marker, bounded
        part["domains"] = dict(counts)
        merged.documents += part["documents"]
        merged.domains.update(part["domains"])
        keep_heaviest(merged.domains, limit)
    assert len(truth) > 10 * limit and len(merged.domains) <= limit
    error = domain_count_error(merged.documents, merged.domains, limit)
    assert 0 < error <= merged.documents // (limit + 1)
    for domain, n in truth.items():
        if n > merged.documents // (limit + 1):
            assert domain in merged.domains  # every domain above the bound survives
        if domain in merged.domains:
            assert n - error <= merged.domains[domain] <= n
    top = [d for d, _ in truth.most_common(5)]
    assert [d for d, _ in merged.domains.most_common(5)] == top


def test_domain_counts_are_exact_below_the_limit() -> None:
    dist = Distributions()
    dist.add_part({"documents": 3, "domains": {"a.org": 2, "b.org": 1}})
    dist.add_part({"documents": 1, "domains": {"b.org": 1}})
    assert dist.domains == Counter({"a.org": 2, "b.org": 2})
    assert domain_count_error(dist.documents, dist.domains) == 0


def test_a_word_count_carried_between_passes_is_the_count_and_leaves_no_trace() -> None:
    from omniweave.document import Document, TextNode
    from omniweave.layout import document_to_row, row_to_document
    from omniweave.pipeline.distributions import WORD_COUNT_KEY, carry_word_count, restore_word_count

    def page() -> Document:
        return Document(id="d", nodes=[TextNode("The cat sat on the mat, twice."), TextNode("  "),
                                       TextNode("中文分词的测试 and more words")], metadata={"k": 1})

    unmeasured = page()
    carry_word_count(unmeasured)  # nothing counted yet: left to the pass that needs it
    assert WORD_COUNT_KEY not in unmeasured.metadata
    measured = page()
    expected = measured.analysis.word_count
    measured.shed_analysis()  # a dedup batch keeps the nodes' counts only
    carry_word_count(measured)
    back = row_to_document(document_to_row(measured))
    restore_word_count(back)
    assert back.metadata == {"k": 1} and vars(back.analysis)["word_count"] == expected
    assert back.analysis.word_count == page().analysis.word_count
    back.nodes[0] = TextNode("Now only five words here.")  # a changed text is counted afresh
    assert back.analysis.word_count == expected - 7 + 5
