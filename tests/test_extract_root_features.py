"""The content-root model's figures of repeated children: a listing's linked cards against a story's paragraphs."""

from __future__ import annotations

import math

import pytest
from selectolax.lexbor import LexborHTMLParser

from omniweave.extract import learned

COLUMNS = ("log_children", "log_repeats", "repeat_share", "repeat_linked", "log_repeat_chars", "repeat_text_share")


def _figures(html: str) -> dict[str, float]:
    node = LexborHTMLParser(html).css_first("#root")
    return dict(zip(COLUMNS, learned._repeats(node, len(node.text()))))


def test_linked_cards_are_repeated_children_holding_links():
    cards = "".join(f"<li class='card x'><a href='/p/{i}'>Card {i}</a> blurb</li>" for i in range(4))
    figures = _figures(f"<ul id='root'><li class='head'>Top</li>{cards}</ul>")
    assert figures["log_children"] == pytest.approx(math.log1p(5))
    assert figures["log_repeats"] == pytest.approx(math.log1p(4))
    assert figures["repeat_share"] == pytest.approx(0.8)
    assert figures["repeat_linked"] == 1.0
    assert figures["log_repeat_chars"] == pytest.approx(math.log1p(len("Card 0 blurb")))
    assert figures["repeat_text_share"] == pytest.approx(4 * len("Card 0 blurb") / len("Top" + "Card 0 blurb" * 4))


def test_fewer_than_three_alike_children_have_no_item_figures():
    figures = _figures("<div id='root'><p>One paragraph.</p><p>Two <a href='/x'>paragraphs</a>.</p><h2>T</h2></div>")
    assert figures["log_repeats"] == pytest.approx(math.log1p(2))
    assert (figures["repeat_linked"], figures["log_repeat_chars"], figures["repeat_text_share"]) == (0.0, 0.0, 0.0)
    assert learned.FEATURES[learned.FEATURES.index("log_children"):][:3] == COLUMNS[:3]
