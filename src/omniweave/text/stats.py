"""Character-class ratios used by the OBELICS-style node and document rules."""

from __future__ import annotations

import unicodedata


def special_char_ratio(text: str) -> float:
    """Share of characters that are punctuation, symbols (incl. emoji), digits or whitespace."""
    if not text:
        return 0.0
    n = sum(1 for c in text if c.isspace() or c.isdigit() or unicodedata.category(c)[0] in "PS")
    return n / len(text)


def punctuation_count(text: str) -> int:
    """Unicode punctuation characters (categories P*)."""
    return sum(1 for c in text if unicodedata.category(c)[0] == "P")
