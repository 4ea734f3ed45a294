"""Repetition measures over lines, paragraphs, words and characters (Gopher and BigScience/OBELICS).

Short sequences are counted with a ``Counter`` of the n-grams themselves. From ``NUMPY_FROM`` items
on (where it is faster; word sequences of any length in the compiled build, ``ARRAYS_FROM``), with
numbers: each word (or character) becomes a 64-bit number, each n-gram a 64-bit polynomial hash of
its items, and the hashes are counted (by sorting, or in a hash table). Two different n-grams count
as one only on a 64-bit hash collision (about one chance in 10^19 per pair; for several texts
measured at once, :func:`char_repetition_ratios`, a collision of the bits left beside the text's
number: one chance in 10^17 for 100 texts); every measure otherwise equals counting the n-grams
themselves.

Word n-grams are counted once per length by :meth:`WordArrays.counts`: in the compiled build in a
hash table (:mod:`omniweave.text.counting`, C loops over the same hashes), else by sorting, where
n-grams of several lengths over the same words (Gopher's 2- to 10-grams) share their work through
:meth:`WordArrays.repeats`: an n-gram occurring twice is made of m-grams (m < n) that each occur
twice, so only the starts of runs of repeated m-grams are hashed and sorted for n.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from omniweave.text.counting import COMPILED as COUNTING_COMPILED
from omniweave.text.counting import ngram_counts, word_numbers

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd: multiplying by it is a bijection on 64-bit integers
NUMPY_FROM = 300  # words or characters; shorter sequences are counted in a Counter (measured faster)
# words: shorter word sequences are counted in a Counter (the compiled hash table is the faster at any length)
ARRAYS_FROM = 1 if COUNTING_COMPILED else NUMPY_FROM


@dataclass(frozen=True)
class Repeats:
    """Word ``n``-grams occurring more than once: where they start (ascending), how often the most
    frequent occurs, and where it first starts (of those equally frequent, the one seen first)."""

    starts: np.ndarray
    top: int = 0
    top_start: int = -1


class NgramCounts(NamedTuple):
    """Of the word ``n``-grams of a sequence: how often the most frequent occurs (0 if none repeats),
    where it first starts (of those equally frequent, the one seen first; -1), how many windows hold
    a repeated n-gram, and the characters of the words those windows cover."""

    top: int
    top_start: int
    repeated: int
    covered_chars: int


@dataclass(frozen=True)
class WordArrays:
    """A word sequence as numbers: a 64-bit hash and the length of each word (and, once asked for,
    its n-gram counts, see :meth:`counts`)."""

    hashes: np.ndarray
    lengths: np.ndarray
    _repeats: dict[int, Repeats] = field(default_factory=dict, compare=False, repr=False)
    _counts: dict[int, NgramCounts] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, words: Sequence[str]) -> WordArrays:
        if COUNTING_COMPILED:
            return cls(*word_numbers(words))
        n = len(words)
        hashes = np.fromiter(map(hash, words), dtype=np.int64, count=n).view(np.uint64)
        return cls(hashes, np.fromiter(map(len, words), dtype=np.int64, count=n))

    def __len__(self) -> int:
        return len(self.hashes)

    def counts(self, n: int) -> NgramCounts:
        """The :class:`NgramCounts` of the word ``n``-grams (``n <= len(self)``): from
        :func:`~omniweave.text.counting.ngram_counts` in the compiled build, else from :meth:`repeats`."""
        if n not in self._counts:
            if COUNTING_COMPILED:
                self._counts[n] = NgramCounts(*ngram_counts(self.hashes, self.lengths, n))
            else:
                repeats = self.repeats(n)
                depth = np.zeros(len(self) + 1, dtype=np.int64)  # +1 where a repeated n-gram starts, -1 past its end
                depth[repeats.starts] += 1
                depth[repeats.starts + n] -= 1
                covered = int(self.lengths[np.cumsum(depth[:-1]) > 0].sum())
                self._counts[n] = NgramCounts(repeats.top, repeats.top_start, len(repeats.starts), covered)
        return self._counts[n]

    def repeats(self, n: int) -> Repeats:
        """The word ``n``-grams that occur more than once (``n <= len(self)``), from one sort of the
        candidates' hashes. Only starts where the repeated ``m``-grams of the longest ``m < n`` measured
        so far cover ``n`` words are candidates: the rest cannot start a repeated n-gram."""
        if n not in self._repeats:
            shorter = max((m for m in self._repeats if m < n), default=None)
            if shorter is None:
                starts = np.arange(len(self) - n + 1)
            else:
                span = n - shorter + 1  # consecutive repeated m-grams an n-gram needs
                covered = np.zeros(len(self) - shorter + 2, dtype=np.int64)
                covered[self._repeats[shorter].starts + 1] = 1
                covered = np.cumsum(covered)
                starts = np.flatnonzero(covered[span:] - covered[:-span] == span)
            self._repeats[n] = _repeats(starts, self.ngram_keys(starts, n))
        return self._repeats[n]

    def ngram_keys(self, starts: np.ndarray, n: int) -> np.ndarray:
        """:func:`ngram_hashes` of the word ``n``-grams at ``starts`` only."""
        keys = self.hashes[starts]
        for k in range(1, n):
            keys *= _MULTIPLIER
            keys += self.hashes[starts + k]
        return keys


def _repeats(starts: np.ndarray, keys: np.ndarray) -> Repeats:
    """The :class:`Repeats` among n-grams at ``starts`` (ascending) with hashes ``keys``."""
    if len(keys) < 2:
        return Repeats(starts[:0])
    order = np.argsort(keys)
    ordered = keys[order]
    head = np.ones(len(keys), dtype=bool)
    head[1:] = ordered[1:] != ordered[:-1]
    runs = np.flatnonzero(head)
    counts = np.diff(np.append(runs, len(keys)))
    twice = np.empty(len(keys), dtype=bool)
    twice[order] = np.repeat(counts > 1, counts)
    top = int(counts.max())
    if top < 2:
        return Repeats(starts[:0])
    first = np.minimum.reduceat(order, runs)  # each n-gram's first occurrence
    return Repeats(starts[twice], top, int(starts[first[counts == top].min()]))


def _ngram_counts(items: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(zip(*(items[i:] for i in range(n)), strict=False))


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


def top_ngram_char_ratio(words: Sequence[str], n: int, arrays: WordArrays | None = None) -> float:
    """Characters covered by the most frequent word ``n``-gram (all its occurrences) / all word
    characters; of n-grams equally frequent, the one seen first (``arrays``: the words', if known)."""
    if len(words) < n:
        return 0.0
    if len(words) < ARRAYS_FROM:
        total = sum(map(len, words))
        (gram, count), = _ngram_counts(words, n).most_common(1)
        return sum(map(len, gram)) * count / total if total and count > 1 else 0.0
    arrays = arrays or WordArrays.of(words)
    total = int(arrays.lengths.sum())
    counts = arrays.counts(n)
    if not total or counts.top < 2:
        return 0.0
    start = counts.top_start
    return int(arrays.lengths[start : start + n].sum()) * counts.top / total


def duplicate_ngram_char_ratio(words: Sequence[str], n: int, arrays: WordArrays | None = None) -> float:
    """Characters of words lying in a word ``n``-gram that occurs more than once / all word
    characters (``arrays``: the words', if known)."""
    if len(words) < n:
        return 0.0
    if len(words) < ARRAYS_FROM:
        grams = list(zip(*(words[i:] for i in range(n)), strict=False))
        counts = Counter(grams)
        covered = bytearray(len(words))
        for i, gram in enumerate(grams):
            if counts[gram] > 1:
                covered[i : i + n] = b"\x01" * n
        total = sum(map(len, words))
        return sum(len(w) for w, c in zip(words, covered, strict=True) if c) / total if total else 0.0
    arrays = arrays or WordArrays.of(words)
    total = int(arrays.lengths.sum())
    return arrays.counts(n).covered_chars / total if total else 0.0


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as 64-bit integers."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def char_repetition_ratio(text: str, n: int = 10, codes: np.ndarray | None = None) -> float:
    """BigScience character repetition: share of character ``n``-gram occurrences taken by the
    ``sqrt(distinct)`` most frequent repeated ones (``codes``: the text's :func:`code_points`, if known)."""
    if len(text) < n:
        return 0.0
    if len(text) < NUMPY_FROM:
        freqs = np.fromiter(Counter(text[i : i + n] for i in range(len(text) - n + 1)).values(), dtype=np.int64)
    else:
        freqs = np.unique(ngram_hashes(code_points(text) if codes is None else codes, n), return_counts=True)[1]
    repeated = int((freqs > 1).sum())
    k = min(int(math.sqrt(len(freqs))), repeated)
    if not k:
        return 0.0
    return int(np.sort(freqs)[-k:].sum()) / (len(text) - n + 1)


def _windows(starts: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``n``-gram windows of several sequences lying at ``starts`` (with ``lengths``) in one array:
    the sequences holding one (``inside``), their window counts, each window's sequence and start."""
    windows = lengths - n + 1
    inside = np.flatnonzero(windows > 0)
    per = windows[inside]
    owner = np.repeat(inside, per)
    at = np.repeat(starts[inside] - (np.cumsum(per) - per), per) + np.arange(len(owner))
    return inside, per, owner, at


def word_repetition_ratios(hashes: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    """:func:`word_repetition_ratio` of several word sequences at once: ``hashes`` (uint64) of all
    their words one after another, ``counts`` words each. Each word ``n``-gram is a 64-bit hash,
    counted per sequence by sorting (equal to counting the n-grams themselves but on a 64-bit hash
    collision)."""
    ratios = np.zeros(len(counts))
    inside, per, owner, at = _windows(np.cumsum(counts) - counts, counts, n)
    if not len(inside):
        return ratios
    grams = ngram_hashes(hashes, n)[at]
    # a stable sort of the n-grams alone (~2x faster than sorting by sequence, then n-gram): the
    # windows come sequence by sequence, so equal n-grams stay in sequence order, each sequence's together
    order = np.argsort(grams, kind="stable")
    grams, owner = grams[order], owner[order]
    head = np.flatnonzero(np.append(True, (grams[1:] != grams[:-1]) | (owner[1:] != owner[:-1])))
    runs = np.diff(np.append(head, len(grams)))  # occurrences of each distinct n-gram of a sequence
    repeated = runs > 1
    ratios[inside] = np.bincount(owner[head][repeated], weights=runs[repeated], minlength=len(counts))[inside] / per
    return ratios


def char_repetition_ratios(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray, n: int = 10) -> np.ndarray:
    """:func:`char_repetition_ratio` of several texts at once: the texts lie at ``starts`` (with
    ``lengths``) in ``codes`` (e.g. paragraphs within their document's code points)."""
    ratios = np.zeros(len(starts))
    inside, per, owner, at = _windows(starts, lengths, n)
    if not len(inside):
        return ratios
    keys = ngram_hashes(codes, n)[at]
    # one 64-bit key per (text, n-gram): its text's number in the low bits, the n-gram's hash in the
    # rest, so that a plain sort (~3x faster than an argsort) groups each text's equal n-grams and
    # the key still says whose they are
    bits = max(len(starts) - 1, 1).bit_length()
    keys *= _MULTIPLIER
    keys >>= np.uint64(bits)
    keys <<= np.uint64(bits)
    keys |= owner.astype(np.uint64)
    keys.sort()
    owner = (keys & np.uint64((1 << bits) - 1)).astype(np.int64)
    head = np.ones(len(keys), dtype=bool)
    head[1:] = keys[1:] != keys[:-1]
    run_start = np.flatnonzero(head)
    freqs = np.diff(np.append(run_start, len(keys)))  # one per distinct n-gram of a text
    run_owner = owner[run_start]
    distinct = np.bincount(run_owner, minlength=len(starts))
    repeated = freqs > 1  # the sqrt(distinct) most frequent are taken among the repeated ones only
    freqs, run_owner = freqs[repeated], run_owner[repeated]
    top = np.minimum(np.sqrt(distinct).astype(np.int64), np.bincount(run_owner, minlength=len(starts)))
    order = np.lexsort((-freqs, run_owner))  # each text's repeated n-grams, most frequent first
    run_owner, freqs = run_owner[order], freqs[order]
    rank = np.arange(len(run_owner)) - np.searchsorted(run_owner, run_owner)
    taken = rank < top[run_owner]
    sums = np.bincount(run_owner[taken], weights=freqs[taken], minlength=len(starts))
    ratios[inside] = sums[inside] / per
    return ratios


def word_repetition_ratio(words: Sequence[str], n: int = 5, arrays: WordArrays | None = None) -> float:
    """BigScience word repetition: share of word ``n``-gram occurrences that belong to repeated n-grams
    (``arrays``: the words', if known)."""
    if len(words) < n:
        return 0.0
    if len(words) < ARRAYS_FROM:
        grams = list(zip(*(words[i:] for i in range(n)), strict=False))
        if len(set(grams)) == len(grams):  # most paragraphs repeat no n-gram: a set tells it faster
            return 0.0
        repeated = sum(c for c in Counter(grams).values() if c > 1)
    else:
        repeated = (arrays or WordArrays.of(words)).counts(n).repeated
    return repeated / (len(words) - n + 1)
