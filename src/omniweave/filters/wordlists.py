"""Word lists shipped as package data (``filters/data/<kind>_<lang>.txt``): stop words, flagged words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from omniweave.text.analysis import DocumentAnalysis, TextAnalysis, count_listed_each, literals_of_each
from omniweave.text.patterns import AnyPattern
from omniweave.text.words import CJK_CHARS, is_cjk_char

KINDS = ("stopwords", "flagged")
_CJK = re.compile(f"[{CJK_CHARS}]")


@lru_cache(maxsize=32)
def word_list(kind: str, lang: str) -> frozenset[str]:
    """The list for ``kind`` and ``lang`` (empty when none is shipped); ``#`` starts a comment line."""
    if kind not in KINDS:
        raise ValueError(f"unknown word list kind {kind!r}; known: {', '.join(KINDS)}")
    path = resources.files("omniweave.filters") / "data" / f"{kind}_{lang}.txt"
    if not path.is_file():
        return frozenset()
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


@lru_cache(maxsize=32)
def _spaced_flagged(lang: str) -> frozenset[str]:
    """Flagged terms that start with a character of a space-separated script (matched as words), but
    those no word can be: a word holding a Han or kana character is all Han or all kana
    (:func:`omniweave.text.words.words`), never ASCII too ("av女优" is found as a CJK term)."""
    return frozenset(t for t in word_list("flagged", lang)
                     if not is_cjk_char(t[0]) and not (_CJK.search(t) and any(map(str.isascii, t))))


@lru_cache(maxsize=32)
def _cjk_flagged_pattern(lang: str) -> re.Pattern[str] | None:
    terms = sorted((t for t in word_list("flagged", lang) if any(map(is_cjk_char, t))), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None


@lru_cache(maxsize=32)
def _cjk_flagged_gate(lang: str) -> AnyPattern:
    """Whether a text holds any flagged term holding a CJK character (before counting them)."""
    return AnyPattern(*(re.escape(t) for t in word_list("flagged", lang) if any(map(is_cjk_char, t))))


def stopword_count(words: Sequence[str], lang: str) -> int:
    """Words that are stop words of ``lang``."""
    return sum(map(word_list("stopwords", lang).__contains__, map(str.lower, words)))


def flagged_count(words: Sequence[str], text: str, lang: str) -> int:
    """Flagged terms of ``lang``: whole-word matches of terms that do not start with a CJK
    character, plus substring matches in ``text`` of terms holding one (a segmenter may split them)."""
    n = sum(map(_spaced_flagged(lang).__contains__, map(str.lower, words)))
    pattern = _cjk_flagged_pattern(lang)
    return n + len(pattern.findall(text)) if pattern is not None else n


def stopwords_in(text: TextAnalysis, lang: str) -> int:
    """:func:`stopword_count` of an analysed text (counted once per list)."""
    return text.count_listed(word_list("stopwords", lang))


def flagged_in(text: TextAnalysis, lang: str) -> int:
    """:func:`flagged_count` of an analysed text (counted once per list). A document's CJK terms are
    counted per paragraph (as its :meth:`~omniweave.text.analysis.DocumentAnalysis.count_matches`
    does), each paragraph gated by its own pattern literals, which the paragraph rules found already."""
    listed = _spaced_flagged(lang)
    n = text.count_listed(listed) if listed else 0
    if _cjk_flagged_pattern(lang) is None or not text.has_cjk:
        return n
    parts = text.paragraphs if isinstance(text, DocumentAnalysis) else [text]
    return n + sum(_cjk_flagged(part, lang) for part in parts if part.has_cjk)


def flagged_each(texts: Sequence[TextAnalysis], lang: str) -> list[int]:
    """:func:`flagged_in` of many analysed texts (a document's paragraphs), their words counted at
    once and the pattern literals of those holding a CJK character found at once (where not yet known)."""
    listed = _spaced_flagged(lang)
    counts = count_listed_each(texts, listed) if listed else [0] * len(texts)
    if _cjk_flagged_pattern(lang) is None:
        return counts
    _cjk_flagged_gate(lang)  # its literals known before the texts' are found
    cjk = [i for i, t in enumerate(texts) if t.has_cjk]
    literals_of_each([texts[i] for i in cjk])
    for i in cjk:
        counts[i] += _cjk_flagged(texts[i], lang)
    return counts


def _cjk_flagged(text: TextAnalysis, lang: str) -> int:
    """Flagged terms holding a CJK character in a paragraph, counted only where its pattern
    literals (:attr:`~omniweave.text.analysis.TextAnalysis.literals`) gate one in."""
    gate = _cjk_flagged_gate(lang)  # made (its literals added) before the text's are read
    if not gate.search(text.collapsed, text.literals):
        return 0
    return text.count_matches(_cjk_flagged_pattern(lang))  # type: ignore[arg-type] (None: no gate literal)
