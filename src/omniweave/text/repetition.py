"""Repetition measures over lines, paragraphs, words and characters (Gopher and BigScience/OBELICS)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from omniweave.text.words import ngrams


def duplicates(items: Sequence[str]) -> tuple[int, int]:
    """(number of items equal to an earlier one, characters in those items)."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars


def top_ngram_char_ratio(words: Sequence[str], n: int) -> float:
    """Characters covered by the most frequent word ``n``-gram (all its occurrences) / all word characters."""
    total = sum(map(len, words))
    if not total or len(words) < n:
        return 0.0
    (gram, count), = Counter(ngrams(words, n)).most_common(1)
    if count < 2:
        return 0.0
    return sum(map(len, gram)) * count / total


def duplicate_ngram_char_ratio(words: Sequence[str], n: int) -> float:
    """Characters of words lying in a word ``n``-gram that occurs more than once / all word characters."""
    total = sum(map(len, words))
    if not total or len(words) < n:
        return 0.0
    grams = list(ngrams(words, n))
    counts = Counter(grams)
    covered = bytearray(len(words))
    for i, gram in enumerate(grams):
        if counts[gram] > 1:
            covered[i : i + n] = b"\x01" * n
    return sum(len(w) for w, c in zip(words, covered, strict=True) if c) / total


def char_repetition_ratio(text: str, n: int = 10) -> float:
    """BigScience character repetition: share of character ``n``-gram occurrences taken by the
    ``sqrt(distinct)`` most frequent repeated ones."""
    if len(text) < n:
        return 0.0
    counts = Counter(text[i : i + n] for i in range(len(text) - n + 1))
    freqs = sorted(counts.values(), reverse=True)
    repeated = sum(1 for f in freqs if f > 1)
    k = min(int(math.sqrt(len(freqs))), repeated)
    return sum(freqs[:k]) / sum(freqs)


def word_repetition_ratio(words: Sequence[str], n: int = 5) -> float:
    """BigScience word repetition: share of word ``n``-gram occurrences that belong to repeated n-grams."""
    if len(words) < n:
        return 0.0
    counts = Counter(ngrams(words, n))
    total = sum(counts.values())
    return sum(c for c in counts.values() if c > 1) / total
