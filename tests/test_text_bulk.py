"""Measures taken for many texts at once (a document's paragraphs) equal those of each text alone:
words with the Han runs of all texts segmented in one call, pattern literals found in one pass,
character classes counted in one numpy pass, gated searches over many texts."""

from __future__ import annotations

import re

import numpy as np
import pytest

from omniweave.filters import omnicorpus_rules
from omniweave.text.analysis import TextAnalysis, literals_of_each, segment_each
from omniweave.text.patterns import (
    AnyPattern,
    fold,
    folded_lines,
    literals_each,
    literals_in,
)
from omniweave.text.stats import CLASSES, class_counts
from omniweave.text.words import words, words_each

CRAFTED = [
    "", " ", "Don't panic: 42 towels!", "rock’n’roll and l'été", "中华人民共和国成立于1949年，首都是北京。",
    "中", "ABC中文DEF 日本語のテキスト カタカナ 한국어", "𝐀𝐁𝐂 bold capitals 𠀀𠀁 rare Han, emoji 😀 ½ ² Ⅻ",
    "Copyright © 2024 Example Inc. All rights reserved.", "Tel: +44 20 7946 0958", "下载链接：http://x.cn 提取码",
    "line one\nline two\n\nline three", "İstanbul ſ K Å", "___ --- ...",
    "tabs\tand\x0bvertical\x1cseparators, snake_case__words~and|pipes", "'quoted' rock''n x'y' 'tis",
]


@pytest.fixture(scope="module")
def real_texts(shared_data) -> list[str]:
    """Lines of the shared Chinese pages' cleaned text and of English ground truths."""
    lines = []
    for path in sorted((shared_data / "html" / "chinese-web-content-extraction" / "cleaned").glob("*.txt")):
        lines += path.read_text(encoding="utf-8").splitlines()
    for path in sorted((shared_data / "html" / "readability-test-pages").glob("*/expected-metadata.json"))[:20]:
        lines.append(path.read_text(encoding="utf-8"))
    return [*CRAFTED, *lines]


def one_by_one(text: str) -> tuple[str, ...]:
    """The words of ``text`` from every token on its own, each Han run cut alone."""
    from rjieba import cut

    from omniweave.text.words import _HAN, _TOKEN

    out: list[str] = []
    for token in _TOKEN.findall(text):
        out += cut(token, True) if len(token) > 1 and re.match(f"[{_HAN}]", token) else [token]
    return tuple(out)


def test_words_of_many_texts_equal_each_han_run_cut_alone(real_texts):
    assert sum(bool(re.search("[\u4e00-\u9fff]{2}", t)) for t in real_texts) > 100
    expected = [one_by_one(t) for t in real_texts]
    assert words_each(real_texts) == expected
    assert [words(t) for t in real_texts] == expected


def test_words_of_han_runs_spliced_among_other_tokens():
    texts = [
        "北京2008年奥运会abc开幕式", "第1章 中国历史 第2章", "中文\x00测试 x", "\x00中国人民", "中国 人民",
        "他说：“我们走吧。”然后离开了", "iPhone手机和iPad平板", "東京タワーに行きました", "한국어와 中文混合",
        "一 二 三", "中", "中国\n\n人民", "中国 \n 人民", "α中国β人民γ", "_中国_人民_", "中国\x01人民 x",
    ]
    assert words_each(texts) == [one_by_one(t) for t in texts]
    assert words_each(texts[::-1]) == [one_by_one(t) for t in texts[::-1]]
    assert words_each(["一 二", "中 x"]) == [("一", "二"), ("中", "x")]  # Han, but no run to cut


def test_character_classes_counted_at_once_equal_those_counted_one_by_one(real_texts):
    counts = class_counts(real_texts, list(CLASSES))
    for kind, test in CLASSES.items():
        assert counts[kind].tolist() == [sum(map(test, t)) for t in real_texts], kind
    a = TextAnalysis(CRAFTED[7])
    i = CRAFTED.index(CRAFTED[7])
    assert (counts["upper"][i], counts["digit"][i], counts["letter"][i]) == (a.uppercase, a.digits, a.letters)


def test_literals_and_gated_searches_of_many_texts_equal_those_of_each(real_texts):
    texts = [" ".join(t.split()) for t in real_texts]
    found = literals_each([fold(t) for t in texts])
    assert found == [literals_in(fold(t)) for t in texts]
    rows_of: dict[int, list[int]] = {}
    for row, literals in enumerate(found):
        for literal in literals:
            rows_of.setdefault(literal, []).append(row)
    patterns = [p for p in vars(omnicorpus_rules).values() if isinstance(p, AnyPattern)]
    among = np.ones(len(texts), dtype=bool)
    among[::3] = False  # not asked: False
    for pattern in patterns:
        expected = [bool(a) and pattern.search(t, f) for t, f, a in zip(texts, found, among, strict=True)]
        assert pattern.search_each(texts, rows_of, among).tolist() == expected
        assert not pattern.search_each(texts, rows_of, np.zeros(len(texts), dtype=bool)).any()  # none asked
        assert [pattern.search(t) for t in texts] == [pattern.search(t, f) for t, f in zip(texts, found, strict=True)]


def test_measures_taken_at_once_are_those_each_analysis_would_take(real_texts):
    analyses = [TextAnalysis(t) for t in real_texts[:200]]
    kept = analyses[3].words  # already measured: kept
    segment_each(analyses)
    literals_of_each(analyses)
    for a in analyses:
        fresh = TextAnalysis(a.text)
        assert a.words == fresh.words and a.literals == fresh.literals
    assert analyses[3].words is kept


def test_word_repetition_of_many_sequences_equals_each_counted_alone(real_texts):
    import numpy as np

    from omniweave.text.repetition import word_repetition_ratios
    from omniweave.text.repetition import word_repetition_ratio

    sequences = [words(t) for t in real_texts] + [("a", "b") * 40, (), ("x",) * 7, tuple("abcdefg") * 50]
    counts = np.array([len(s) for s in sequences])
    hashes = np.fromiter(map(hash, (w for s in sequences for w in s)), dtype=np.int64).view(np.uint64)
    for n in (2, 5):
        expected = [word_repetition_ratio(s, n) for s in sequences]
        assert word_repetition_ratios(hashes, counts, n).tolist() == expected


def test_a_documents_literals_are_those_of_its_joined_text(real_texts):
    from omniweave.document import Document, TextNode

    for start in range(0, 400, 40):
        nodes = [TextNode(t) for t in real_texts[start:start + 40] if t.strip()]
        nodes += [TextNode("privacy"), TextNode("policy of the site"), TextNode("下载"), TextNode("链接 here")]
        d = Document(id="d", nodes=nodes)
        assert d.analysis.literals == literals_in(fold(d.analysis.collapsed))


def test_a_documents_character_counts_from_its_measured_nodes_equal_those_of_its_text(real_texts):
    from omniweave.document import Document, TextNode
    from omniweave.text.stats import punctuation_count, special_char_count

    d = Document(id="d", nodes=[TextNode(t) for t in real_texts[:300]])
    d.analysis.measure_nodes()
    fresh = Document(id="d", nodes=d.texts)  # a new document analysis over the measured nodes
    assert fresh.analysis is not d.analysis
    assert fresh.analysis.special_chars == special_char_count(fresh.analysis.text)
    assert fresh.analysis.punctuation == punctuation_count(fresh.analysis.text)


def test_a_documents_lines_are_those_of_its_nodes(real_texts):
    from itertools import chain

    from omniweave.document import Document, TextNode

    texts = [*real_texts[:300], "a\r", "\nb\r\n", " c \u2028 d\x0c", "e\x85", "   ", "f\n\n\ng"]
    d = Document(id="d", nodes=[TextNode(t) for t in texts])
    assert d.analysis.lines == list(chain.from_iterable(TextAnalysis(t).lines for t in texts))


def test_the_plane_table_holds_each_class_of_every_character():
    from omniweave.text.stats import _bmp_bits

    bits = _bmp_bits()[:-1].tolist()
    for bit, (kind, test) in enumerate(CLASSES.items()):
        assert [bool(b >> bit & 1) for b in bits] == [test(chr(c)) for c in range(len(bits))], kind


def test_the_special_and_punctuation_tables_hold_each_character_of_their_class():
    import unicodedata

    from omniweave.text.stats import _LIMIT, _table

    special, punctuation = _table("special").tolist(), _table("punctuation").tolist()
    for cp in range(_LIMIT + 1):
        ch, listed = chr(cp), cp < 0x10000 or 0x1F000 <= cp < _LIMIT
        category = unicodedata.category(ch)[0]
        assert punctuation[cp] == (listed and category == "P"), hex(cp)
        assert special[cp] == (listed and (category in "PS" or ch.isspace() or ch.isdigit())), hex(cp)


def test_lower_case_words_and_cjk_word_counts_equal_those_word_by_word(real_texts):
    from omniweave.text.words import cjk_word_count, is_cjk_char

    texts = [*real_texts, "ΟΔΟΣ οδός Σ", "ǅemal ǲ", "ﬁ ß ẞ"]
    alone = [TextAnalysis(t) for t in texts]
    for a in alone:
        assert list(a.lower_words) == [w.lower() for w in a.words]
        assert cjk_word_count(a.words) == sum(is_cjk_char(w[0]) for w in a.words)
    assert cjk_word_count(["中\n国", "a\n中", "国"]) == 2
    many = [w for a in alone for w in a.words] + ["", "\ud800", "", "中"]  # numpy's path
    assert cjk_word_count(many) == sum(map(bool, map(is_cjk_char, [w[:1] for w in many])))
    assert cjk_word_count(many + ["a\n中"]) == cjk_word_count(many)


def test_a_documents_word_numbers_joined_from_its_nodes_equal_those_of_its_words(real_texts):
    import numpy as np

    from omniweave.document import Document, TextNode
    from omniweave.text.repetition import WordArrays

    nodes = [TextNode(t) for t in real_texts[:300]]
    d = Document(id="d", nodes=nodes)
    d.analysis.measure_nodes(word_repetition_n=3)
    for a in d.analysis.paragraphs:
        if a.word_count >= 3:
            assert a._word_repetition[3] == pytest.approx(TextAnalysis(a.text).word_repetition(3), abs=1e-12)
    for kept in (nodes, nodes[::3] + [TextNode("新的 段落 new paragraph")], [], [TextNode("")]):
        fresh = Document(id="d", nodes=kept).analysis  # reuses the numbers its measured nodes kept
        expected = WordArrays.of(list(fresh.words))
        assert np.array_equal(fresh.word_arrays.hashes, expected.hashes)
        assert np.array_equal(fresh.word_arrays.lengths, expected.lengths)
        assert fresh.word_repetition(2) == TextAnalysis(fresh.text).word_repetition(2)


def test_rules_over_a_documents_open_paragraphs_equal_each_paragraph_judged_alone(real_texts):
    import numpy as np

    from omniweave.document import TextNode
    from omniweave.filters.omnicorpus_rules import NODE_RULES, Paras, RuleParams

    english = ["Share this article", "a b c d e f g h", "It is so, as we go up to it.", "Photo: Getty Images"]
    nodes = [TextNode(t) for t in [*real_texts[:300], *english] if t.strip()]
    nodes += [TextNode("Chapter one", "heading"), TextNode("See also", "heading")]
    params = RuleParams()
    for lang in ("zh", "en"):
        alone = {name: [bool(rule(Paras.of(n, lang), params)[0]) for n in nodes] for name, rule in NODE_RULES.items()}
        together = Paras(nodes, lang)
        for name, rule in NODE_RULES.items():
            for open_ in (np.arange(len(nodes)) % 3 != 0, np.arange(len(nodes)) % 3 == 0):
                together.open = open_  # answers are read where open only
                got = rule(together, params)[open_].tolist()
                assert got == [a for a, o in zip(alone[name], open_, strict=True) if o], (lang, name)
        fired = {name for name, hits in alone.items() if any(hits)}
        assert {"aberrant", "one_word", "header_footer", "too_short"} <= fired if lang == "en" else len(fired) > 5


def test_literals_of_texts_holding_newlines_or_lone_surrogates_are_those_of_each():
    AnyPattern(r"privacy policy", r"下载")  # literals known whatever the test order
    texts = [fold(t) for t in ["Privacy\npolicy", "privacy policy\n下载", "bad \ud800 privacy policy", "", "下载"]]
    assert literals_each(texts) == [literals_in(t) for t in texts]
    assert literals_each(texts[2:]) == [literals_in(t) for t in texts[2:]]
    assert literals_in(texts[2]) and literals_in(texts[4]) and not literals_in(texts[0]) & literals_in(texts[4])


def test_listed_words_counted_at_once_equal_those_counted_one_by_one(real_texts):
    from omniweave.filters.wordlists import flagged_each, flagged_in, word_list
    from omniweave.text.analysis import count_listed_each

    listed = frozenset({"the", "中国", "towels", "don't"})
    texts = [*real_texts[:300], "The THE the", "Don't panic"]
    for chosen in (texts, texts[:3], ["no word of it here"]):
        together = [TextAnalysis(t) for t in chosen]
        assert count_listed_each(together, listed) == [TextAnalysis(t).count_listed(listed) for t in chosen]
        assert [a.count_listed(listed) for a in together] == count_listed_each(together, listed)  # kept
    flagged = sorted(word_list("flagged", "en"))[:3]
    for lang in ("en", "zh"):
        crafted = [*texts, " ".join(flagged), f"x {flagged[0].upper()} y", "色情 内容"]
        counts = flagged_each([TextAnalysis(t) for t in crafted], lang)
        assert counts == [flagged_in(TextAnalysis(t), lang) for t in crafted] and counts[-1 if lang == "zh" else -3] > 0


def test_listed_words_gated_by_the_folded_texts_are_those_counted_word_by_word(real_texts):
    """An ASCII list gates many texts by one search of their folded form (a Kelvin sign lower-cases
    and folds to "k"; a dotted capital I folds to "i" but lower-cases to two characters)."""
    from omniweave.text.analysis import count_listed_each

    listed = frozenset({"the", "towels", "don't", "kelvin", "istanbul", "i"})
    crafted = ["The THE the", "\u212aELVIN scale", "İstanbul İ i", "line one\nthe line two", "DON'T panic", "x", "",
               "ΣΊΣΥΦΟΣ the", "tHe"]
    for chosen in ([*real_texts[:300], *crafted], crafted, crafted[1:2], [t for t in crafted if "\n" not in t]):
        together = [TextAnalysis(t) for t in chosen]
        assert count_listed_each(together, listed) == [sum(w.lower() in listed for w in words(t)) for t in chosen]
    assert count_listed_each([TextAnalysis(crafted[1])], listed) == [1]


def test_only_the_kelvin_sign_lower_cases_to_ascii_from_outside_it():
    from omniweave.text.analysis import KELVIN

    assert [c for c in range(0x80, 0x110000) if chr(c).lower().isascii()] == [ord(KELVIN)]


def test_only_upper_and_title_case_characters_lower_case_to_another():
    assert not [c for c in range(0x110000) if chr(c).lower() != chr(c) and not (chr(c).isupper() or chr(c).istitle())]


def test_folded_texts_joined_are_the_fold_of_the_texts_joined(real_texts):
    texts = [*real_texts, "İstanbul ſ \u212a Å ΣΊΣΥΦΟΣ ς", "MiXeD ASCII", "bad \ud800 surrogate"]
    assert folded_lines(texts) == fold("\n".join(texts)).encode("utf-8", "surrogatepass")
    assert folded_lines([]) == b""


def test_listed_words_of_a_text_are_its_lower_case_words_in_the_list(real_texts):
    from omniweave.filters.wordlists import word_list

    odd = frozenset({"the", "don't", "kelvin", "i\u0307stanbul", "straße", "σοφία", "123"})  # lower-cased forms
    crafted = ["The THE the tHe ThE", "Don't panic DON'T", "", "\u212aELVIN \u212aelvin", "İstanbul ISTANBUL",
               "STRASSE Straße STRAßE", "ΣΟΦΊΑ Σοφία σοφία", "123 ١٢٣"]
    for listed in (word_list("stopwords", "en"), word_list("flagged", "en"), odd):
        for text in [*real_texts[:200], *crafted]:
            a = TextAnalysis(text)
            assert a.count_listed(listed) == sum(w.lower() in listed for w in a.words)
    assert [TextAnalysis(t).count_listed(odd) for t in crafted] == [5, 2, 0, 2, 1, 2, 3, 1]
