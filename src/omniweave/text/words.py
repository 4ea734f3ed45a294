"""Script-aware word splitting.

Latin, Cyrillic, Arabic, Hangul, ... are split on non-word characters. Han runs (Chinese, and
kanji in Japanese) have no spaces: they are segmented with rjieba (the jieba-rs binding: jieba's
dictionary and HMM, the same words as jieba's ``lcut(HMM=True)`` on every Han run of the shared
Chinese pages, 12x faster, and its dictionary lives outside the Python heap).
Kana runs are split per character-class run (a rough but stable unit for Japanese). Numbers count
as words; punctuation and symbols never do.

The words of the latest texts holding a Han run are kept (:data:`HAN_CACHE_WORDS` words at most):
segmenting is the costliest part (~0.5 us a word), and a crawl repeats texts across pages (a
site's footer, notices, syndicated copies), which then cost a dictionary look-up. Pages without
repeated paragraphs gain nothing from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

# Han ideographs (incl. extensions and compatibility), the scripts that need a segmenter.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
# kana and the BMP Han blocks, as a character class body: scripts written without spaces, where each
# character is a unit of its own (a near-dup shingle token; half a word in a dateline's word count)
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_HAN}]+|[{_KANA}]+|[^\W_{_HAN}{_KANA}]+(?:['’][^\W_{_HAN}{_KANA}]+)*")
# ASCII bytes with every character but letters and digits made a space: an ASCII text without an
# apostrophe is split into its tokens by one translate and one split (twice as fast as the pattern)
_ASCII_SPACED = bytes(c if chr(c).isascii() and chr(c).isalnum() else 32 for c in range(256))
_HAN_RUN = re.compile(rf"[{_HAN}]")
_KANA_RUN = re.compile(rf"[{_KANA}]")
_HAN_RUNS = re.compile(rf"([{_HAN}]{{2,}})")  # runs to segment (a lone Han character is a word as it is)
_CJK_CHAR = re.compile(rf"[{_HAN}{_KANA}\uac00-\ud7af]")
_MARK, _SEP = "\x00", "\x01"  # where a Han run was, where a text ends (non-word characters: no token otherwise)
_MARKED_TOKEN = re.compile(f"{_MARK}|{_SEP}|{_TOKEN.pattern}")
_cut: Callable[[str, bool], list[str]] | None = None  # rjieba.cut, imported on first use
HAN_CACHE_WORDS = 1 << 17  # words of texts holding a Han run kept at most (~10 MB: Han words are short)


def _bounds(ranges: str) -> np.ndarray:
    """A character class body of ``a-b`` ranges as sorted code points: first, last + 1 of each."""
    pairs = sorted((ord(ranges[i]), ord(ranges[i + 2]) + 1) for i in range(0, len(ranges), 3))
    return np.array(pairs, dtype=np.uint32).ravel()


_CJK_BOUNDS = _bounds(_HAN + _KANA + "\uac00-\ud7af")  # _CJK_CHAR's ranges

# C4/FineWeb's sentence-final marks (. ! ? and closing quotes) plus their full-width and curly forms
TERMINAL_PUNCTUATION = (".", "!", "?", '"', "'", "”", "’", "…", "。", "！", "？", "」", "』")


def is_cjk_char(ch: str) -> bool:
    """True for Han, kana and Hangul syllables (of ``ch``'s first character)."""
    return _CJK_CHAR.match(ch) is not None


def has_cjk(text: str) -> bool:
    """True when ``text`` holds a Han, kana or Hangul character."""
    return not text.isascii() and _CJK_CHAR.search(text) is not None


def cjk_word_count(ws: Sequence[str]) -> int:
    """Words that start with a Han, kana or Hangul character (many words: their first characters
    looked up in numpy, the words joined a line each)."""
    if len(ws) < 64:
        return sum(map(bool, map(_CJK_CHAR.match, ws)))
    joined = "\n" + "\n".join(ws) + "\n"
    if joined.count("\n") != len(ws) + 1:  # a word holds a newline (never one of words())
        return sum(map(bool, map(_CJK_CHAR.match, ws)))
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    firsts = codes[np.flatnonzero(codes[:-1] == ord("\n")) + 1]
    return int((np.searchsorted(_CJK_BOUNDS, firsts, side="right") & 1).sum())


def words(text: str) -> tuple[str, ...]:
    """The words of ``text`` in order (Han runs segmented with rjieba). Not cached: the filters
    read a text's words from its :mod:`analysis <omniweave.text.analysis>`."""
    return words_each([text])[0]


def words_each(texts: Sequence[str]) -> list[tuple[str, ...]]:
    """:func:`words` of each text; the Han runs of all of them are cut in one rjieba call."""
    out: list[tuple[str, ...]] = []
    han: list[int] = []  # the texts holding a Han character
    for text in texts:
        if text.isascii():
            out.append(tuple(text.encode("ascii").translate(_ASCII_SPACED).decode("ascii").split())
                       if "'" not in text else _spaced_words(text))
        elif _HAN_RUN.search(text) is None:
            out.append(_spaced_words(text) if _KANA_RUN.search(text) is None else tuple(_TOKEN.findall(text)))
        else:
            han.append(len(out))
            out.append(())
    if han:
        _fill_from_han_cache(texts, han, out)
    return out


def _fill_from_han_cache(texts: Sequence[str], han: list[int], out: list[tuple[str, ...]]) -> None:
    """Put the words of ``texts[i]`` for each ``i`` in ``han`` at ``out[i]``: from the cache where
    the text was segmented lately, the others segmented in one pass and cached."""
    todo: dict[str, list[int]] = {}  # text not cached -> where it goes (a text repeated in ``texts``: segmented once)
    for i in han:
        found = _HAN_CACHE.get(texts[i])
        if found is None:
            todo.setdefault(texts[i], []).append(i)
        else:
            out[i] = found
    for text, found in zip(todo, _han_words(list(todo)), strict=True):
        for i in todo[text]:
            out[i] = found
        _HAN_CACHE.put(text, found)


class _RecentWords:
    """Texts' words, the latest ``limit`` words' worth at most: two generations, the current one
    filled until it holds ``limit / 2`` words, then made the previous one (the one before dropped);
    a text found in the previous generation moves to the current one."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.current: dict[str, tuple[str, ...]] = {}
        self.previous: dict[str, tuple[str, ...]] = {}
        self.held = 0  # words in ``current``

    def get(self, text: str) -> tuple[str, ...] | None:
        found = self.current.get(text)
        if found is None:
            found = self.previous.get(text)
            if found is not None:
                self.put(text, found)
        return found

    def put(self, text: str, found: tuple[str, ...]) -> None:
        if 2 * len(found) > self.limit:
            return
        if 2 * (self.held + len(found)) > self.limit:
            self.previous, self.current, self.held = self.current, {}, 0
        self.current[text] = found
        self.held += len(found)

    def clear(self) -> None:
        self.current, self.previous, self.held = {}, {}, 0


_HAN_CACHE = _RecentWords(HAN_CACHE_WORDS)


def forget_segmented() -> None:
    """Drop the kept words of segmented texts (a bench timing segmentation starts each pass cold)."""
    _HAN_CACHE.clear()


def _chunk_words(text: str) -> tuple[str, ...]:
    """The words of a text without Han or kana, whitespace-separated chunk by chunk (no token holds
    whitespace): a chunk of letters and digits only (``str.isalnum``, what ``[^\\W_]`` matches) is one
    word, the pattern splits the others (words with punctuation or an apostrophe)."""
    out: list[str] = []
    for chunk in text.split():
        if chunk.isalnum():
            out.append(chunk)
        else:
            out += _TOKEN.findall(chunk)
    return tuple(out)


def _alnum_words(text: str) -> tuple[str, ...]:
    """:func:`_chunk_words` as one loop over the characters (C in the compiled build, 3x faster on
    non-ASCII text; per character in Python, slower): each run of ``str.isalnum`` characters, runs
    joined by a single ``'`` or ``’`` between them, is a word (what ``_TOKEN`` finds without Han or kana)."""
    out = []
    start = -1  # where the word being read starts (-1: none)
    joint = -1  # where an apostrophe just read after it stands (-1: none; the word ends there unless a run follows)
    i = 0
    for ch in text:
        if ("a" <= ch <= "z") or ("A" <= ch <= "Z") or ("0" <= ch <= "9") or (ch > "\x7f" and ch.isalnum()):
            if start < 0:
                start = i
            joint = -1
        elif start >= 0:
            if joint < 0 and (ch == "'" or ch == "\u2019"):
                joint = i
            else:
                out.append(text[start:i if joint < 0 else joint])
                start = joint = -1
        i += 1
    if start >= 0:
        out.append(text[start:i if joint < 0 else joint])
    return tuple(out)


COMPILED = not __file__.endswith(".py")  # this module runs as the extension setup.py builds (words.pxd types it)
_spaced_words = _alnum_words if COMPILED else _chunk_words  # the words of a text without Han or kana


def _segmenter() -> Callable[[str, bool], list[str]]:
    """rjieba's ``cut``, imported when a Han run first needs it (loading its dictionary costs
    ~140 ms of CPU: a run whose texts hold only lone Han characters never pays it)."""
    global _cut
    if _cut is None:
        from rjieba import cut as _cut
    return _cut


def _han_words(texts: list[str]) -> list[tuple[str, ...]]:
    """The words of texts holding Han runs, from one pass over them all: the texts joined by
    ``_SEP``, their Han runs cut in one rjieba call (joined by spaces: rjieba segments each run
    on its own and gives each space back as a word of its own), the rest tokenised in one call
    with ``_MARK`` where each run was. No token crosses a run's edge (runs are maximal and only
    Han tokens hold Han), so a text's words are its other tokens with each run's words in its place."""
    joined = _SEP.join(texts)
    parts = _HAN_RUNS.split(joined)  # other, run, other, run, ..., other
    runs = parts[1::2]
    cut = _segmenter()(" ".join(runs), True) + [" "] if runs else []  # a space after each run's words
    if cut.count(" ") != len(runs) or joined.count(_SEP) != len(texts) - 1 or _MARK in joined:
        return [_words_apart(text) for text in texts]  # a text holding a mark, or runs not cut as expected
    out: list[tuple[str, ...]] = []
    current: list[str] = []
    start = 0
    for token in _MARKED_TOKEN.findall(_MARK.join(parts[0::2])):
        if token == _MARK:
            end = cut.index(" ", start)
            current += cut[start:end]
            start = end + 1
        elif token == _SEP:
            out.append(tuple(current))
            current = []
        else:
            current.append(token)
    out.append(tuple(current))
    return out


def _words_apart(text: str) -> tuple[str, ...]:
    """The words of ``text``, each Han run cut alone (its words spaced, then the text tokenised)."""
    parts = _HAN_RUNS.split(text)
    parts[1::2] = [" ".join(_segmenter()(run, True)) for run in parts[1::2]]
    return tuple(_TOKEN.findall("".join(parts)))


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
    return list(filter(None, map(str.strip, text.splitlines())))

