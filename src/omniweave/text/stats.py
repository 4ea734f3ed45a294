"""Character-class ratios used by the OBELICS-style node and document rules.

Counting looks code points up in a boolean table per class (built once from the Unicode
categories of the Basic Multilingual Plane and the emoji/symbol planes), vectorised with numpy.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

from omniweave.text.words import CJK_CHARS

_LIMIT = 0x1FB00  # code points at or above it (rare scripts) count as ordinary characters


@cache
def _characters() -> tuple[np.ndarray, str, np.ndarray]:
    """The code points the tables hold (the Basic Multilingual Plane and the emoji/symbol planes),
    as characters, and the first letter of each one's Unicode category."""
    points = np.concatenate((np.arange(0x10000), np.arange(0x1F000, _LIMIT)))
    chars = "".join(map(chr, range(0x10000))) + "".join(map(chr, range(0x1F000, _LIMIT)))
    categories = "".join(map(unicodedata.category, chars)).encode("ascii")  # two letters each
    return points, chars, np.frombuffer(categories, dtype=np.uint8)[0::2]


@cache
def _table(kind: str) -> np.ndarray:
    """Per code point, whether it is of ``kind`` (False from the limit on)."""
    points, chars, category = _characters()
    wanted = category == ord("P")
    if kind != "punctuation":
        wanted |= category == ord("S")
        for test in (str.isspace, str.isdigit):
            wanted |= np.fromiter(map(test, chars), dtype=bool, count=len(chars))
    table = np.zeros(_LIMIT + 1, dtype=bool)  # the last entry stays False for code points past the limit
    table[points] = wanted
    return table


@cache
def class_bits() -> np.ndarray:
    """Per code point, bit 0: special (:func:`special_char_count`), bit 1: punctuation; the last entry,
    0, stands for every code point from the limit on (what :func:`~omniweave.text.counting.char_measures`
    reads)."""
    return _table("special").astype(np.uint8) | (_table("punctuation").astype(np.uint8) << 1)


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


# per-character classes counted per text by :func:`class_counts` (each as its rule defines it)
_METHODS: dict[str, Callable[[str], bool]] = {"upper": str.isupper, "digit": str.isdigit}
_PATTERNS = {
    "letter": re.compile(r"[^\W\d_]"),  # what ``[^\W\d_]+`` matches: letters, caseless CJK ones included
    "cjk": re.compile(f"[{CJK_CHARS}]"),
    "space": re.compile(" "),
}
CLASSES: dict[str, Callable[[str], bool]] = {
    **_METHODS, **{kind: (lambda ch, p=p: p.match(ch) is not None) for kind, p in _PATTERNS.items()},
}
_BMP = 0x10000


@cache
def _bmp_bits() -> np.ndarray:
    """Per code point of the Basic Multilingual Plane, a bit per class of :data:`CLASSES` (in its
    order); one more entry, 0, stands for every code point above the plane."""
    plane = "".join(map(chr, range(_BMP)))
    bits = np.zeros(_BMP + 1, dtype=np.uint8)
    for bit, kind in enumerate(CLASSES):
        if kind in _METHODS:
            member = np.fromiter(map(_METHODS[kind], plane), dtype=bool, count=_BMP)
        else:
            member = np.zeros(_BMP, dtype=bool)
            member[[m.start() for m in _PATTERNS[kind].finditer(plane)]] = True
        bits[:_BMP] |= member.astype(np.uint8) << bit
    return bits


def class_counts(texts: Sequence[str], kinds: Sequence[str]) -> dict[str, np.ndarray]:
    """Per text, how many of its characters are of each of ``kinds`` (keys of :data:`CLASSES`): one
    numpy pass over the code points of all texts; a text holding a character above the Basic
    Multilingual Plane is counted character by character."""
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    starts = np.cumsum(lengths) - lengths
    codes = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    bits = _bmp_bits()[np.minimum(codes, _BMP)]
    filled = lengths > 0  # reduceat sums each filled text up to the next filled one's start
    out = {}
    for kind in kinds:
        out[kind] = np.zeros(len(texts), dtype=np.int64)
        if filled.any():
            flags = (bits >> list(CLASSES).index(kind)) & 1
            out[kind][filled] = np.add.reduceat(flags, starts[filled], dtype=np.int64)
    astral = np.flatnonzero(codes >= _BMP)
    for i in np.unique(np.searchsorted(starts + lengths, astral, side="right")).tolist():
        for kind in kinds:
            out[kind][i] = sum(map(CLASSES[kind], texts[i]))
    return out
