"""Subtitle files into timed cues: WebVTT, SRT, and JSON captions with word timings.

Accepted:

- **WebVTT** (``.vtt``): cue blocks ``[id]\\nSTART --> END [settings]\\ntext``; ``NOTE``/``STYLE``/
  ``REGION`` blocks are skipped; inline ``<hh:mm:ss.mmm>`` tags (auto-captions) become word timings.
- **SRT** (``.srt``): ``index\\nSTART --> END\\ntext`` (``,`` or ``.`` before the milliseconds).
- **JSON** (``.json``, ``.json3``): YouTube's json3 (``events`` with ``tStartMs``, ``dDurationMs``
  and ``segs`` of ``utf8`` with ``tOffsetMs``), or Whisper-style ``segments`` (``start``/``end`` in
  seconds, ``text``, optional ``words`` with ``word``/``start``/``end``), or a bare list of segments.

Timestamps may omit hours. A cue whose timing cannot be read is dropped and counted as
``bad_timing``; an end before its start is set to the start (``fixed_timing``). Markup is kept
here; :mod:`omniweave.video.text` cleans it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar

SUBTITLE_SUFFIXES = (".vtt", ".srt", ".json3", ".json")
T = TypeVar("T", int, float)

_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s.*)?$")
_INLINE_TIME = re.compile(rf"<{_TIME}>")
_SKIP_BLOCKS = ("WEBVTT", "NOTE", "STYLE", "REGION")


@dataclass
class Cue:
    """One caption: ``segments`` are (start ms, raw text) pieces, more than one when words are timed."""

    start_ms: int
    end_ms: int
    segments: list[tuple[int, str]]
    timed_words: bool = False


@dataclass
class Subtitles:
    format: str  # vtt | srt | json3 | whisper
    cues: list[Cue]
    counts: Counter[str] = field(default_factory=Counter)


def _ms(groups: tuple[str | None, ...]) -> int | None:
    hours, minutes, seconds, frac = groups
    if int(minutes) >= 60 or int(seconds) >= 60:
        return None
    fraction = int((frac or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + fraction


def decode_text(data: bytes) -> str:
    """Subtitle bytes as text: UTF-16 when it has that BOM, else UTF-8 (BOM dropped, bad bytes replaced)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def _inline_segments(start_ms: int, text: str) -> tuple[list[tuple[int, str]], bool]:
    """Split cue text at inline timestamps (``<00:00:01.500>``) into timed pieces."""
    pieces, at, pos, timed = [], start_ms, 0, False
    for m in _INLINE_TIME.finditer(text):
        t = _ms(m.groups())
        if t is None:
            continue
        pieces.append((at, text[pos : m.start()]))
        at, pos, timed = max(t, start_ms), m.end(), True
    pieces.append((at, text[pos:]))
    return [(t, s) for t, s in pieces if s.strip()], timed


def parse_timed_text(text: str, fmt: str) -> Subtitles:
    """WebVTT or SRT text (one lenient parser: blocks separated by blank lines with a ``-->`` line)."""
    subs = Subtitles(fmt, [])
    blocks = re.split(r"\n\n+", text.replace("\r\n", "\n").replace("\r", "\n"))  # a line of spaces is not a break
    for block in blocks:
        lines = [ln for ln in block.split("\n") if ln.strip()]
        if not lines or lines[0].split(" ", 1)[0].split("\t", 1)[0] in _SKIP_BLOCKS:
            continue
        at = next((i for i, ln in enumerate(lines) if "-->" in ln), None)
        if at is None:
            subs.counts["orphan_text"] += 1  # text without a timing line: nowhere to place it
            continue
        m = _TIMING.match(lines[at])
        start = _ms(m.groups()[:4]) if m else None
        end = _ms(m.groups()[4:]) if m else None
        span = _checked_span(subs, start, end)
        if span is None:
            continue
        start, end = span
        segments, timed = _inline_segments(start, "\n".join(lines[at + 1 :]))
        if segments:
            subs.cues.append(Cue(start, end, segments, timed))
    return subs


def _checked_span(subs: Subtitles, start: T | None, end: T | None) -> tuple[T, T] | None:
    """A cue's (start, end), counted: None for unreadable timing, an end before the start set to it."""
    if start is None or end is None:
        subs.counts["bad_timing"] += 1
        return None
    if end < start:
        subs.counts["fixed_timing"] += 1
        end = start
    return start, end


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 else None


def _json3(events: list[Any]) -> Subtitles:
    subs = Subtitles("json3", [])
    for ev in events:
        if not isinstance(ev, dict) or not ev.get("segs"):
            continue  # window/style events carry no text
        start, duration = _number(ev.get("tStartMs")), _number(ev.get("dDurationMs", 0))
        if start is None or duration is None:
            subs.counts["bad_timing"] += 1
            continue
        segments = []
        for seg in ev["segs"]:
            if isinstance(seg, dict) and isinstance(seg.get("utf8"), str) and seg["utf8"].strip():
                offset = _number(seg.get("tOffsetMs", 0)) or 0
                segments.append((int(start + offset), seg["utf8"]))
        if segments:
            subs.cues.append(Cue(int(start), int(start + duration), segments, len(segments) > 1))
    return subs


def _whisper(segments: list[Any]) -> Subtitles:
    subs = Subtitles("whisper", [])
    for seg in segments:
        if not isinstance(seg, dict):
            subs.counts["bad_timing"] += 1
            continue
        span = _checked_span(subs, _number(seg.get("start")), _number(seg.get("end")))
        if span is None:
            continue
        start, end = span
        words = [w for w in seg.get("words") or [] if isinstance(w, dict) and isinstance(w.get("word"), str)]
        timed = [(int((_number(w.get("start")) or start) * 1000), w["word"]) for w in words]
        pieces = timed or [(int(start * 1000), str(seg.get("text") or ""))]
        pieces = [(t, s) for t, s in pieces if s.strip()]
        if pieces:
            subs.cues.append(Cue(int(start * 1000), int(end * 1000), pieces, bool(timed)))
    return subs


def parse_json(text: str) -> Subtitles:
    """json3 (``events``), Whisper-style (``segments``) or a bare list of segments."""
    data = json.loads(text)
    if isinstance(data, dict) and isinstance(data.get("events"), list):
        return _json3(data["events"])
    if isinstance(data, dict) and isinstance(data.get("segments"), list):
        return _whisper(data["segments"])
    if isinstance(data, list):
        return _whisper(data)
    raise ValueError("JSON captions need 'events' (json3) or 'segments' (Whisper-style)")


def parse_subtitles(name: str, data: bytes) -> Subtitles:
    """Parse subtitle bytes; the format comes from the name (WebVTT also from its header).

    Raises ValueError for JSON that is not a caption file; cues come back sorted by start.
    """
    text = decode_text(data)
    lower = name.lower()
    if lower.endswith((".json", ".json3")):
        subs = parse_json(text)
    else:
        subs = parse_timed_text(text, "vtt" if lower.endswith(".vtt") or text.lstrip().startswith("WEBVTT") else "srt")
    subs.cues.sort(key=lambda c: c.start_ms)  # stable: cues starting together keep file order
    return subs
