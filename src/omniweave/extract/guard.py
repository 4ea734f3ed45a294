"""Bounds checked before parsing, so that no page costs more than a fixed time and memory.

Lexbor's tree builder is quadratic in nesting depth for block elements (100k nested ``<div>``
take ~18 s), so the depth is estimated from the raw bytes first (in array operations, or C loops
in the compiled build: well under a millisecond per 100 KB) and pages deeper than
:data:`MAX_DEPTH` are refused with a reason.
Pages larger than :data:`MAX_CHARS` are cut at a tag boundary and extracted, with the cut recorded.
"""

from __future__ import annotations

import cython
import numpy as np

MAX_DEPTH = 4000  # parse of 4000 nested <div> takes ~30 ms; real pages stay under ~200
MAX_CHARS = 4_000_000

# tags that never nest, by name (lower case; names over four letters by their first four): void
# elements, elements a later sibling closes (<li>, <td>, <option>, ...) and inline formatting that
# lexbor bounds (<em>, <code>): counting them as openings would overstate the depth of ordinary
# pages full of <br>, <img>, <li>, <td>, ... Block containers (<article>, <menu>, <ins>, ...) nest.
_NOT_NESTING = [
    "br", "img", "imag", "meta", "link", "li", "inpu", "hr", "wbr", "sour", "area", "col", "colg", "embe",
    "para", "trac", "td", "th", "tr", "thea", "tbod", "tfoo", "opti", "optg", "dt", "dd", "base", "keyg",
    "capt", "em", "code", "p",
]
# where the parser leaves <svg>/<math> content for HTML: their end tags and the HTML elements that
# break out of foreign content; and the integration points, whose children are HTML until they close
_FOREIGN = ["svg", "math"]
_BREAKOUT = [
    "b", "big", "bloc", "body", "br", "cent", "code", "dd", "div", "dl", "dt", "em", "embe", "font", "h1",
    "h2", "h3", "h4", "h5", "h6", "head", "hr", "i", "img", "li", "list", "menu", "meta", "nobr", "ol",
    "p", "pre", "ruby", "s", "smal", "span", "stro", "stri", "sub", "sup", "tabl", "tt", "u", "ul", "var",
]
_INTEGRATION = ["fore", "desc", "titl", "mi", "mo", "mn", "ms", "mtex", "anno"]
_IS_LETTER = np.zeros(256, dtype=bool)
_IS_LETTER[0x61:0x7B] = True
_IS_NAME = _IS_LETTER.copy()  # a tag name's characters after its first letter (lower-cased bytes)
_IS_NAME[0x30:0x3A] = True
_IS_NAME[ord("-")] = True


def _keys(names: list[str]) -> np.ndarray:
    """Names as the :func:`_name_keys` of their tags."""
    return np.array(sorted(int.from_bytes(n.encode().ljust(4, b"\0"), "big") for n in names), dtype=np.uint32)


_NOT_NESTING_KEYS, _FOREIGN_KEYS = _keys(_NOT_NESTING), _keys(_FOREIGN)
_BREAKOUT_KEYS, _INTEGRATION_KEYS = _keys(_BREAKOUT), _keys(_INTEGRATION)
_IS_LETTER_TABLE, _IS_NAME_TABLE = _IS_LETTER.tobytes(), _IS_NAME.tobytes()  # the one-pass count's


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
    return _bound_in_c(data) if cython.compiled else _bound_in_arrays(data)


def _bound_in_arrays(data: bytes) -> int:
    """:func:`nesting_depth_bound` in array operations (pure Python)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    tags = int(np.count_nonzero(arr == 0x3C))  # '<': most pages have fewer than MAX_DEPTH
    if tags <= MAX_DEPTH:
        return tags
    pos = np.flatnonzero(arr[:-3] == 0x3C)
    closing = arr[pos + 1] == 0x2F  # '/'
    tags = len(pos) - int(np.count_nonzero(closing))
    if tags <= MAX_DEPTH:
        return tags
    return _depth_in_arrays(arr, pos, closing)


def _depth_in_arrays(arr: np.ndarray, pos: np.ndarray, closing: np.ndarray) -> int:
    """The full count of :func:`nesting_depth_bound` in array operations (pure Python) over the
    page's bytes, its ``<`` (but in the last three bytes) and which of them are end tags."""
    nxt = arr[pos + 1]
    keys = _name_keys(arr, pos + 1 + closing)
    letter = _IS_LETTER[nxt | 0x20]
    opening = letter & ~closing & ~np.isin(keys, _NOT_NESTING_KEYS) & ~_self_closed_in_foreign(arr, pos, closing, keys)
    steps = opening.astype(np.int32) - closing.astype(np.int32)
    depth = np.cumsum(steps)
    return int(depth.max(initial=0))


@cython.locals(buf="const unsigned char *", n=cython.Py_ssize_t, tags=cython.Py_ssize_t)
def _bound_in_c(data: bytes) -> int:
    """:func:`nesting_depth_bound` in the compiled build: the counts of :func:`_bound_in_arrays` in
    C loops over the bytes (no arrays of the page's size), then :func:`_depth_in_one_pass`."""
    buf, n = data, len(data)
    tags = _count_tags(buf, 0, n, False)
    if tags <= MAX_DEPTH:
        return tags
    tags = _count_tags(buf, 0, n - 3, True)  # as the arrays: a '<' in the last three bytes is no tag
    if tags <= MAX_DEPTH:
        return tags
    return _depth_in_one_pass(data)


@cython.cfunc
@cython.locals(buf="const unsigned char *", start=cython.Py_ssize_t, end=cython.Py_ssize_t, but_closing=cython.bint,
               tags=cython.Py_ssize_t, stop=cython.Py_ssize_t, some=cython.uchar)
def _count_tags(buf, start, end, but_closing) -> cython.Py_ssize_t:
    """How many ``<`` the bytes ``buf[start:end]`` hold (with ``but_closing``: not followed by
    ``/``, so ``buf[end]`` must be readable), counted 255 bytes at a time in a byte (the compiler
    vectorises that loop: 16 bytes a step)."""
    tags = 0
    while start < end:
        stop = min(start + 255, end)
        some = 0
        if but_closing:
            while start < stop:
                some += (buf[start] == 0x3C) & (buf[start + 1] != 0x2F)  # '<', not '</'
                start += 1
        else:
            while start < stop:
                some += buf[start] == 0x3C
                start += 1
        tags += some
    return tags


@cython.locals(buf="const unsigned char *", letters="const unsigned char *", names="const unsigned char *",
               n=cython.Py_ssize_t, limit=cython.Py_ssize_t, at=cython.Py_ssize_t, p=cython.Py_ssize_t,
               gt=cython.Py_ssize_t, t=cython.Py_ssize_t, i=cython.Py_ssize_t, depth=cython.long, best=cython.long,
               key=cython.uint, c=cython.uchar, named=cython.bint, closing=cython.bint, self_closed=cython.bint,
               point=cython.bint, last_foreign=cython.Py_ssize_t, last_left=cython.Py_ssize_t,
               last_point=cython.Py_ssize_t, last_point_end=cython.Py_ssize_t, not_nesting=cython.uint[:],
               foreign=cython.uint[:], breakout=cython.uint[:], integration=cython.uint[:], found="const void *")
def _depth_in_one_pass(data: bytes) -> int:
    """The full count of :func:`nesting_depth_bound` in one pass over the bytes (the compiled build):
    the same tags, names, foreign content and self-closing as :func:`_depth_in_arrays`."""
    buf, letters, names = data, _IS_LETTER_TABLE, _IS_NAME_TABLE
    not_nesting, foreign, breakout, integration = _NOT_NESTING_KEYS, _FOREIGN_KEYS, _BREAKOUT_KEYS, _INTEGRATION_KEYS
    n = len(data)
    limit = n - 3  # as the arrays: a '<' in the last three bytes is no tag
    depth = best = 0
    gt = -1  # the first '>' after the tag at hand (n: none)
    last_foreign = last_left = last_point = last_point_end = -1  # the latest tag of each kind, by number
    t = 0
    p = 0
    while p < limit:
        found = memchr(buf + p, 0x3C, limit - p)  # noqa: F821 (libc's, cimported in guard.pxd): the next '<'
        if found == cython.NULL:
            break
        p = cython.cast("const unsigned char *", found) - buf
        closing = buf[p + 1] == 0x2F  # '/'
        at = p + 1 + closing
        key = 0
        named = True
        for i in range(4):  # as _name_keys: bytes past the end read as 0, every byte lower-cased by | 0x20
            c = (buf[at + i] if at + i < n else 0) | 0x20
            named = named and (letters[c] if i == 0 else names[c])
            if not named:
                break
            key |= cython.cast(cython.uint, c) << (8 * (3 - i))
        if gt < p:
            found = memchr(buf + p + 1, 0x3E, n - p - 1)  # noqa: F821 (as above): the next '>'
            gt = n if found == cython.NULL else cython.cast("const unsigned char *", found) - buf
        self_closed = gt < n and buf[gt - 1] == 0x2F
        if _holds(foreign, key):
            if closing:
                last_left = t
            else:
                last_foreign = t
        elif _holds(breakout, key):
            last_left = t
        point = _holds(integration, key)
        if point and closing:
            last_point_end = t
        elif point and not self_closed:
            last_point = t
        if closing:
            depth -= 1
        elif letters[buf[p + 1] | 0x20] and not _holds(not_nesting, key) and not (
                self_closed and last_foreign > last_left and last_point <= last_point_end):
            depth += 1
            best = max(best, depth)
        t += 1
        p += 1
    return best


@cython.cfunc
@cython.inline
@cython.locals(low=cython.Py_ssize_t, high=cython.Py_ssize_t, middle=cython.Py_ssize_t)
def _holds(keys: cython.uint[:], key: cython.uint) -> cython.bint:
    """Whether ``key`` is one of the sorted ``keys``."""
    low, high = 0, keys.shape[0]
    while low < high:
        middle = (low + high) // 2
        if keys[middle] < key:
            low = middle + 1
        elif keys[middle] > key:
            high = middle
        else:
            return True
    return False


def _name_keys(arr: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The first four characters of the tag name starting at each of ``at`` (lower case, as a
    big-endian uint32; characters past the name's end are 0)."""
    padded = np.concatenate([arr, np.zeros(4, dtype=np.uint8)]) | 0x20
    keys = np.zeros(len(at), dtype=np.uint32)
    inside = _IS_LETTER[padded[at]]
    for i in range(4):
        if i:
            inside &= _IS_NAME[padded[at + i]]
        keys |= np.where(inside, padded[at + i], 0).astype(np.uint32) << (8 * (3 - i))
    return keys


def _self_closed_in_foreign(arr: np.ndarray, pos: np.ndarray, closing: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Which tags (at ``pos``, the page's ``<``) end in ``/>`` inside ``<svg>`` or ``<math>``: there
    (foreign content) the parser closes them at once (an icon's thousands of ``<path/>`` nest nothing;
    in HTML proper ``<div/>`` still opens a ``div``, so it counts there). Foreign content ends, for
    this estimate, at the first ``svg``/``math`` end tag or HTML tag breaking out of it after the last
    opening, and pauses inside an integration point (``<foreignObject>``, ``<title>``, ``<mi>``, ...),
    whose children are HTML: it never lasts longer than the parser's."""
    gt = np.flatnonzero(arr == 0x3E)  # '>'
    if not len(gt):
        return np.zeros(len(pos), dtype=bool)
    end = np.searchsorted(gt, pos)  # the '>' ending each tag
    ends = gt[np.minimum(end, len(gt) - 1)]
    self_closed = (end < len(gt)) & (arr[np.maximum(ends - 1, 0)] == 0x2F)  # '/>'
    if not self_closed.any():
        return self_closed
    index = np.arange(len(pos))

    def after_last(opened: np.ndarray, left: np.ndarray) -> np.ndarray:  # inside: opened since last left
        return np.maximum.accumulate(np.where(opened, index, -1)) > np.maximum.accumulate(np.where(left, index, -1))

    foreign = np.isin(keys, _FOREIGN_KEYS)
    inside = after_last(foreign & ~closing, (foreign & closing) | np.isin(keys, _BREAKOUT_KEYS))
    point = np.isin(keys, _INTEGRATION_KEYS)
    return self_closed & inside & ~after_last(point & ~closing & ~self_closed, point & closing)


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
