"""Bounds checked before parsing, so that no page costs more than a fixed time and memory.

Lexbor's tree builder is quadratic in nesting depth for block elements (100k nested ``<div>``
take ~18 s), so the depth is estimated from the raw bytes first (vectorised, well under a
millisecond per 100 KB) and pages deeper than :data:`MAX_DEPTH` are refused with a reason.
Pages larger than :data:`MAX_CHARS` are cut at a tag boundary and extracted, with the cut recorded.
"""

from __future__ import annotations

import numpy as np

MAX_DEPTH = 4000  # parse of 4000 nested <div> takes ~30 ms; real pages stay under ~200
MAX_CHARS = 4_000_000

# first two letters (lower case) of tags that never or rarely get a closing tag: counting them as
# openings would overstate the depth of ordinary pages full of <br>, <img>, <p>, <li>, <td>, ...
_NOT_NESTING = [
    "br", "im", "me", "li", "in", "hr", "wb", "so", "ar", "co", "em", "pa", "tr", "td", "th", "op",
    "dt", "dd", "ba", "ke", "tb", "ca",
]
_NOT_NESTING_TABLE = np.zeros(1 << 16, dtype=bool)  # lookup table: faster than np.isin on every tag
_NOT_NESTING_TABLE[[ord(a) << 8 | ord(b) for a, b in _NOT_NESTING]] = True
_IS_LETTER = np.zeros(256, dtype=bool)
_IS_LETTER[0x61:0x7B] = True


class ExtractionRefused(ValueError):
    """A page the extractor will not process; ``reason`` is a short stable label for counters."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def nesting_depth_bound(data: bytes) -> int:
    """An estimate of the page's maximum tag nesting depth (opening minus closing tags, over
    every prefix of the page), ignoring void and auto-closed elements such as ``<br>``/``<p>``.
    Pages with at most :data:`MAX_DEPTH` tags (or tags more than closing tags) get that number (a
    bound good enough to let them through) without the full count."""
    arr = np.frombuffer(data, dtype=np.uint8)
    tags = int(np.count_nonzero(arr == 0x3C))  # '<': most pages have fewer than MAX_DEPTH
    if tags <= MAX_DEPTH:
        return tags
    pos = np.flatnonzero(arr[:-3] == 0x3C)
    nxt = arr[pos + 1]
    closing = nxt == 0x2F  # '/'
    tags = len(pos) - int(np.count_nonzero(closing))
    if tags <= MAX_DEPTH:
        return tags
    lower = nxt | 0x20
    letter = (lower >= 0x61) & (lower <= 0x7A)
    pair = (lower.astype(np.uint16) << 8) | (arr[pos + 2] | 0x20).astype(np.uint16)
    # a bare one-letter tag: <p>, <a>, <b>, <i>, <u>, <s>, <q> (only <a>/<b>/<i>/<u>/<s> nest deeply)
    one_letter_p = (lower == ord("p")) & ~_IS_LETTER[arr[pos + 2] | 0x20]
    opening = letter & ~_NOT_NESTING_TABLE[pair] & ~one_letter_p & ~_self_closed_in_foreign(arr, pos, closing)
    steps = opening.astype(np.int32) - closing.astype(np.int32)
    depth = np.cumsum(steps)
    return int(depth.max(initial=0))


def _self_closed_in_foreign(arr: np.ndarray, pos: np.ndarray, closing: np.ndarray) -> np.ndarray:
    """Which tags (at ``pos``, the page's ``<``) end in ``/>`` inside ``<svg>`` or ``<math>``: there
    (foreign content) the parser closes them at once (an icon's thousands of ``<path/>`` nest nothing;
    in HTML proper ``<div/>`` still opens a ``div``, so it counts there)."""
    gt = np.flatnonzero(arr == 0x3E)  # '>'
    if not len(gt):
        return np.zeros(len(pos), dtype=bool)
    end = np.searchsorted(gt, pos)  # the '>' ending each tag
    ends = gt[np.minimum(end, len(gt) - 1)]
    self_closed = (end < len(gt)) & (arr[np.maximum(ends - 1, 0)] == 0x2F)  # '/>'
    if not self_closed.any():
        return self_closed
    name_at = pos + 1 + closing  # the first letter of the tag's name
    padded = np.concatenate([arr, np.zeros(5, dtype=np.uint8)]) | 0x20
    foreign = np.zeros(len(pos), dtype=bool)
    for name in (b"svg", b"math"):
        hit = ~_IS_LETTER[padded[name_at + len(name)]]
        for i, letter in enumerate(name):
            hit &= padded[name_at + i] == letter
        step = np.where(hit & ~closing, 1, 0) - np.where(hit & closing, 1, 0)
        foreign |= np.cumsum(step) > 0
    return self_closed & foreign


def check_size_and_depth(html: str, raw: bytes | None) -> tuple[str, str | None]:
    """``(html, truncation_note)``; raises :class:`ExtractionRefused` for pages nested too deeply."""
    note = None
    if len(html) > MAX_CHARS:
        total = len(html)
        cut = html.rfind("<", 0, MAX_CHARS)
        html = html[: cut if cut > 0 else MAX_CHARS]
        note = f"cut at {len(html)} of {total} characters"
        raw = None
    depth = nesting_depth_bound(raw if raw is not None else html.encode("utf-8", "surrogatepass"))
    if depth > MAX_DEPTH:
        raise ExtractionRefused("nesting_too_deep", f"tag nesting depth about {depth} > {MAX_DEPTH}")
    return html, note
