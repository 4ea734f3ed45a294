"""The walk of :mod:`omniweave.extract.walk` reads the tree in C in the compiled build (node handles,
text read from lexbor's nodes): on real pages it gives the blocks the API reads give."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser

from omniweave.extract import dom_table
from omniweave.extract.walk import Blocks, walk

SUITES = ("readability-test-pages", "chinese-web-content-extraction", "trafilatura-eval-subset", "wcxb-dev-subset")
PER_SUITE = 40


def _pages(shared_data: Path) -> Iterator[bytes]:
    for suite in SUITES:
        for path in sorted((shared_data / "html" / suite).rglob("*.htm*"))[:PER_SUITE]:
            yield path.read_bytes()


def _seen(blocks: Blocks) -> tuple:
    """Everything a walk gives, link characters by node position."""
    return ([repr(node) for node in blocks.nodes], blocks.chars, blocks.link_lines, blocks.containers,
            [blocks.link_chars.get(id(node), 0) for node in blocks.nodes])


def _walked(native: bool, html: str | bytes, base_url: str | None = None) -> tuple:
    previous = dom_table.use_native(native)
    try:
        tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
        body = tree.body
        roots = [body] if body is not None else []
        return _seen(walk(roots, base_url)) + _seen(walk(body.css("article, main, td, ul") if body else [], base_url))
    finally:
        dom_table.use_native(previous)


def test_walk_reads_real_pages_as_the_api_does(shared_data):
    if not dom_table.native():
        pytest.skip("pure Python install: the API is the only path")
    pages = 0
    for html in _pages(shared_data):
        assert _walked(True, html, "https://example.org/a/") == _walked(False, html, "https://example.org/a/")
        pages += 1
    assert pages >= 100


@pytest.mark.parametrize("native", [True, False])
def test_walk_links_white_space_and_script_wrappers(native):
    html = ('<body><p>\xa0 <a href="/x">Read more</a></p><div>\n  \n</div>'
            '<a href="JavaScript:go()"><p>a paragraph made clickable</p></a>'
            '<a href="javascript:go()"><p>another one</p></a>'
            '<p>text <a xlink:href="javascript:x" href="/y">linked</a> é<br>next</p></body>')
    previous = dom_table.use_native(native)
    try:
        blocks = walk([LexborHTMLParser(html).body], None)
    finally:
        dom_table.use_native(previous)
    assert [node.text for node in blocks.nodes] == [
        "Read more", "a paragraph made clickable", "another one", "text linked é", "next"]
    # a "javascript:" href around paragraphs is no link (case as written: "JavaScript:" is one); the
    # href is the attribute of that name, not xlink:href
    assert [blocks.link_chars.get(id(node), 0) for node in blocks.nodes] == [9, 26, 0, 6, 0]
    assert blocks.link_lines == [0, 1]


def test_walk_collapses_white_space_as_split_and_join():
    rng = random.Random(7)
    alphabet = "ab. " * 3 + "\t\n\r\x0b\x0c\x1c\x1f\xa0\u2003é’"
    for _ in range(400):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        paragraph = LexborHTMLParser(f"<p>{text}</p>").css_first("p")
        expected = " ".join(paragraph.text().split())
        assert [node.text for node in walk([paragraph], None).nodes] == ([expected] if expected else [])
