"""Character-class ratios used by the OBELICS-style node and document rules.

Counting looks code points up in a boolean table per class (built once from the Unicode
categories of the Basic Multilingual Plane and the emoji/symbol planes), vectorised with numpy.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import numpy as np

_LIMIT = 0x1FB00  # code points at or above it (rare scripts) count as ordinary characters


@cache
def _table(kind: str) -> np.ndarray:
    def wanted(ch: str) -> bool:
        cat = unicodedata.category(ch)[0]
        return cat == "P" if kind == "punctuation" else (cat in "PS" or ch.isspace() or ch.isdigit())

    table = np.zeros(_LIMIT + 1, dtype=bool)  # the last entry stays False for code points past the limit
    for cp in (*range(0x10000), *range(0x1F000, _LIMIT)):
        table[cp] = wanted(chr(cp))
    return table


def char_flags(codes: np.ndarray, kind: str) -> np.ndarray:
    """Per code point: is it of ``kind`` (``special`` or ``punctuation``)."""
    return _table(kind)[np.minimum(codes, _LIMIT)]


def _count(text: str | np.ndarray, kind: str) -> int:
    codes = text if isinstance(text, np.ndarray) else np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    return int(np.count_nonzero(char_flags(codes, kind))) if len(codes) else 0


def special_char_count(text: str | np.ndarray) -> int:
    """Characters that are punctuation, symbols (incl. emoji), digits or whitespace (``text`` may be
    given as its code points)."""
    return _count(text, "special")


def special_char_ratio(text: str) -> float:
    """Share of characters that are punctuation, symbols (incl. emoji), digits or whitespace."""
    return special_char_count(text) / len(text) if text else 0.0


def punctuation_count(text: str | np.ndarray) -> int:
    """Unicode punctuation characters (categories P*; ``text`` may be given as its code points)."""
    return _count(text, "punctuation")
