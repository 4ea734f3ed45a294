"""Script-aware word splitting.

Latin, Cyrillic, Arabic, Hangul, ... are split on non-word characters. Han runs (Chinese, and
kanji in Japanese) have no spaces: they are segmented with jieba, loaded lazily on first use.
Kana runs are split per character-class run (a rough but stable unit for Japanese). Numbers count
as words; punctuation and symbols never do.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache

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

_jieba_lock = threading.Lock()
_jieba = None


def _segmenter():  # noqa: ANN202 (jieba has no type hints)
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def is_cjk_char(ch: str) -> bool:
    """True for Han, kana and Hangul syllables."""
    return bool(_CJK_CHAR.match(ch))


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` in order (Han runs segmented with jieba). Cached: the filters of a
    chain ask for the words of the same paragraphs one after the other."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group()
        if _HAN_RUN.match(token):
            if len(token) == 1:
                out.append(token)
            else:
                out.extend(w for w in _segmenter().lcut(token, HMM=True) if w.strip())
        else:
            out.append(token)
    return tuple(out)


_TRAILING_CITATIONS = re.compile(r"(\s*\[[^\[\]]{1,40}\])+$")


def ends_sentence(line: str) -> bool:
    """True when ``line`` ends in terminal punctuation, looking past trailing bracketed references
    ("... the end.[12]", "... sacred. [M1 / MP]")."""
    return _TRAILING_CITATIONS.sub("", line.rstrip()).endswith(TERMINAL_PUNCTUATION)


def text_words(texts: Iterable[str]) -> list[str]:
    """The words of several paragraphs (a document's text nodes), each looked up in the cache."""
    return [w for text in texts for w in words(text)]


def lines(text: str) -> list[str]:
    """Non-blank lines, stripped."""
    return [s for s in (line.strip() for line in text.splitlines()) if s]


def ngrams(items: Sequence[str], n: int) -> Iterator[tuple[str, ...]]:
    """Consecutive ``n``-tuples of ``items``."""
    return zip(*(items[i:] for i in range(n)), strict=False)
