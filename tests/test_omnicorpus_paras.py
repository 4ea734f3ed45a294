"""The character classes the OmniCorpus rules count, from the compiled loop over characters, equal
those counted in numpy (and character by character) on real paragraphs in English and Chinese."""

from __future__ import annotations

import pytest

from omniweave.filters.paras import COUNTED, counts_each
from omniweave.text.stats import CLASSES, class_counts

EDGES = ["", " ", "𝐀𝐁𝐂 bold capitals 😀 ½ ² Ⅻ", "İstanbul ſ K Å", "中文 テキスト 한국어 SK-II", "x" * 3, "𠀀𠀁"]


@pytest.fixture(scope="module")
def paragraphs(shared_data) -> list[str]:
    out = []
    for path in sorted((shared_data / "html" / "chinese-web-content-extraction" / "cleaned").glob("*.txt")):
        out += filter(None, map(str.strip, path.read_text(encoding="utf-8").splitlines()))
    for path in sorted((shared_data / "html" / "readability-test-pages").glob("*/expected.html"))[:40]:
        out += [" ".join(p.split()) for p in path.read_text(encoding="utf-8").split("<p>")]
    return [*EDGES, *out]


def test_counted_classes_equal_those_of_numpy_and_of_each_character(paragraphs):
    counts = counts_each(paragraphs)
    expected = class_counts(paragraphs, COUNTED)
    for kind in COUNTED:
        assert counts[kind].dtype == expected[kind].dtype
        assert counts[kind].tolist() == expected[kind].tolist(), kind
    for i, text in enumerate(EDGES):
        assert [counts[kind][i] for kind in COUNTED] == [sum(map(CLASSES[kind], text)) for kind in COUNTED]
    assert counts["cjk"].sum() > 10_000 and counts["upper"].sum() > 1_000


def test_no_texts_no_counts():
    assert {kind: v.tolist() for kind, v in counts_each([]).items()} == {kind: [] for kind in COUNTED}


def test_short_words_counted_per_paragraph_equal_a_count_of_their_lengths(paragraphs):
    from omniweave.filters.paras import _short_word_counts
    from omniweave.text.words import words_each

    found = words_each(paragraphs)
    assert _short_word_counts(found) == [sum(len(w) <= 2 for w in ws) for ws in found]
    assert _short_word_counts([["a", "bb", "ccc", "𠀀𠀁", "𠀀𠀁𠀂"], ()]) == [3, 0]


def test_bare_url_tried_only_without_spaces_fires_where_the_pattern_matches(paragraphs):
    from omniweave.document import TextNode
    from omniweave.filters.omnicorpus_rules import BARE_URL, RuleParams, bare_url
    from omniweave.filters.paras import Paras

    texts = [*paragraphs, "https://example.com/a?b=c", "www.example.org", "example.com/x y", "(http://x.cn)"]
    p = Paras([TextNode(t, "paragraph") for t in texts], "en")
    assert bare_url(p, RuleParams()).tolist() == [BARE_URL.match(t) is not None for t in p.texts]
    assert sum(bare_url(p, RuleParams()).tolist()) >= 3
