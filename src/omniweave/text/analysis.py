"""One analysis per text: what the text rules measure, computed once, cached on the node or document.

``node.analysis`` (a :class:`TextAnalysis`) and ``doc.analysis`` (a :class:`DocumentAnalysis` over
the document's non-blank text nodes) are what the Gopher, FineWeb, OBELICS-quality, boilerplate and
word-list rules read instead of splitting and classifying words each on their own. Every
measure is computed on first use and kept: the words (segmented once, rjieba for Han), their
lower-case forms, how many start with a CJK character or hold a letter, the lines, counts of words
in a word list or matches of a pattern, word and character n-gram repetition (see
:mod:`omniweave.text.repetition`; C loops in :mod:`omniweave.text.counting`), special and punctuation
characters. A document's words, lines and listed-word counts come from its nodes' cached analyses, so
a document judged after its paragraphs were judged splits nothing again. Measures of many texts at
once (a document's paragraphs: words with one segmenter call, pattern literals in one pass, word and
character repetition in one pass) fill each node's analysis with what it would compute alone
(:func:`segment_each`, :func:`count_listed_each`, :func:`literals_of_each`, :meth:`DocumentAnalysis.measure_nodes`;
the paragraphs of several documents: :func:`measure_nodes_each`).

A node's analysis stays valid while its text is the same string; a document's while it holds the
same text nodes (a paragraph step that removes or rewrites nodes makes the next rule analyse the
document afresh, reusing the analyses of the nodes it kept). A new rule (e.g. a paragraph rule over
``node.analysis.words``) should add the measure it needs here as a cached property, so the next
rule that needs it finds it computed.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Set as AbstractSet
from collections.abc import Callable, Sequence
from itertools import chain, filterfalse, pairwise
from typing import Any, Generic, Protocol, TypeVar, overload

import numpy as np

from omniweave.text.patterns import ASCII_LOWER, fold, folded_lines, literal_count, literals_in, literals_of_lines, longest_literal
from omniweave.text.repetition import (
    ARRAYS_FROM,
    NUMPY_FROM,
    WordArrays,
    char_repetition_ratio,
    char_repetition_ratios,
    code_points,
    duplicate_ngram_char_ratio,
    top_ngram_char_ratio,
    word_repetition_ratio,
    word_repetition_ratios,
)
from omniweave.text.counting import COMPILED as COUNTING_COMPILED
from omniweave.text.counting import char_measures, listed_count, listed_forms, word_repetition_each, word_shape
from omniweave.text.stats import class_bits, punctuation_count, special_char_count
from omniweave.text.words import CJK_CHARS, cjk_word_count, has_cjk, lines, words, words_each

_CJK = re.compile(f"[{CJK_CHARS}]")
_LETTERS = re.compile(r"[^\W\d_]+")
_CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_ASCII_UPPER, _ASCII_DIGITS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"0123456789"
_ASCII_LETTERS = _ASCII_UPPER + _ASCII_UPPER.lower()
T = TypeVar("T")


class measure(Generic[T]):  # noqa: N801 (used as a decorator, like cached_property)
    """A measure computed on first use and kept on the instance: ``functools.cached_property``
    without the lock Python 3.11 takes on every first use, which costs more than most measures."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func, self.name, self.__doc__ = func, func.__name__, func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> measure[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | measure[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


class TextAnalysis:
    """The measures of one text (a paragraph, a line, or a document's joined text)."""

    _literals: tuple[int, AbstractSet[int]] | None = None  # (literal_count() when found, the literals found)
    _word_numbers: tuple[np.ndarray, np.ndarray] | None = None  # set by DocumentAnalysis.word_arrays

    def __init__(self, text: str) -> None:
        self.text = text
        self._listed: dict[frozenset[str], int] = {}  # count_listed's answers, by word list

    # the answers of the other measures that take a parameter, by parameter (each created on first use)
    @measure
    def _matches(self) -> dict[re.Pattern[str], int]:
        return {}

    @measure
    def _char_repetition(self) -> dict[int, float]:
        return {}

    @measure
    def _word_repetition(self) -> dict[int, float]:
        return {}

    @measure
    def words(self) -> Sequence[str]:
        return words(self.text)

    def counted_only(self) -> TextAnalysis:
        """A fresh analysis of the same text that keeps only the word count, if it was measured."""
        fresh = TextAnalysis(self.text)
        if "words" in self.__dict__:
            fresh.word_count = self.word_count  # type: ignore[misc] (what the measure would compute)
        return fresh

    @measure
    def word_count(self) -> int:
        return len(self.words)

    @measure
    def uppercase(self) -> int:
        """Upper-case characters (``str.isupper``)."""
        if self.text.isascii():  # only A-Z: counted by deleting them from the bytes
            data = self.text.encode("ascii")
            return len(data) - len(data.translate(None, _ASCII_UPPER))
        return sum(map(str.isupper, self.text))

    @measure
    def digits(self) -> int:
        """Digit characters (``str.isdigit``)."""
        if self.text.isascii():
            data = self.text.encode("ascii")
            return len(data) - len(data.translate(None, _ASCII_DIGITS))
        return sum(map(str.isdigit, self.text))

    @measure
    def collapsed(self) -> str:
        """The text with each run of whitespace made one space, stripped (what rule patterns search)."""
        return collapse(self.text)

    @property
    def literals(self) -> AbstractSet[int]:
        """The rule patterns' gate literals found in :attr:`collapsed`, case-folded
        (:func:`~omniweave.text.patterns.literals_in`; found again if patterns were added since)."""
        if self._literals is None or self._literals[0] != literal_count():
            self._literals = (literal_count(), literals_in(fold(self.collapsed)))
        return self._literals[1]

    @measure
    def lower_words(self) -> Sequence[str]:
        """The words in lower case (the words themselves where lower-casing leaves the text as it is)."""
        return self.words if _lowered(self.text) else list(map(str.lower, self.words))

    @measure
    def _word_shape(self) -> tuple[int, int]:
        """(characters of the words, words holding a letter): one C loop in the compiled build."""
        if COUNTING_COMPILED:
            return word_shape(self.words)
        ws = self.words
        return sum(map(len, ws)), sum(map(str.isalpha, ws)) + sum(
            1 for w in filterfalse(str.isalpha, ws) if any(map(str.isalpha, w)))

    @property
    def word_chars(self) -> int:
        return self._word_shape[0]

    @measure
    def has_cjk(self) -> bool:
        """True when the text holds a Han, kana or Hangul character."""
        return has_cjk(self.text)

    @measure
    def cjk_words(self) -> int:
        """Words starting with a Han, kana or Hangul character (segmenter output)."""
        return cjk_word_count(self.words) if self.has_cjk else 0

    @measure
    def spaced_word_chars(self) -> int:
        """Characters of the words that do not start with a CJK character."""
        if not self.cjk_words:
            return self.word_chars
        return sum(len(w) for w in self.words if not has_cjk(w[0]))

    @property
    def alpha_words(self) -> int:
        """Words holding at least one letter."""
        return self._word_shape[1]

    @measure
    def letters(self) -> int:
        """Letters, caseless CJK ones included."""
        if self.text.isascii():  # only A-Z and a-z
            data = self.text.encode("ascii")
            return len(data) - len(data.translate(None, _ASCII_LETTERS))
        return len(self.text) - len(_LETTERS.sub("", self.text))

    @measure
    def mostly_cjk(self) -> bool:
        """More than half of its letters are Han/kana characters."""
        return bool(_CJK.search(self.text)) and (len(self.text) - len(_CJK_RUN.sub("", self.text))) * 2 > self.letters

    @measure
    def lines(self) -> list[str]:
        """Non-blank lines, stripped."""
        return lines(self.text)

    @measure
    def word_arrays(self) -> WordArrays:
        return WordArrays.of(self.words)

    @measure
    def code_points(self) -> np.ndarray:
        return code_points(self.text)

    @measure
    def special_chars(self) -> int:
        """Punctuation, symbols (incl. emoji), digits and whitespace."""
        return special_char_count(self.code_points)

    @measure
    def punctuation(self) -> int:
        return punctuation_count(self.code_points)

    def count_listed(self, listed: frozenset[str]) -> int:
        """Words whose lower-case form is in ``listed`` (a word list: keep passing the same object),
        counted over the words themselves (:func:`~omniweave.text.counting.listed_count`: only the
        words that may lower-case into the list are lower-cased)."""
        if listed not in self._listed:
            if listed not in _forms:
                _forms[listed] = listed_forms(listed)
            self._listed[listed] = listed_count(self.words, listed, _forms[listed])
        return self._listed[listed]

    def count_matches(self, pattern: re.Pattern[str]) -> int:
        """Non-overlapping matches of ``pattern`` in the text."""
        if pattern not in self._matches:
            self._matches[pattern] = len(pattern.findall(self.text))
        return self._matches[pattern]

    def char_repetition(self, n: int) -> float:
        """:func:`~omniweave.text.repetition.char_repetition_ratio` of the text."""
        if n not in self._char_repetition:
            codes = self.code_points if len(self.text) >= NUMPY_FROM else None
            self._char_repetition[n] = char_repetition_ratio(self.text, n, codes)
        return self._char_repetition[n]

    def word_repetition(self, n: int) -> float:
        """:func:`~omniweave.text.repetition.word_repetition_ratio` of the words."""
        if n not in self._word_repetition:
            self._word_repetition[n] = word_repetition_ratio(self.words, n, self._arrays())
        return self._word_repetition[n]

    def top_ngram_chars(self, n: int) -> float:
        """:func:`~omniweave.text.repetition.top_ngram_char_ratio` of the words."""
        return top_ngram_char_ratio(self.words, n, self._arrays())

    def duplicate_ngram_chars(self, n: int) -> float:
        """:func:`~omniweave.text.repetition.duplicate_ngram_char_ratio` of the words."""
        return duplicate_ngram_char_ratio(self.words, n, self._arrays())

    def _arrays(self) -> WordArrays | None:
        return self.word_arrays if len(self.words) >= ARRAYS_FROM else None


def collapse(text: str) -> str:
    """``text`` with each run of whitespace made one space, stripped: ``text`` itself when it holds no
    whitespace but single inner spaces (most extracted texts; printable text holds no whitespace but
    spaces), checked without splitting it into words."""
    if text.isprintable() and "  " not in text and not text.startswith(" ") and not text.endswith(" "):
        return text
    return " ".join(text.split())


def segment_each(analyses: Sequence[TextAnalysis]) -> None:
    """Take the words of many texts (a document's paragraphs) at once, the Han runs of all of them
    segmented in one call (words already taken are kept)."""
    todo = [a for a in analyses if "words" not in a.__dict__]
    for a, found in zip(todo, words_each([a.text for a in todo]), strict=True):
        a.words = found  # type: ignore[misc] (what the measure would compute)


def _lowered(text: str) -> bool:
    """True when ``text`` is its own lower case, and so is each of its words (a character that
    lower-casing changes, even by context as a final sigma, changes the text)."""
    return text.lower() == text


def count_listed_each(analyses: Sequence[TextAnalysis], listed: frozenset[str]) -> list[int]:
    """:meth:`TextAnalysis.count_listed` of many texts: a text that holds no listed word
    (:func:`_holding_listed`, one search over all of them) counts 0 without its words being read."""
    todo = [a for a in analyses if listed not in a._listed]
    if todo:
        for a in _holding_listed(todo, listed):
            a.count_listed(listed)
    return [a._listed[listed] for a in analyses]


_forms: dict[frozenset[str], frozenset[str]] = {}  # word list -> its listed_forms()
KELVIN = "\u212a"  # the one character outside ASCII whose lower case is ASCII ("k")
_substring_finders: dict[frozenset[str], Any] = {}  # word list -> its words' Aho-Corasick automaton (None: no gate)


def _substring_finder(listed: frozenset[str]) -> Any:
    """An automaton finding the words of ``listed`` in UTF-8 text (ahocorasick_rs), or None unless
    they are ASCII without a newline."""
    if listed not in _substring_finders:
        import ahocorasick_rs

        usable = listed and all(w.isascii() and "\n" not in w for w in listed)
        _substring_finders[listed] = ahocorasick_rs.BytesAhoCorasick([w.encode() for w in listed]) if usable else None
    return _substring_finders[listed]


def _holding_listed(analyses: list[TextAnalysis], listed: frozenset[str]) -> list[TextAnalysis]:
    """Of ``analyses``, those whose text holds a word of ``listed`` (ASCII) once its ASCII capitals
    and Kelvin signs are made small letters; the others' counts of it are set to 0. Only those
    characters lower-case to ASCII (tests/test_text_bulk.py checks every code point), and a word is
    part of its text, so a word whose lower case is listed lies there: the texts joined by
    newlines, made small in one byte translation (nothing else lower-cased) and searched in one
    pass (all of them are kept where a text holds a newline, or the list is not ASCII)."""
    finder = _substring_finder(listed)
    if finder is None:
        return analyses
    joined = "\n".join([a.text for a in analyses]).replace(KELVIN, "k")
    data = joined.encode("utf-8", "surrogatepass").translate(ASCII_LOWER)
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10).tolist()  # the newline after each text
    if len(ends) != len(analyses) - 1:
        return analyses
    held = [False] * len(analyses)
    for _, at, _ in finder.find_matches_as_indexes(data):  # no listed word holds a newline: none spans two texts
        held[bisect_right(ends, at)] = True
    for a, holds in zip(analyses, held, strict=True):
        if not holds:
            a._listed[listed] = 0
    return [a for a, holds in zip(analyses, held, strict=True) if holds]


def literals_of_each(analyses: Sequence[TextAnalysis]) -> list[AbstractSet[int]]:
    """:attr:`TextAnalysis.literals` of many texts, those not yet known found in one pass."""
    count = literal_count()
    todo = [a for a in analyses if a._literals is None or a._literals[0] != count]
    if todo:  # collapsed texts hold no newline: their folded forms joined by newlines, found in one pass
        found = literals_of_lines(folded_lines([a.collapsed for a in todo]), len(todo))
        assert found is not None
        for a, ids in zip(todo, found, strict=True):
            a._literals = (count, ids)
    return [a._literals[1] for a in analyses]  # type: ignore[index] (each known now)


class TextItem(Protocol):
    """A piece of text with its cached analysis (a document's ``TextNode``)."""

    text: str

    @property
    def analysis(self) -> TextAnalysis: ...


class DocumentAnalysis(TextAnalysis):
    """The measures of a document's non-blank text nodes joined by blank lines: its words and lines
    are the nodes' own (cached) ones; counts over words (letters, scripts, lengths) are taken once
    over all of them, counts of listed words summed from the nodes'."""

    def __init__(self, nodes: Sequence[TextItem]) -> None:
        self.nodes = [n for n in nodes if n.text.strip()]
        self._texts = [n.text for n in self.nodes]
        super().__init__("\n\n".join(self._texts))

    def is_of(self, nodes: Sequence[TextItem]) -> bool:
        """True while the document holds the same text nodes with the same texts."""
        current = [n for n in nodes if n.text.strip()]
        return len(current) == len(self.nodes) and all(
            a is b and a.text is t for a, b, t in zip(current, self.nodes, self._texts, strict=True)
        )

    @measure
    def paragraphs(self) -> list[TextAnalysis]:
        return [n.analysis for n in self.nodes]

    @property
    def literals(self) -> AbstractSet[int]:
        """The literals of its nodes (found at once where not yet known) and of the joins between
        them: its collapsed text is theirs joined by spaces, so a literal lies in a node or within
        reach of a join."""
        count = literal_count()
        if self._literals is None or self._literals[0] != count:
            found = set().union(*literals_of_each(self.paragraphs))
            reach = longest_literal() - 1
            if reach > 0:
                texts = [a.collapsed for a in self.paragraphs]
                joins = [a[-reach:] + " " + b[:reach] for a, b in pairwise(texts)]
                found |= literals_in(fold("\n".join(joins)))
            self._literals = (count, found)
        return self._literals[1]

    @measure
    def words(self) -> Sequence[str]:
        return list(chain.from_iterable(a.words for a in self.paragraphs))

    @measure
    def word_count(self) -> int:
        return sum(a.word_count for a in self.paragraphs)

    @measure
    def lower_words(self) -> Sequence[str]:
        return list(chain.from_iterable(a.lower_words for a in self.paragraphs))

    @measure
    def has_cjk(self) -> bool:
        return any(a.has_cjk for a in self.paragraphs)

    @measure
    def lines(self) -> list[str]:
        """Its nodes' lines, in order: those of its text (the blank lines between nodes hold none),
        split in one call."""
        return lines(self.text)

    def count_listed(self, listed: frozenset[str]) -> int:
        return sum(a.count_listed(listed) for a in self.paragraphs)

    @measure
    def word_arrays(self) -> WordArrays:
        """Its nodes' word hashes and lengths joined: each node's are taken once (kept on the node's
        analysis for the next analysis of the document; those not yet taken, at once)."""
        todo = [a for a in self.paragraphs if a._word_numbers is None]
        if todo:
            taken = WordArrays.of(list(chain.from_iterable(a.words for a in todo)))
            start = 0
            for a in todo:
                end = start + a.word_count
                a._word_numbers = (taken.hashes[start:end], taken.lengths[start:end])
                start = end
            if len(todo) == len(self.paragraphs):
                return taken
        if not self.paragraphs:
            return WordArrays.of([])
        numbers = [a._word_numbers for a in self.paragraphs]
        return WordArrays(np.concatenate([h for h, _ in numbers]), np.concatenate([n for _, n in numbers]))  # type: ignore[misc]

    @measure
    def special_chars(self) -> int:
        """Its nodes' (when all are measured, e.g. by :meth:`measure_nodes`) and the blank lines
        between them, else counted over its text."""
        if all("special_chars" in vars(a) for a in self.paragraphs):
            return sum(a.special_chars for a in self.paragraphs) + 2 * max(len(self.paragraphs) - 1, 0)
        return special_char_count(self.code_points)

    @measure
    def punctuation(self) -> int:
        """Its nodes' (when all are measured), else counted over its text."""
        if all("punctuation" in vars(a) for a in self.paragraphs):
            return sum(a.punctuation for a in self.paragraphs)
        return punctuation_count(self.code_points)

    def measure_nodes(self, char_repetition_n: int | None = None, word_repetition_n: int | None = None) -> None:
        """Measure every node's special and punctuation characters (and ``char_repetition(n)``,
        ``word_repetition(n)``) at once: in C loops over the nodes' texts and word hashes in the
        compiled build (:mod:`omniweave.text.counting`), else in numpy passes over their code points
        and words. A paragraph rule calls it once per document instead of once per paragraph."""
        measures = char_measures if COUNTING_COMPILED else _char_measures
        special, punctuation, ratios = measures(self._texts, class_bits(), char_repetition_n or 0)
        for a, n_special, n_punctuation in zip(self.paragraphs, special.tolist(), punctuation.tolist(), strict=True):
            # what the measures would compute
            a.special_chars, a.punctuation = n_special, n_punctuation  # type: ignore[misc]
        if char_repetition_n is not None:
            for a, ratio in zip(self.paragraphs, ratios.tolist(), strict=True):
                a._char_repetition.setdefault(char_repetition_n, ratio)
        if word_repetition_n is not None:
            counts = np.fromiter((a.word_count for a in self.paragraphs), dtype=np.int64, count=len(self.paragraphs))
            repetition = word_repetition_each if COUNTING_COMPILED else word_repetition_ratios
            ratios = repetition(self.word_arrays.hashes, counts, word_repetition_n)
            for a, ratio in zip(self.paragraphs, ratios.tolist(), strict=True):
                a._word_repetition.setdefault(word_repetition_n, ratio)

    def count_matches(self, pattern: re.Pattern[str]) -> int:
        """Matches within the nodes (a pattern that never spans a blank line finds the same in the text)."""
        return sum(a.count_matches(pattern) for a in self.paragraphs)


def measure_nodes_each(documents: Sequence[DocumentAnalysis], char_repetition_n: int | None = None,
                       word_repetition_n: int | None = None) -> None:
    """:meth:`DocumentAnalysis.measure_nodes` of many documents at once: their nodes are
    measured as the nodes of one document (each node's measures are its own, whatever its neighbours)."""
    nodes = list(chain.from_iterable(d.nodes for d in documents))
    DocumentAnalysis(nodes).measure_nodes(char_repetition_n, word_repetition_n)


def _char_measures(texts: list[str], classes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`~omniweave.text.counting.char_measures` by numpy passes over the texts' code points."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    codes = code_points("".join(texts))
    flags = classes[np.minimum(codes, len(classes) - 1)]
    counts = []
    for bit in (0, 1):
        running = np.concatenate(([0], np.cumsum((flags >> bit) & 1, dtype=np.int64)))
        counts.append(running[starts + lengths] - running[starts])
    ratios = char_repetition_ratios(codes, starts, lengths, n) if n > 0 else np.zeros(len(texts))
    return counts[0], counts[1], ratios
