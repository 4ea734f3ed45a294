"""Decode HTML bytes to text: BOM, HTTP charset, ``<meta charset>``, UTF-8, then detection.

Each declared charset is tried strictly and skipped when the bytes do not decode under it (sites
often declare the wrong one). Undeclared bytes that are valid UTF-8 are UTF-8 (legacy text with
bytes above 127 is almost never valid UTF-8, while detection misreads short UTF-8 pages as cp1252
or cp1250); detection (uchardet through resiliparse) comes last. Legacy labels are
widened to the codec browsers actually use (GB2312 -> GB18030, Shift_JIS -> CP932, ...).
"""

from __future__ import annotations

import codecs
import re

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
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            continue
    if "utf-8" not in candidates:
        try:
            return data.decode("utf-8"), "utf-8"
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
