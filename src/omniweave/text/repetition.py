"""Repetition measures over lines, paragraphs, words and characters (Gopher and BigScience/OBELICS).

Word and character n-grams are counted with numpy: each word (or character) becomes a 64-bit
number, each n-gram a 64-bit polynomial hash of its items, and the hashes are counted by sorting.
Two different n-grams count as one only on a 64-bit hash collision (about one chance in 10^19 per
pair); every measure otherwise equals counting the n-grams themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it is a bijection on 64-bit integers


@dataclass(frozen=True)
class WordArrays:
    """A word sequence as numbers: a 64-bit hash and the length of each word."""

    hashes: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, words: Sequence[str]) -> WordArrays:
        n = len(words)
        hashes = np.fromiter(map(hash, words), dtype=np.int64, count=n).view(np.uint64)
        return cls(hashes, np.fromiter(map(len, words), dtype=np.int64, count=n))

    def __len__(self) -> int:
        return len(self.hashes)


def _arrays(words: Sequence[str] | WordArrays) -> WordArrays:
    return words if isinstance(words, WordArrays) else WordArrays.of(words)


def ngram_hashes(items: np.ndarray, n: int) -> np.ndarray:
    """One 64-bit hash per run of ``n`` consecutive items (``len(items) - n + 1`` of them)."""
    keys = items[: len(items) - n + 1].copy()
    for k in range(1, n):
        keys *= _MULTIPLIER
        keys += items[k : len(items) - n + 1 + k]
    return keys


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


def top_ngram_char_ratio(words: Sequence[str] | WordArrays, n: int) -> float:
    """Characters covered by the most frequent word ``n``-gram (all its occurrences) / all word
    characters; of n-grams equally frequent, the one seen first."""
    arrays = _arrays(words)
    total = int(arrays.lengths.sum())
    if not total or len(arrays) < n:
        return 0.0
    _, first, counts = np.unique(ngram_hashes(arrays.hashes, n), return_index=True, return_counts=True)
    top = counts.max()
    if top < 2:
        return 0.0
    start = int(first[counts == top].min())
    return int(arrays.lengths[start : start + n].sum()) * int(top) / total


def duplicate_ngram_char_ratio(words: Sequence[str] | WordArrays, n: int) -> float:
    """Characters of words lying in a word ``n``-gram that occurs more than once / all word characters."""
    arrays = _arrays(words)
    total = int(arrays.lengths.sum())
    if not total or len(arrays) < n:
        return 0.0
    _, inverse, counts = np.unique(ngram_hashes(arrays.hashes, n), return_inverse=True, return_counts=True)
    starts = np.flatnonzero(counts[inverse] > 1)
    if not len(starts):
        return 0.0
    depth = np.zeros(len(arrays) + 1, dtype=np.int64)  # +1 where a repeated n-gram starts, -1 past its end
    depth[starts] += 1
    depth[starts + n] -= 1
    covered = np.cumsum(depth[:-1]) > 0
    return int(arrays.lengths[covered].sum()) / total


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as 64-bit integers."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def char_repetition_ratio(text: str | np.ndarray, n: int = 10) -> float:
    """BigScience character repetition: share of character ``n``-gram occurrences taken by the
    ``sqrt(distinct)`` most frequent repeated ones (``text`` may be given as :func:`code_points`)."""
    codes = code_points(text) if isinstance(text, str) else text
    if len(codes) < n:
        return 0.0
    freqs = np.unique(ngram_hashes(codes, n), return_counts=True)[1]
    repeated = int((freqs > 1).sum())
    k = min(int(math.sqrt(len(freqs))), repeated)
    if not k:
        return 0.0
    return int(np.sort(freqs)[-k:].sum()) / (len(codes) - n + 1)


def word_repetition_ratio(words: Sequence[str] | WordArrays, n: int = 5) -> float:
    """BigScience word repetition: share of word ``n``-gram occurrences that belong to repeated n-grams."""
    arrays = _arrays(words)
    if len(arrays) < n:
        return 0.0
    counts = np.unique(ngram_hashes(arrays.hashes, n), return_counts=True)[1]
    return int(counts[counts > 1].sum()) / (len(arrays) - n + 1)
