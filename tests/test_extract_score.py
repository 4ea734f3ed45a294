"""Content root choice (omniweave.extract.score) on real pages from ../shared/data/html."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from omniweave import extract_html
from omniweave.extract import dom_table
from omniweave.extract.score import LinkText, in_footer


def _wcxb(shared_data: Path, name: str) -> tuple[str, str]:
    """A WCXB page's extracted text and its ground-truth main text."""
    root = shared_data / "html" / "wcxb-dev"
    truth = json.loads((root / "ground-truth" / f"{name}.json").read_text(encoding="utf-8"))
    html = gzip.decompress((root / "html" / f"{name}.html.gz").read_bytes())
    return extract_html(html, url=truth["url"]).text, truth["ground_truth"]["main_content"]


def test_a_legal_notice_in_the_page_footer_is_never_the_main_content(shared_data):
    # an insurance page whose disclosures (in <footer>) outscore its body of short blocks: the
    # disclosures alone were the output; the body's sections are now kept
    text, truth = _wcxb(shared_data, "4911")
    for line in ("Help protect your pet and your budget from unexpected vet bills",
                 "Pet insurance makes veterinary care more affordable", "What's covered?"):
        assert line in truth and line in text


def test_in_footer_knows_the_footer_landmarks_and_nothing_else():
    tree = LexborHTMLParser(
        '<body><article><p id="a">Text</p><footer><p id="b">Author</p></footer></article>'
        '<div role="contentinfo"><p id="c">Legal</p></div><footer id="d"></footer></body>'
    )
    found = {key: in_footer(tree.css_first(f"#{key}")) for key in "abcd"}
    assert found == {"a": False, "b": True, "c": True, "d": True}


def test_link_density_counts_the_links_under_a_node_and_the_node_itself():
    html = ('<div id=d>some text <a href=/a>ten chars.</a><p>more <a href=/b>linked <a href=/c>x</a></a></p></div>'
            '<a id=w href=/w><span>all of it linked</span></a>')
    for native in (True, False):
        previous = dom_table.use_native(native)
        try:
            tree = LexborHTMLParser(html)
            div, wrapper = tree.css_first("#d"), tree.css_first("#w")
            links = LinkText()
            expected = sum(len(a.text().strip()) for a in div.css("a")) / len(div.text().strip())
            assert links.density(div) == expected
            assert links.text(div) == div.text()
            assert links.density(wrapper) == 1.0  # a query for links matches the node it starts from
        finally:
            dom_table.use_native(previous)
