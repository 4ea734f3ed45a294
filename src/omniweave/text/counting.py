# cython: annotation_typing=False, boundscheck=False, wraparound=False, cdivision=True
"""Counts over a text's words and characters in one pass each: C loops in the compiled build.

The numpy measures of :mod:`omniweave.text.repetition` sort the n-grams' hashes, several numpy
calls per text, and Python's per-word counts (``sum(map(...))``) take a call per word; for a
paragraph or a document of a few thousand words that is mostly overhead. Here repeated n-grams are
counted in an open-addressing :class:`Table`: each n-gram's 64-bit hash (the same polynomial hash of
its items as :func:`~omniweave.text.repetition.ngram_hashes`) goes in, the table counts how often
each occurs and where it first occurs, and the measures are read off it. As there, two n-grams count
as one only on a 64-bit hash collision.

- :func:`ngram_counts`: a word sequence's most frequent ``n``-gram, its repeated windows and the
  characters those cover (the Gopher and BigScience word rules);
- :func:`word_numbers`: the words' hashes and lengths those take;
- :func:`word_shape`: the words' characters and the words holding a letter;
- :func:`listed_count`: the words whose lower case is in a word list (correct as pure Python too);
- :func:`word_repetition_each`: the share of repeated ``n``-gram windows of many word sequences;
- :func:`char_measures`: per text, characters of two classes (a bit table) and the BigScience
  character-repetition ratio, read from the strings themselves (no code-point arrays).

These are the compiled build's (setup.py; C types from ``counting.pxd``): as pure Python
(:data:`COMPILED` false) the loops would be slow and their 64-bit arithmetic would not wrap, so the
callers use the numpy measures (or Python's own counts) instead.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

COMPILED = not __file__.endswith(".py")  # this module runs as the extension setup.py builds
MULTIPLIER = 0x9E3779B97F4A7C15  # repetition.py's: an n-gram's hash is sum(item_k * MULTIPLIER**(n-1-k))
_SPREAD = 0xFF51AFD7ED558CCD  # mixes a key's bits into the slot's top ones (the table's size is a power of two)
_KEPT_BITS = 16  # tables up to 2**16 slots (2 MB) are kept for the next text, one per size and thread
_kept = threading.local()


class Table:
    """An open-addressing table of ``2**bits`` slots for up to ``2**(bits - 1)`` windows: each slot's
    key, count (0: free) and the window where the key first occurred; ``used`` lists the slots
    taken in the order first taken and ``slots`` each window's slot. Each use leaves it empty
    (:func:`_clear`)."""

    def __init__(self, bits: int) -> None:
        self.shift = 64 - bits
        self.mask = (1 << bits) - 1
        self.keys = np.zeros(1 << bits, dtype=np.uint64)
        self.counts = np.zeros(1 << bits, dtype=np.int64)
        self.firsts = np.zeros(1 << bits, dtype=np.int64)
        self.used = np.zeros(1 << (bits - 1), dtype=np.int64)
        self.slots = np.zeros(1 << (bits - 1), dtype=np.int64)


def table_for(windows: int) -> Table:
    """An empty table for ``windows`` keys, at most half full: this thread's kept one of that size
    (a fresh one costs more than counting a paragraph), or a new one past ``2**_KEPT_BITS`` slots."""
    bits = max(2 * windows, 16).bit_length()
    if bits > _KEPT_BITS:
        return Table(bits)
    tables = _kept.__dict__.setdefault("tables", {})
    if bits not in tables:
        tables[bits] = Table(bits)
    return tables[bits]


def _fill(table: Table, items: np.ndarray, start: int, length: int, n: int) -> int:
    """Count the ``n``-grams of ``items[start:start + length]`` into ``table`` (empty); the number of
    distinct ones."""
    keys, counts, firsts, used, slots, data = table.keys, table.counts, table.firsts, table.used, table.slots, items
    shift, mask, multiplier, spread = table.shift, table.mask, MULTIPLIER, _SPREAD
    distinct = 0
    for i in range(length - n + 1):
        key = data[start + i]
        for k in range(1, n):
            key = key * multiplier + data[start + i + k]
        slot = (key * spread) >> shift
        while counts[slot] and keys[slot] != key:
            slot = (slot + 1) & mask
        if not counts[slot]:
            keys[slot] = key
            firsts[slot] = i
            used[distinct] = slot
            distinct += 1
        counts[slot] += 1
        slots[i] = slot
    return distinct


def _clear(table: Table, distinct: int) -> None:
    """Free the ``distinct`` slots :func:`_fill` took."""
    counts, used = table.counts, table.used
    for j in range(distinct):
        counts[used[j]] = 0


def _isqrt(value: int) -> int:
    """``int(math.sqrt(value))`` (the repetition rules' ``sqrt(distinct)``), exactly."""
    root = 0
    while (root + 1) * (root + 1) <= value:
        root += 1
    return root


def ngram_counts(hashes: np.ndarray, lengths: np.ndarray, n: int) -> tuple[int, int, int, int]:
    """Of the word ``n``-grams of a sequence (``hashes``: uint64 per word, ``lengths``: int64 per
    word): how often the most frequent occurs (0 if none repeats), where it first starts (of those
    equally frequent, the one seen first; -1 if none repeats), how many windows hold a repeated
    n-gram, and the characters of the words those windows cover."""
    words = len(hashes)
    if words < n:
        return 0, -1, 0, 0
    windows = words - n + 1
    table = table_for(windows)
    distinct = _fill(table, hashes, 0, words, n)
    counts, firsts, used, slots, size = table.counts, table.firsts, table.used, table.slots, lengths
    top, top_start = 1, -1
    for j in range(distinct):  # in the order first seen: ties keep the earlier
        if counts[used[j]] > top:
            top, top_start = counts[used[j]], firsts[used[j]]
    repeated = chars = reach = 0
    if top > 1:
        for i in range(windows):
            if counts[slots[i]] > 1:
                repeated += 1
                for w in range(max(i, reach), i + n):
                    chars += size[w]
                reach = i + n
    else:
        top = 0
    _clear(table, distinct)
    return top, top_start, repeated, chars


def word_numbers(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each word's hash (``hash(word)`` as uint64) and length (int64)."""
    hashes = np.empty(len(words), dtype=np.int64)
    lengths = np.empty(len(words), dtype=np.int64)
    out, size = hashes, lengths
    i = 0
    for word in words:
        out[i] = hash(word)
        size[i] = len(word)
        i += 1
    return hashes.view(np.uint64), lengths


def word_shape(words: Sequence[str]) -> tuple[int, int]:
    """(characters of the words, words holding a letter: a character ``str.isalpha`` accepts)."""
    chars = alpha = 0
    for word in words:
        chars += len(word)
        for ch in word:
            if ch.isalpha():
                alpha += 1
                break
    return chars, alpha


def listed_count(words: Sequence[str], listed: frozenset[str], forms: frozenset[str]) -> int:
    """Words whose lower case is in ``listed``; ``forms``: strings whose lower case is listed, every
    listed word among them (:func:`listed_forms`). A word among ``forms`` counts at once (its hash
    is known when its word numbers were taken); a word without an upper-case or title-case character
    is its own lower case (no other character lower-cases to another: tests/test_text_bulk.py
    checks every code point), so not listed; any other counts where its lower case is listed: only
    those are lower-cased."""
    n = 0
    for word in words:
        if word in forms:
            n += 1
            continue
        cased = False
        for ch in word:
            if ("A" <= ch <= "Z") or (ch > "\x7f" and (ch.isupper() or ch.istitle())):
                cased = True
                break
        if cased and word.lower() in listed:
            n += 1
    return n


def listed_forms(listed: frozenset[str]) -> frozenset[str]:
    """The words of ``listed`` and their capitalised, title-case and upper-case forms, those whose
    lower case is listed (:func:`listed_count`'s ``forms``)."""
    return frozenset(f for w in listed for f in (w, w.capitalize(), w.title(), w.upper()) if f.lower() in listed)


def word_repetition_each(hashes: np.ndarray, counts: np.ndarray, n: int) -> np.ndarray:
    """:func:`~omniweave.text.repetition.word_repetition_ratios`: per word sequence (``hashes`` of
    all their words one after another, ``counts`` words each, int64), the windows holding an
    ``n``-gram that occurs more than once in it / its windows (0 for a sequence shorter than ``n``)."""
    ratios = np.zeros(len(counts))
    table = table_for(int(counts.max()) if len(counts) else 0)
    out, sizes, grams, used = ratios, counts, table.counts, table.used
    start = 0
    for t in range(len(sizes)):
        if sizes[t] >= n:
            distinct = _fill(table, hashes, start, sizes[t], n)
            repeated = 0
            for j in range(distinct):
                if grams[used[j]] > 1:
                    repeated += grams[used[j]]
            out[t] = repeated / (sizes[t] - n + 1)
            _clear(table, distinct)
        start += sizes[t]
    return ratios


def char_measures(texts: list[str], classes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per text: its characters of class bit 0 and of class bit 1 (``classes``: uint8 bits per code
    point, the last entry standing for every code point from it on) and, for ``n`` > 0,
    :func:`~omniweave.text.repetition.char_repetition_ratio`'s numpy answer (the share of character
    ``n``-gram occurrences taken by the ``sqrt(distinct)`` most frequent repeated ones)."""
    first = np.zeros(len(texts), dtype=np.int64)
    second = np.zeros(len(texts), dtype=np.int64)
    ratios = np.zeros(len(texts))
    longest = max(map(len, texts), default=0)
    table = table_for(max(longest - n + 1, 0))
    codes = np.zeros(longest + 1, dtype=np.uint64)
    tally = np.zeros(longest + 2, dtype=np.int64)  # per frequency, how many repeated n-grams occur that often
    bits, ones, twos, out, points, freqs = classes, first, second, ratios, codes, tally
    grams, used = table.counts, table.used
    last = len(classes) - 1
    for t in range(len(texts)):
        text = texts[t]
        length = 0
        for ch in text:
            point = ord(ch)
            flag = bits[point if point < last else last]
            ones[t] += flag & 1
            twos[t] += flag >> 1
            points[length] = point
            length += 1
        if n <= 0 or length < n:
            continue
        distinct = _fill(table, codes, 0, length, n)
        repeated = most = 0
        for j in range(distinct):
            count = grams[used[j]]
            if count > 1:
                repeated += 1
                freqs[count] += 1
                most = max(most, count)
        take = min(_isqrt(distinct), repeated)
        total = 0
        for count in range(most, 1, -1):  # the most frequent first
            if take > 0 and freqs[count]:
                total += count * min(take, freqs[count])
                take -= min(take, freqs[count])
            freqs[count] = 0
        out[t] = total / (length - n + 1)
        _clear(table, distinct)
    return first, second, ratios
