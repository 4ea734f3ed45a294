"""Script-aware text helpers shared by the text filters (words, lines, n-grams, punctuation)."""

from omniweave.text.words import (
    TERMINAL_PUNCTUATION,
    cjk_ratio,
    is_cjk_char,
    lines,
    ngrams,
    words,
)

__all__ = ["TERMINAL_PUNCTUATION", "cjk_ratio", "is_cjk_char", "lines", "ngrams", "words"]
