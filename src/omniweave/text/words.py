"""Script-aware word splitting.

Latin, Cyrillic, Arabic, Hangul, ... are split on non-word characters. Han runs (Chinese, and
kanji in Japanese) have no spaces: they are segmented with rjieba (the jieba-rs binding: jieba's
dictionary and HMM, the same words as jieba's ``lcut(HMM=True)`` on every Han run of the shared
Chinese pages, 12x faster, and its dictionary lives outside the Python heap).
Kana runs are split per character-class run (a rough but stable unit for Japanese). Numbers count
as words; punctuation and symbols never do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Han ideographs (incl. extensions and compatibility), the scripts that need a segmenter.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# kana and the BMP Han blocks, as a character class body: scripts written without spaces, where each
# character is a unit of its own (a near-dup shingle token; half a word in a dateline's word count)
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]+|[{_KANA}]+|[^\W_{_HAN}{_KANA}]+(?:['’][^\W_{_HAN}{_KANA}]+)*")
_HAN_RUN = re.compile(rf"[{_HAN}]")
_CJK_CHAR = re.compile(rf"[{_HAN}{_KANA}\uac00-\ud7af]")

# C4/FineWeb's sentence-final marks (. ! ? and closing quotes) plus their full-width and curly forms
TERMINAL_PUNCTUATION = (".", "!", "?", '"', "'", "”", "’", "…", "。", "！", "？", "」", "』")


def is_cjk_char(ch: str) -> bool:
    """True for Han, kana and Hangul syllables (of ``ch``'s first character)."""
    return _CJK_CHAR.match(ch) is not None


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Han, kana or Hangul character."""
    return _CJK_CHAR.search(text) is not None


def cjk_word_count(ws: Sequence[str]) -> int:
    """Words that start with a Han, kana or Hangul character."""
    return sum(map(bool, map(_CJK_CHAR.match, ws)))


def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` in order (Han runs segmented with rjieba). Not cached: the filters
    read a text's words from its :mod:`analysis <omniweave.text.analysis>`."""
    if _HAN_RUN.search(text) is None:
        return tuple(_TOKEN.findall(text))
    from rjieba import cut

    out: list[str] = []
    for token in _TOKEN.findall(text):
        if len(token) > 1 and _HAN_RUN.match(token):
            out += cut(token, True)  # a run of Han characters: its words are never blank
        else:
            out.append(token)
    return tuple(out)


_TRAILING_CITATIONS = re.compile(r"(\s*\[[^\[\]]{1,40}\])+$")


def ends_sentence(line: str) -> bool:
    """True when ``line`` ends in terminal punctuation, looking past trailing bracketed references
    ("... the end.[12]", "... sacred. [M1 / MP]")."""
    return _TRAILING_CITATIONS.sub("", line.rstrip()).endswith(TERMINAL_PUNCTUATION)


def lines(text: str) -> list[str]:
    """Non-blank lines, stripped."""
    return [s for s in (line.strip() for line in text.splitlines()) if s]

