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
from collections.abc import Callable, Sequence

# Han ideographs (incl. extensions and compatibility), the scripts that need a segmenter.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# kana and the BMP Han blocks, as a character class body: scripts written without spaces, where each
# character is a unit of its own (a near-dup shingle token; half a word in a dateline's word count)
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]+|[{_KANA}]+|[^\W_{_HAN}{_KANA}]+(?:['’][^\W_{_HAN}{_KANA}]+)*")
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")  # _TOKEN on ASCII text, matched faster
_HAN_RUN = re.compile(rf"[{_HAN}]")
_HAN_RUNS = re.compile(rf"([{_HAN}]{{2,}})")  # runs to segment (a lone Han character is a word as it is)
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
    return words_each([text])[0]


def words_each(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """:func:`words` of each text; the Han runs of all of them are segmented in one rjieba call
    (joined by newlines: rjieba segments each run on its own and keeps each newline a word)."""
    out: list[tuple[str, ...]] = []
    split: list[tuple[int, list[str]]] = []  # texts with Han runs: (index, [other, run, other, run, ..., other])
    for text in texts:
        if text.isascii():
            out.append(tuple(_ASCII_TOKEN.findall(text)))
        elif _HAN_RUN.search(text) is None:
            out.append(tuple(_TOKEN.findall(text)))
        else:
            split.append((len(out), _HAN_RUNS.split(text)))
            out.append(())
    if split:
        # each run's words, space-separated: findall on the text with its runs so replaced finds
        # every other token as before and each word of a run as a token of its own
        segmented = _segment([run for _, parts in split for run in parts[1::2]])
        j = 0
        for i, parts in split:
            k = len(parts) // 2
            parts[1::2] = segmented[j:j + k]
            j += k
            out[i] = tuple(_TOKEN.findall("".join(parts)))
    return out


def _segment(runs: list[str]) -> list[str]:
    """rjieba's words of each Han run joined by spaces, from one call over the runs joined by
    newlines (each newline comes back a word of its own)."""
    global _cut
    if _cut is None:
        from rjieba import cut as _cut
    return " ".join(_cut("\n".join(runs), True)).split(" \n ")


_cut: Callable[[str, bool], list[str]] | None = None  # rjieba.cut, imported on first use


_TRAILING_CITATIONS = re.compile(r"(\s*\[[^\[\]]{1,40}\])+$")


def ends_sentence(line: str) -> bool:
    """True when ``line`` ends in terminal punctuation, looking past trailing bracketed references
    ("... the end.[12]", "... sacred. [M1 / MP]")."""
    line = line.rstrip()
    if line.endswith("]"):  # only then can there be references to look past
        line = _TRAILING_CITATIONS.sub("", line)
    return line.endswith(TERMINAL_PUNCTUATION)


def lines(text: str) -> list[str]:
    """Non-blank lines, stripped."""
    return [s for s in (line.strip() for line in text.splitlines()) if s]

