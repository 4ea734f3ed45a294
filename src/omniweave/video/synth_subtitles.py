"""Synthetic subtitle files in the shapes real video sites serve (tests and the example source)."""

from __future__ import annotations


def rolling_vtt(lines: list[tuple[int, int, str]]) -> str:
    """Auto-caption WebVTT as video sites write it, from ``(start_ms, end_ms, text)`` lines: each cue
    repeats the previous line on top of the new, word-timed one, then a 10 ms cue holds both lines;
    the first cue's upper line is a single space, as in real files."""
    out = ["WEBVTT", "Kind: captions", "Language: en", ""]
    previous = " "
    for start, end, text in lines:
        words = text.split()
        step = (end - start) // len(words)
        timed = words[0] + "".join(f"<{timestamp(start + i * step)}><c> {w}</c>" for i, w in enumerate(words[1:], 1))
        out += [f"{timestamp(start)} --> {timestamp(end)} align:start position:0%", previous, timed, ""]
        out += [f"{timestamp(end)} --> {timestamp(end + 10)} align:start position:0%", previous, text, ""]
        previous = text
    return "\n".join(out)


def timestamp(ms: int) -> str:
    """``hh:mm:ss.mmm``, the WebVTT cue time of ``ms`` milliseconds."""
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
