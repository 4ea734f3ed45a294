"""Decode HTML bytes to text: BOM, HTTP charset, ``<meta charset>``, UTF-8, then detection.

Each declared charset is tried strictly and skipped when the bytes do not decode under it (sites
often declare the wrong one). Undeclared bytes that are valid UTF-8 are UTF-8 (legacy text with
bytes above 127 is almost never valid UTF-8, while detection misreads short UTF-8 pages as cp1252
or cp1250); detection (uchardet through resiliparse) comes last. Legacy labels are
widened to the codec browsers actually use (GB2312 -> GB18030, Shift_JIS -> CP932, ...).
:func:`decode_unless_utf8` leaves plain UTF-8 bytes undecoded, checking them in one C loop in the
compiled build: the parser takes them as they are.
"""

from __future__ import annotations

import codecs
import re

import cython
from resiliparse.parse.encoding import detect_encoding

# label (lower case, as normalised by codecs.lookup().name or given) -> Python codec browsers match
_WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "euc_kr": "cp949",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "big5": "big5hkscs",
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso-8859-1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "windows-874": "cp874",
    "tis-620": "cp874",
}

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
META_SCAN_BYTES = 4096


def normalize_charset(label: str | None) -> str | None:
    """Python codec name for a charset label, widened as browsers do; None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WIDER:
        return _WIDER[label]
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WIDER.get(name, name)


def meta_charset(data: bytes) -> str | None:
    """Charset declared in a ``<meta>`` tag within the first bytes of the page."""
    match = _META_CHARSET.search(data[:META_SCAN_BYTES])
    return match.group(1).decode("ascii", "ignore") if match else None


def decode_html(data: bytes, http_charset: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns ``(text, codec_used)``. Never raises on bad bytes."""
    text, codec = decode_unless_utf8(data, http_charset)
    return (data.decode("utf-8") if text is None else text), codec


def decode_unless_utf8(data: bytes, http_charset: str | None = None) -> tuple[str | None, str]:
    """:func:`decode_html`, but with ``None`` for the text of bytes decoded as UTF-8 that are valid
    and hold no U+FFFD (EF BF BD): those are checked, not decoded."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), codec
    candidates: list[str] = []
    for label in (http_charset, meta_charset(data)):
        codec = normalize_charset(label)
        if codec and codec not in candidates:
            candidates.append(codec)
    for codec in candidates:
        try:
            return _decode_strictly(data, codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    if "utf-8" not in candidates:
        try:
            return _decode_strictly(data, "utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    detected = normalize_charset(detect_encoding(data)) or "utf-8"
    if detected not in candidates and detected != "utf-8":
        try:
            return data.decode(detected), detected
        except (UnicodeDecodeError, LookupError):
            pass
    codec = candidates[0] if candidates else detected
    return data.decode(codec, errors="replace"), codec


def _decode_strictly(data: bytes, codec: str) -> str | None:
    """``data.decode(codec)`` (raising as it does), or None for plain UTF-8 (:func:`plain_utf8`)."""
    if codec == "utf-8" and plain_utf8(data):
        return None
    return data.decode(codec)


def plain_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8 (as Python's strict decoder has it) without U+FFFD."""
    return _plain_utf8_in_c(data) if cython.compiled else _plain_utf8_in_python(data)


def _plain_utf8_in_python(data: bytes) -> bool:
    """:func:`plain_utf8` (pure Python)."""
    if b"\xef\xbf\xbd" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _plain_utf8_in_c(data: bytes) -> bool:
    """:func:`plain_utf8` in the compiled build (:func:`utf8_chars`)."""
    return utf8_chars(data, len(data), True) >= 0


def utf8_chars(data, length, refuse_replacement) -> cython.Py_ssize_t:
    """The characters of the ``length`` bytes at ``data`` (C only: the compiled build's one UTF-8
    reader, which dom_table cimports), or -1 where they are not well-formed UTF-8 as the Unicode
    standard's table 3-7 has it (no overlong forms, surrogates or code points over U+10FFFF: what
    Python's strict decoder refuses) or, with ``refuse_replacement``, hold U+FFFD (EF BF BD; a byte
    search for it alone takes longer than this loop). ASCII goes 8 bytes a step."""
    i = count = word = 0
    while i < length:
        if i + 8 <= length:
            memcpy(cython.address(word), data + i, 8)  # noqa: F821 (libc's, cimported in decode.pxd)
            if not word & cython.cast(cython.ulonglong, 0x8080808080808080):
                i += 8
                count += 8
                continue
        c = data[i]
        count += 1
        if c < 0x80:
            i += 1
            continue
        low, high = 0x80, 0xBF  # the range of the byte after the first
        if 0xC2 <= c <= 0xDF:
            more = 1
        elif 0xE0 <= c <= 0xEF:
            more = 2
            if c == 0xE0:
                low = 0xA0
            elif c == 0xED:
                high = 0x9F
        elif 0xF0 <= c <= 0xF4:
            more = 3
            if c == 0xF0:
                low = 0x90
            elif c == 0xF4:
                high = 0x8F
        else:
            return -1
        if i + more >= length or not low <= data[i + 1] <= high:
            return -1
        for k in range(2, more + 1):
            if not 0x80 <= data[i + k] <= 0xBF:
                return -1
        if refuse_replacement and c == 0xEF and data[i + 1] == 0xBF and data[i + 2] == 0xBD:
            return -1
        i += more + 1
    return count
