"""Subtitle cues into clean, timed paragraphs.

1. Each cue piece is cleaned: markup (``<c>``, ``<i>``, ``<font>``, ASS ``{\\an8}``), voice and
   speaker tags (``<v Ann>``, ``>>``, ``- ``, ``ANN:``, ``Speaker 1:``), sound descriptions
   (``[Music]``, ``(LAUGHS)``) and music notes are removed; entities are unescaped.
2. Words get times: words of a timed piece start with it, untimed text is spread evenly over its cue.
3. Rolling duplicates are collapsed: a cue that begins with the last words of the text so far (the
   previous line of a rolling auto-caption, which stays on screen across pauses, or a whole
   repeated cue) adds only what is new. A one-word overlap counts only when it is the whole cue.
4. Sentences end at terminal punctuation, at a pause, or after too many words; paragraphs end at
   a longer pause or once they are long enough.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from omniweave.pipeline.video_options import VideoOptions
from omniweave.video.subtitles import Cue, Subtitles

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s[^>]*)?>", re.I)
_TAG = re.compile(r"</?[a-zA-Z][^<>]*>|<\d[\d:.]*>")  # tags, stray inline timestamps
_ASS = re.compile(r"\{\\[^}]*\}")
# [anything short], (UP TO FOUR CAPITAL WORDS) or (up to three lower-case words), music notes
_SOUND = re.compile(r"\[[^\]\n]{0,60}\]|\((?:[A-Z]+(?:[ '-][A-Z]+){0,3}|[a-z]+(?:[ '-][a-z]+){0,2})\)|[♪♫♬]")
_LEAD = re.compile(r"^[ \t]*(?:>>+|-(?=[ \t]))[ \t]*", re.M)  # ">> " speaker change, "- " dialogue dash
_LABEL = re.compile(r"^[ \t]*(?:[Ss]peaker[ _]*\d+|SPEAKER[ _]*\d+|[A-Z][A-Z0-9.'\- ]{0,30}[A-Z0-9.])[ \t]*:(?=\s|$)", re.M)
_END = frozenset(".!?。！？…")
_CLOSERS = "\"')]}»”’」』"


@dataclass
class Word:
    start_ms: int
    end_ms: int
    text: str


@dataclass
class Paragraph:
    start_ms: int
    end_ms: int
    text: str


def clean_fragment(text: str) -> str:
    """Caption text without markup, speaker tags or sound descriptions, on one line."""
    text = _ASS.sub("", _TAG.sub("", _VOICE.sub("", text)))
    text = html.unescape(text).replace("\u00a0", " ")
    text = _SOUND.sub(" ", text)
    text = _LABEL.sub("", _LEAD.sub("", text))
    return " ".join(text.split())


def _cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x3000 <= o <= 0x30FF or 0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or 0xFF00 <= o <= 0xFFEF


def join_words(words: list[str]) -> str:
    """Words joined by spaces, except between two CJK characters."""
    out = ""
    for w in words:
        out += w if not out or (_cjk(out[-1]) and _cjk(w[0])) else " " + w
    return out


def cue_words(cue: Cue) -> list[Word]:
    """The cleaned words of a cue, each with a start and end time."""
    words: list[Word] = []
    for i, (start, raw) in enumerate(cue.segments):
        tokens = clean_fragment(raw).split()
        end = cue.segments[i + 1][0] if i + 1 < len(cue.segments) else max(cue.end_ms, start)
        end = max(end, start)
        if cue.timed_words:  # a timed piece is one word, or the repeated upper line plus the first new word
            words += [Word(start, end, t) for t in tokens]
            continue
        step = (end - start) / max(len(tokens), 1)
        words += [Word(start + round(k * step), start + round((k + 1) * step), t) for k, t in enumerate(tokens)]
    return words


def _norm(word: str) -> str:
    return "".join(ch for ch in word.lower() if ch.isalnum()) or word


def _overlap(tail: list[str], new: list[str]) -> int:
    """Longest k with tail[-k:] == new[:k]; single words only when they are all of ``new``."""
    for k in range(min(len(tail), len(new)), 0, -1):
        if tail[-k:] == new[:k] and (k >= 2 or k == len(new)):
            return k
    return 0


def collapse_rolling(cues: list[Cue], counts: Counter[str]) -> list[Word]:
    """All cue words in order, with rolling and repeated captions collapsed (see the module docstring)."""
    out: list[Word] = []
    norms: list[str] = []
    for cue in cues:
        words = cue_words(cue)
        if not words:
            counts["empty_cues"] += 1
            continue
        new = [_norm(w.text) for w in words]
        k = _overlap(norms[-len(new) :], new)
        if k == len(words):
            counts["repeated_cues"] += 1
            continue
        counts["rolling_words_removed"] += k
        out += words[k:]
        norms += [_norm(w.text) for w in words[k:]]
    return out


def _ends_sentence(word: str) -> bool:
    stripped = word.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _END


def sentences(words: list[Word], opts: VideoOptions) -> list[list[Word]]:
    """Words grouped into sentences: punctuation, a pause, or a length limit ends one."""
    out: list[list[Word]] = []
    current: list[Word] = []
    for i, w in enumerate(words):
        current.append(w)
        nxt = words[i + 1] if i + 1 < len(words) else None
        pause = nxt is not None and nxt.start_ms - w.end_ms >= opts.sentence_gap_ms
        if nxt is None or pause or _ends_sentence(w.text) or len(current) >= opts.max_sentence_words:
            out.append(current)
            current = []
    return out


def paragraphs(sents: list[list[Word]], opts: VideoOptions) -> list[Paragraph]:
    """Sentences grouped into paragraphs: a long pause, or a paragraph already long enough, starts a new one."""
    out: list[Paragraph] = []
    group: list[list[Word]] = []
    for sent in sents:
        if group:
            start, end = group[0][0].start_ms, group[-1][-1].end_ms
            if sent[0].start_ms - end >= opts.paragraph_gap_ms or end - start >= opts.max_paragraph_ms:
                out.append(_paragraph(group))
                group = []
        group.append(sent)
    if group:
        out.append(_paragraph(group))
    return out


def _paragraph(group: list[list[Word]]) -> Paragraph:
    words = [w.text for sent in group for w in sent]
    return Paragraph(group[0][0].start_ms, max(w.end_ms for sent in group for w in sent), join_words(words))


def subtitle_paragraphs(subs: Subtitles, opts: VideoOptions, counts: Counter[str]) -> list[Paragraph]:
    """Clean paragraphs of parsed subtitles, in time order; what was removed is counted in ``counts``."""
    counts.update(subs.counts)
    counts["cues"] += len(subs.cues)
    return paragraphs(sentences(collapse_rolling(subs.cues, counts), opts), opts)
