"""Word lists shipped as package data (``filters/data/<kind>_<lang>.txt``): stop words, flagged words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from omniweave.text.words import is_cjk_char

KINDS = ("stopwords", "flagged")


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
def _cjk_flagged_pattern(lang: str) -> re.Pattern[str] | None:
    terms = sorted((t for t in word_list("flagged", lang) if any(map(is_cjk_char, t))), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None


def stopword_count(words: Sequence[str], lang: str) -> int:
    """Words that are stop words of ``lang``."""
    listed = word_list("stopwords", lang)
    return sum(1 for w in words if w.lower() in listed)


def flagged_count(words: Sequence[str], text: str, lang: str) -> int:
    """Flagged terms of ``lang``: whole-word matches, plus substring matches in ``text`` for CJK
    terms (a segmenter may split them)."""
    listed = word_list("flagged", lang)
    n = sum(1 for w in words if not is_cjk_char(w[0]) and w.lower() in listed)
    pattern = _cjk_flagged_pattern(lang)
    if pattern is not None:
        n += len(pattern.findall(text))
    return n
