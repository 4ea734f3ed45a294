"""Page decoding: HTTP charset, <meta charset>, then detection; legacy CJK encodings readable."""

from __future__ import annotations

import html
import re

from omniweave.io.decode import decode_html, decode_unless_utf8, normalize_charset, plain_utf8

_WS = re.compile(r"\s+")


def _squash(text: str) -> str:
    """Text without markup and white space, for substring checks."""
    return _WS.sub("", html.unescape(re.sub(r"<[^>]*>", "", text)))


def test_chinese_gb_pages_decode_to_their_hand_made_text(shared_data):
    folder = shared_data / "html" / "chinese-web-content-extraction"
    pages = sorted((folder / "original").glob("*.html"))
    assert len(pages) >= 30
    found = 0
    for page in pages:
        text, codec = decode_html(page.read_bytes())
        lines = [ln.strip() for ln in (folder / "cleaned" / f"{page.stem}.txt").read_text("utf-8").splitlines()]
        probe = next((ln for ln in lines if len(ln) >= 8), None)
        # a few pages hold half characters cut by their own CMS: allow those, nothing more
        assert text.count("\ufffd") <= 12, f"{page.name} decoded with replacement characters ({codec})"
        if probe is None or _squash(probe[:20]) in _squash(text):
            found += 1
    assert found / len(pages) >= 0.95


def test_wrong_http_charset_falls_back_to_meta_then_detection():
    body = "<html><head><meta charset='gbk'></head><body>中文内容，测试一下解码是否正确。</body></html>".encode("gbk")
    text, codec = decode_html(body, http_charset="utf-8")  # the server lies
    assert codec == "gb18030" and "中文内容" in text
    undeclared = ("<html><body>" + "日本語のテキストです。文字コードの判定を確かめます。" * 20 + "</body></html>").encode("shift_jis")
    text, codec = decode_html(undeclared)
    assert "日本語のテキスト" in text and codec in ("cp932", "shift_jis", "shift_jis_2004")


def test_euc_jp_capture_from_clueweb_is_readable(warc_dir):
    from omniweave.readers import read_input
    from omniweave.io.inputs import expand_inputs
    from collections import Counter

    [inp] = expand_inputs([str(warc_dir / "resiliparse" / "clueweb-quirk.warc.gz")])
    docs = list(read_input(inp, Counter(), max_html_bytes=5_000_000))
    assert len(docs) == 29
    assert all(d.metadata["charset"] == "euc_jp" for d in docs)
    assert all("\ufffd" not in d.text for d in docs)
    assert any("ヘッドポーター" in (d.title or "") for d in docs)


def test_labels_widen_like_browsers():
    assert normalize_charset("GB2312") == "gb18030"
    assert normalize_charset("Shift_JIS") == "cp932"
    assert normalize_charset("ISO-8859-1") == "cp1252"
    assert normalize_charset("x-unknown-thing") is None


def test_undeclared_utf8_is_utf8_where_detection_guesses_a_legacy_codec(shared_data):
    """A Readability page declares no charset and uchardet calls its UTF-8 bytes cp1250 (mojibake)."""
    data = (shared_data / "html" / "readability-test-pages" / "ol" / "source.html").read_bytes()
    text, codec = decode_html(data)
    assert codec == "utf-8" and text == data.decode("utf-8")
    latin = "<html><body>" + "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, \u00e0 la fran\u00e7aise. " * 20 + "</body></html>"
    text, codec = decode_html(latin.encode("cp1252"))  # not valid UTF-8: detection still decides
    assert "cr\u00e8me br\u00fbl\u00e9e" in text


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_plain_utf8_is_what_the_strict_decoder_takes_without_replacement_characters(shared_data):
    """The check that spares decoding agrees with Python's decoder on real pages and on every
    malformed form (overlong, surrogate, over U+10FFFF, cut short), ASCII runs around them or not."""
    pages = sorted((shared_data / "html" / "chinese-web-content-extraction" / "original").glob("*.html"))
    pages += sorted((shared_data / "html" / "readability-test-pages").glob("*/source.html"))
    samples = [page.read_bytes() for page in pages]
    assert any(plain_utf8(data) for data in samples) and not all(plain_utf8(data) for data in samples)
    forms = [b"\xc0\xaf", b"\xc1\xbf", b"\xc2\xa9", b"\xe0\x9f\x80", b"\xe0\xa0\x80", b"\xed\x9f\xbf",
             b"\xed\xa0\x80", b"\xef\xbf\xbd", b"\xef\xbf\xbe", b"\xf0\x8f\xbf\xbf", b"\xf0\x90\x80\x80",
             b"\xf4\x8f\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xe2\x82", b"\x80", b"\xff"]
    samples += [before + form + after for form in forms for before in (b"", b"abcdefghi") for after in (b"", b"x" * 9)]
    for data in samples:
        assert plain_utf8(data) == (_decodes(data) and "\ufffd" not in data.decode("utf-8", "replace")), data[:40]
        text, codec = decode_unless_utf8(data)
        assert (text is None) == (codec == "utf-8" and plain_utf8(data))
        assert decode_html(data) == (data.decode("utf-8") if text is None else text, codec)
