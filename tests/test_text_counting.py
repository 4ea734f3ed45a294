"""The compiled build's one-pass counts (text/counting.py) equal the numpy and Python measures they
stand in for, on real paragraphs and documents and on crafted edge cases."""

from __future__ import annotations

from itertools import filterfalse

import numpy as np
import pytest

from omniweave.text import counting
from omniweave.text.analysis import _char_measures
from omniweave.text.repetition import WordArrays, char_repetition_ratio, word_repetition_ratios
from omniweave.text.stats import class_bits, punctuation_count, special_char_count
from omniweave.text.words import words

pytestmark = pytest.mark.skipif(not counting.COMPILED, reason="the C loops run in the compiled build only")

CRAFTED = ["", "a", "aaaaaaaaaaaaaaaaaaaa", "ab" * 40, "𝐀𝐁𝐂 bold 😀 ½ ² Ⅻ" * 5, "中华人民共和国成立于1949年，首都是北京。" * 3,
           "tabs\tand\x0bvertical\x1cseparators, snake_case__words~and|pipes", "x" * 9, "abcdefghij"]


@pytest.fixture(scope="module")
def paragraphs(shared_data) -> list[str]:
    """Lines of the shared Chinese pages' cleaned text and paragraphs of English ground truths."""
    texts = []
    for path in sorted((shared_data / "html" / "chinese-web-content-extraction" / "cleaned").glob("*.txt"))[:40]:
        texts += path.read_text(encoding="utf-8").splitlines()
    for path in sorted((shared_data / "html" / "readability-test-pages").glob("*/expected.html"))[:40]:
        texts += [p for p in path.read_text(encoding="utf-8").split("<p>") if p.strip()]
    return [*CRAFTED, *texts]


def test_character_counts_and_repetition_equal_the_numpy_passes(paragraphs):
    for n in (3, 10):
        special, punctuation, ratios = counting.char_measures(paragraphs, class_bits(), n)
        expected = _char_measures(paragraphs, class_bits(), n)
        assert special.tolist() == expected[0].tolist()
        assert punctuation.tolist() == expected[1].tolist()
        assert ratios.tolist() == expected[2].tolist()
    special, punctuation, _ = counting.char_measures(paragraphs, class_bits(), 0)
    assert special.tolist() == [special_char_count(t) for t in paragraphs]
    assert punctuation.tolist() == [punctuation_count(t) for t in paragraphs]


def test_character_repetition_of_long_texts_equals_each_counted_alone(paragraphs):
    long = [t for t in paragraphs if len(t) >= 300][:50]
    assert long
    assert counting.char_measures(long, class_bits(), 10)[2].tolist() == [char_repetition_ratio(t) for t in long]


def test_word_numbers_and_shape_equal_pythons(paragraphs):
    for text in paragraphs:
        ws = words(text)
        hashes, lengths = counting.word_numbers(ws)
        assert hashes.dtype == np.uint64 and hashes.view(np.int64).tolist() == list(map(hash, ws))
        assert lengths.tolist() == list(map(len, ws))
        alpha = sum(map(str.isalpha, ws)) + sum(1 for w in filterfalse(str.isalpha, ws) if any(map(str.isalpha, w)))
        assert counting.word_shape(ws) == (sum(map(len, ws)), alpha)


def test_word_repetition_of_many_sequences_equals_the_numpy_sort(paragraphs):
    sequences = [words(t) for t in paragraphs] + [("a", "b") * 40, (), ("x",) * 7]
    counts = np.array([len(s) for s in sequences], dtype=np.int64)
    hashes = counting.word_numbers([w for s in sequences for w in s])[0]
    for n in (1, 2, 5):
        expected = word_repetition_ratios(hashes, counts, n).tolist()
        assert counting.word_repetition_each(hashes, counts, n).tolist() == expected


def test_ngram_counts_equal_those_of_the_sorted_repeats(paragraphs):
    """Most frequent n-gram (the first seen of equals), repeated windows and covered characters."""
    documents = [words(" ".join(paragraphs[i:i + 30])) for i in range(0, len(paragraphs), 30)]
    documents += [("a", "b") * 40, ("x",) * 3, ("p", "q", "p", "q", "r", "p", "q")]
    for ws in documents:
        arrays = WordArrays.of(ws)
        for n in range(1, 12):
            if n > len(ws):
                continue
            repeats = WordArrays(arrays.hashes, arrays.lengths).repeats(n)
            depth = np.zeros(len(ws) + 1, dtype=np.int64)
            depth[repeats.starts] += 1
            depth[repeats.starts + n] -= 1
            covered = int(arrays.lengths[np.cumsum(depth[:-1]) > 0].sum())
            expected = (repeats.top, repeats.top_start, len(repeats.starts), covered)
            assert counting.ngram_counts(arrays.hashes, arrays.lengths, n) == expected, n
