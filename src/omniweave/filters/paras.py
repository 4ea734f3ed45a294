"""The paragraphs the OmniCorpus rules judge, as arrays (:class:`Paras`), kept apart from the
rules' pydantic models so that it is compiled (setup.py's ``COMPILED``; C types for its character
and word loops in paras.pxd): its loops run over every paragraph and every pattern literal found in one."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from omniweave.filters.wordlists import flagged_each
from omniweave.text.analysis import literals_of_each, measure, segment_each
from omniweave.text.patterns import AnyPattern, literal_count
from omniweave.text.stats import CLASSES, _bmp_bits, class_counts

if TYPE_CHECKING:
    from omniweave.document import TextNode

Mask = np.ndarray  # one bool per paragraph of a Paras
COUNTED = ("upper", "digit", "letter", "cjk", "space")  # the character classes the rules count
COMPILED = not __file__.endswith(".py")  # this module runs as the extension setup.py builds
_BMP = 0x10000


def counts_each(texts: list[str]) -> dict[str, np.ndarray]:
    """:func:`~omniweave.text.stats.class_counts` of ``texts`` for :data:`COUNTED`: in the compiled
    build one C loop over the characters looks up the same per-character class bits (3-4x faster
    than its numpy passes); a text holding a character above the Basic Multilingual Plane is
    counted by ``class_counts``."""
    if not COMPILED:
        return class_counts(texts, COUNTED)
    bits = np.zeros((len(CLASSES), len(texts)), dtype=np.intc)
    astral = _count_bits(texts, _bmp_bits(), bits)
    order = list(CLASSES)
    counts = {kind: bits[order.index(kind)].astype(np.int64) for kind in COUNTED}
    if astral:
        again = class_counts([texts[i] for i in astral], COUNTED)
        for kind in COUNTED:
            counts[kind][astral] = again[kind]
    return counts


def _count_bits(texts: list, table: np.ndarray, out: np.ndarray) -> list:
    """Add to ``out[b, i]`` the characters of ``texts[i]`` whose entry of ``table`` (one per code
    point of the Basic Multilingual Plane, below ``2 ** out.shape[0]``) has bit ``b`` set; the rows
    of the texts holding a character above the plane (counted no further). A text's characters are
    tallied per entry, and each entry's tally then added to its bits."""
    astral = []
    width = out.shape[0]
    entries = 1 << width
    lookup = table
    counts = out
    tally = np.zeros(entries, dtype=np.intc)  # the text's characters per table entry
    for i in range(len(texts)):
        text = texts[i]
        for ch in text:
            code = ord(ch)
            if code >= _BMP:
                astral.append(i)
                break
            tally[lookup[code]] += 1
        for found in range(1, entries):
            n = tally[found]
            if n:
                tally[found] = 0
                for b in range(width):
                    if (found >> b) & 1:
                        counts[b, i] += n
        tally[0] = 0
    return astral


def _short_word_counts(word_lists: list) -> list:
    """For each sequence of words, how many have at most two characters (a C loop when compiled)."""
    out = []
    for words in word_lists:
        n = 0
        for word in words:
            if len(word) <= 2:
                n += 1
        out.append(n)
    return out


class Paras:
    """The paragraphs a rule judges (a document's, in order), as arrays with one entry per
    paragraph: each measure is taken for all of them at once on first use and kept.

    ``open`` marks the paragraphs whose answers are still wanted (the step narrows it as rules fire
    and to each rule's word limit); pattern searches run only there, and a rule's answer elsewhere
    is not read. The pattern literals of the paragraphs searched are found once, in one pass, and
    indexed by literal: a pattern none of whose literals the document holds costs a set test."""

    def __init__(self, nodes: Sequence[TextNode], lang: str) -> None:
        self.analyses = [n.analysis for n in nodes]
        segment_each(self.analyses)
        self.texts = [a.collapsed for a in self.analyses]  # whitespace collapsed
        self.kinds = [n.kind for n in nodes]
        self.lang = lang
        self.open: Mask = np.ones(len(nodes), dtype=bool)
        self._rows_of: defaultdict[int, list[int]] = defaultdict(list)  # pattern literal -> the rows _known holding it
        self._known = [False] * len(nodes)
        self._literal_count = literal_count()

    @classmethod
    def of(cls, node: TextNode, lang: str) -> Paras:
        """The table of one paragraph."""
        return cls([node], lang)

    @measure
    def words(self) -> np.ndarray:
        """Words per paragraph."""
        return np.fromiter((a.word_count for a in self.analyses), dtype=np.int64, count=len(self.analyses))

    @measure
    def heading(self) -> Mask:
        return np.array([k == "heading" for k in self.kinds], dtype=bool)

    @measure
    def chars(self) -> np.ndarray:
        """Characters of the collapsed text."""
        return np.fromiter(map(len, self.texts), dtype=np.int64, count=len(self.texts))

    @measure
    def counts(self) -> dict[str, np.ndarray]:
        """Upper-case, digit, letter (caseless CJK ones included), CJK and space characters."""
        return counts_each(self.texts)

    @measure
    def cjk(self) -> Mask:
        """Mostly CJK: more than half of its letters are Han/kana characters."""
        cjk = self.counts["cjk"]
        return (cjk > 0) & (cjk * 2 > self.counts["letter"])

    def flagged(self) -> np.ndarray:
        """Flagged words (the language's list) where open (0 elsewhere)."""
        out = np.zeros(len(self.texts), dtype=np.int64)
        rows = np.flatnonzero(self.open & (self.words > 0))
        self._know_literals(rows[self.counts["cjk"][rows] > 0])  # CJK flagged terms are searched gated by them
        out[rows] = flagged_each([self.analyses[i] for i in rows.tolist()], self.lang)
        return out

    def short_words(self, among: Mask) -> np.ndarray:
        """Words of at most two characters, in the paragraphs ``among`` where open (0 elsewhere)."""
        out = np.zeros(len(self.texts), dtype=np.int64)
        rows = np.flatnonzero(self.open & among).tolist()
        out[rows] = _short_word_counts([self.analyses[i].words for i in rows])
        return out

    def none(self) -> Mask:
        return np.zeros(len(self.texts), dtype=bool)

    def short(self, limit: int | None) -> Mask:
        """At most ``limit`` words (a null limit: none)."""
        return self.none() if limit is None else self.words <= limit

    def has(self, pattern: AnyPattern, among: Mask | None = None) -> Mask:
        """Where ``pattern`` matches the collapsed text (searched where open and ``among``)."""
        where = self.open if among is None else self.open & among
        self._know_literals(np.flatnonzero(where))  # literals are found only where searched
        return pattern.search_each(self.texts, self._rows_of, where)

    def _know_literals(self, rows: np.ndarray) -> None:
        """Find the pattern literals of the paragraphs ``rows`` (indices) not yet known, at once."""
        if self._literal_count != literal_count():  # patterns were added: literals found again
            self._rows_of, self._known, self._literal_count = defaultdict(list), [False] * len(self.texts), literal_count()
        known, rows_of = self._known, self._rows_of
        todo = [i for i in rows.tolist() if not known[i]]
        if not todo:
            return
        for i, found in zip(todo, literals_of_each([self.analyses[i] for i in todo]), strict=True):
            known[i] = True
            for literal in found:
                rows_of[literal].append(i)

    def starts(self, pattern: re.Pattern[str], among: Mask | None = None) -> Mask:
        """Where ``pattern`` matches at the start of the collapsed text (tried where open and ``among``)."""
        out = [False] * len(self.texts)
        for i in np.flatnonzero(self.open if among is None else self.open & among).tolist():
            out[i] = pattern.match(self.texts[i]) is not None
        return np.array(out, dtype=bool)
