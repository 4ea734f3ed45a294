"""The element reads of :mod:`omniweave.extract.dom_table`: walked in C (the compiled build) they give
what selectolax's API gives, on real pages; and the scan built on them is the same either way."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, LexborNode

from omniweave.extract import dom_table
from omniweave.extract.dom_table import (
    CONTAINS_FOLDED,
    EQUALS,
    PRESENT,
    READ,
    LabelWords,
    attribute_query,
    holds_own_text,
    named_flags,
    named_nodes_among,
    tagged,
    tagged_and_attributed,
    text_length,
    texted,
)
from omniweave.extract import clean, score
from omniweave.extract.scan import _TAG_OF_ID, ATTRIBUTE_TESTS, scan
from omniweave.extract.tag_ids import id_of_tag

SUITES = ("readability-test-pages", "chinese-web-content-extraction", "trafilatura-eval-subset", "wcxb-dev-subset")
PER_SUITE = 40
_P, _DIV, _SECTION = id_of_tag("p"), id_of_tag("div"), id_of_tag("section")


def _pages(shared_data: Path) -> Iterator[bytes]:
    for suite in SUITES:
        for path in sorted((shared_data / "html" / suite).rglob("*.htm*"))[:PER_SUITE]:
            yield path.read_bytes()


def _keys(nodes: list[LexborNode]) -> list[int]:
    return [node.mem_id for node in nodes]


def _reads(root: LexborNode) -> tuple:
    """Everything the module reads of ``root``'s subtree, with nodes as their ``mem_id``."""
    tagged, attributed = tagged_and_attributed(root, _TAG_OF_ID, ATTRIBUTE_TESTS)
    divs = {node.mem_id for node in root.css("div")}
    return _keys(tagged), [(node.mem_id, attrs) for node, attrs in attributed], _keys(named_nodes_among(root, divs))


def _with(native: bool, read, *args):
    previous = dom_table.use_native(native)
    try:
        return read(*args)
    finally:
        dom_table.use_native(previous)


@pytest.mark.skipif(os.environ.get("OMNIWEAVE_REQUIRE_COMPILED") != "1",
                    reason="the compiled build is required where OMNIWEAVE_REQUIRE_COMPILED=1 (CI)")
def test_the_compiled_build_walks_in_c():
    assert dom_table.native()


def test_walks_in_c_read_real_pages_as_the_api_does(shared_data):
    if not dom_table.native():
        pytest.skip("pure Python install: the API is the only path")
    pages = 0
    for html in _pages(shared_data):
        tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
        for root in filter(None, (tree.root, tree.body, tree.css_first("div"))):
            native, api = _with(True, _reads, root), _with(False, _reads, root)
            assert native == api
        pages += 1
    assert pages >= 100


def test_label_flags_in_c_are_the_api_s_on_real_pages(shared_data):
    if not dom_table.native():
        pytest.skip("pure Python install: the API is the only path")
    flagged = 0
    for html in _pages(shared_data):
        tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
        for root in filter(None, (tree.root, tree.css_first("div"))):
            native, api = (_with(on, named_flags, root, clean._LABEL_WORDS) for on in (True, False))
            assert (native.keys, native.flags, native.labels) == (api.keys, api.flags, api.labels)
            every_third = range(0, len(native.keys), 3)
            assert _keys(native.nodes(every_third)) == _keys(api.nodes(every_third)) == [native.keys[i] for i in every_third]
            flagged += len(native.keys)
    assert flagged > 1000


def test_label_flags_join_words_and_phrases_of_class_and_id():
    words = LabelWords({b"nav": 1, b"ad": 2 | READ, b"post": 4}, {b"sr-only": 8, b"read-more": 16})
    root = LexborHTMLParser(
        '<div class="Main-NAV x" id="navigation"></div><p class="postSR-Only"></p><i class="no-ad" id="post"></i>'
        '<b class="navé"></b><u id="reAD-MOREs"></u><s class="sr"></s><em class="-read-mor e"></em>').root
    for native in (True, False):
        found = _with(native, named_flags, root, words)
        assert found.flags == [1, 8, 2 | 4 | READ, READ, 16]
        assert found.labels == [None, None, "no-ad post", "navé ", None]
        assert [node.tag for node in found.nodes(range(5))] == ["div", "p", "i", "b", "u"]


_QUERIES = ("img", "a", "p", "header, footer", "img, p", "p, li, h2, h3, h4, h5, h6")


def test_tagged_gives_the_query_of_the_tag_names_and_text_length_the_text_s_length(shared_data):
    """Either way, on real pages (and the C walk's reads: svg and template contents, non-ASCII text)."""
    extra = '<svg><a href="/x"><text>é ü</text></a><p>in svg</p></svg><template><p>in a template</p></template>'
    for html in [*_pages(shared_data), extra.encode()]:
        tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
        roots = [root for root in (tree.root, tree.body, tree.css_first("div"), tree.css_first("p")) if root]
        for root in roots:
            for query in _QUERIES:
                tag_ids = frozenset(node.tag_id for node in LexborHTMLParser(f"<{query.replace(', ', '><')}>").body.traverse()
                                    if node.tag != "body")
                expected = _keys(root.css(query))
                for native in (True, False):
                    assert _keys(_with(native, tagged, root, tag_ids)) == expected
                    assert _keys(_with(native, tagged, root, tag_ids, 1)) == expected[:1]
        for node in tree.root.traverse(include_text=True):
            assert _with(True, text_length, node) == _with(False, text_length, node) == len(node.text())
            assert _with(True, holds_own_text, node) == bool(node.text(deep=False).strip())


def test_text_length_counts_characters_of_valid_utf8_and_reads_the_rest_as_the_api_does():
    html = "<p>añ€😀 x</p><div>\ud800-\x00 <b>\u3000</b></div>".encode("utf-8", "surrogatepass") + b"<i>\xed\xa0\x80 \xff</i>"
    tree = LexborHTMLParser(html)
    for node in tree.root.traverse(include_text=True):
        assert _with(True, text_length, node) == len(node.text())


def test_own_text_is_what_the_api_strips_to_on_real_pages_and_unicode_white_space():
    html = ("<p> \t\n<b>bold</b> </p><p>\x1c\x1f <i>x</i></p><p>\xa0<i>x</i>\u3000</p><p>\u2003.</p><p>é</p>"
            "<p> <!-- note --> </p><p>a</p>")
    tree = LexborHTMLParser(html)
    for native in (True, False):
        assert [_with(native, holds_own_text, p) for p in tree.css("p")] == [False, False, False, True, True, False, True]


def test_scan_is_the_same_either_way(shared_data):
    if not dom_table.native():
        pytest.skip("pure Python install: the API is the only path")
    for html in _pages(shared_data):
        tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
        native, api = _with(True, scan, tree), _with(False, scan, tree)
        for name in ("head", "segments", "textareas", "junk", "noscripts", "maths", "chrome", "comments"):
            assert _keys(getattr(native, name)) == _keys(getattr(api, name)), name
        assert [(n.mem_id, a) for n, a in native.hidden] == [(n.mem_id, a) for n, a in api.hidden]
        assert (native.json_ld, native.forum, native.product_item) == (api.json_ld, api.forum, api.product_item)


def test_attribute_tests_read_as_css():
    assert attribute_query(ATTRIBUTE_TESTS) == (
        "[hidden], [style*=display i], [style*=visibility i], [aria-hidden=true], [role], [itemprop=comment], "
        "[itemtype]")


def test_attribute_tests_match_as_lexbor_does():
    """Values compare case-sensitively unless folded; a value too short, missing or in a template
    never matches; names are lower-cased by the parser."""
    html = ('<div id=a aria-hidden=TRUE></div><div id=b aria-hidden=true></div><p id=c STYLE="DISPLAY:none"></p>'
            '<p id=d style></p><p id=e style="x"></p><svg><g id=f ROLE=x></g></svg><template><p id=g hidden></p>'
            '</template><p id=h style="a:1;visibility:hidden"></p>')
    root = LexborHTMLParser(html).root
    tests = [("aria-hidden", EQUALS, "true"), ("style", CONTAINS_FOLDED, "display"), ("role", PRESENT, ""),
             ("hidden", PRESENT, ""), ("style", CONTAINS_FOLDED, "visibility")]
    for native in (True, False):
        _, attributed = _with(native, tagged_and_attributed, root, (), tests)
        assert [node.id for node, _ in attributed] == ["b", "c", "f", "h"]
        assert [node.id for node in root.css(attribute_query(tests))] == ["b", "c", "f", "h"]


def test_labels_join_class_and_id():
    root = LexborHTMLParser('<div class="x y" id="z"></div><p id=q></p><i class id=x></i><b class=q id></b><u></u>').root
    words = LabelWords({b"x": READ, b"q": READ}, {})
    for native in (True, False):
        assert _with(native, named_flags, root, words).labels == ["x y z", " q", " x", "q "]


def test_texted_in_c_gives_the_api_elements_and_only_short_extras(shared_data):
    """The C walk counts text bytes: it gives every element the API gives, in the same order, and
    any more it gives have text shorter (in characters: invalid bytes each read as one U+FFFD) than
    asked; paragraph scoring, which skips those, is the same either way."""
    if not dom_table.native():
        pytest.skip("pure Python install: the API is the only path")
    extras = 0
    for html in _pages(shared_data):
        tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
        body = tree.body
        if body is None:
            continue
        args = (body, score._DEEP_TEXT_IDS, score._DIRECT_TEXT_IDS, score.MIN_PARAGRAPH, 2 * score.MIN_PARAGRAPH)
        native, api = _with(True, texted, *args), _with(False, texted, *args)
        api_keys = set(_keys(api))
        assert [key for key in _keys(native) if key in api_keys] == _keys(api)
        for node in native:
            if node.mem_id not in api_keys:
                extras += 1
                deep = node.tag_id in score._DEEP_TEXT_IDS
                assert len(node.text(deep=deep)) < (score.MIN_PARAGRAPH if deep else 2 * score.MIN_PARAGRAPH)
        scored = [_with(native, score.score_page, body, {}) for native in (True, False)]
        assert scored[0].scores == scored[1].scores and scored[0].ranked == scored[1].ranked
        assert (scored[0].top is None) == (scored[1].top is None)
        assert scored[0].top is None or scored[0].top.mem_id == scored[1].top.mem_id


def test_texted_counts_own_or_all_text():
    root = LexborHTMLParser("<div>own text<p>a paragraph here</p></div><p>x<i>yz</i></p><section>ab</section>").body
    for native in (True, False):
        assert [n.tag for n in _with(native, texted, root, {_P}, {_DIV, _SECTION}, 3, 8)] == ["div", "p", "p"]
        assert [n.tag for n in _with(native, texted, root, {_P}, {_DIV, _SECTION}, 4, 9)] == ["p"]
        assert [n.tag for n in _with(native, texted, root, {_P, _DIV}, {_SECTION}, 2, 2)] == ["div", "p", "p", "section"]
