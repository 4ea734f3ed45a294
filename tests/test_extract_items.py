"""Lists whose items are the content: the link-heavy containers and all-link lines the rules' pruning
drops, grouped as siblings, and given back in place where the items model says so."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest

from omniweave import extract_html
from omniweave.document import TextNode
from omniweave.extract import items, learned

URL = "http://example.com/recipes"
_SENTENCE = "A sentence of article text, with a comma, long enough to count as prose here. "
_CARDS = "".join(
    f"<div class='card'><h3><a href='/r/{i}'>Slow-cooked bean stew number {i}</a></h3>"
    f"<p><a href='/r/{i}'>A warming winter dish with beans</a> and bread.</p></div>" for i in range(8)
)
_MENU = "".join(f"<div class='pill'><a href='/{w}'>{w}</a></div>" for w in ("Home", "About", "Shop"))
LISTING = (f"<html><body><main>{_MENU}<h1>Winter recipes</h1>{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(3))}"
           f"<section class='grid'>{_CARDS}</section></main></body></html>")


@pytest.fixture
def restore_items_model():
    yield
    items.ITEMS_MODEL.reset()


def _model(threshold: float) -> learned.LinearModel:
    """Scores every group 1: gives all back under a threshold of 1 or less, none above."""
    n = len(items.ITEMS_FEATURES)
    weights = np.zeros(n)
    weights[items.ITEMS_FEATURES.index("bias")] = 1.0
    return learned.LinearModel(np.zeros(n), np.ones(n), weights, threshold)


def _groups(page: str) -> list[tuple[list[str], np.ndarray]]:
    """Each dropped group's text blocks and feature row, as the recorder sees them."""
    seen = []
    items.set_recorder(lambda blocks, kept, groups, x: seen.append((blocks, groups, x)))
    try:
        extract_html(page, url=URL)
    finally:
        items.set_recorder(None)
    blocks, groups, x = seen[-1]
    texts = [[n.text for s, e in g for n in blocks.nodes[s:e] if type(n) is TextNode] for g in groups]
    return list(zip(texts, x))


def test_the_rules_drop_the_cards_and_the_model_gives_them_back_in_place(restore_items_model):
    items.set_items_model(None)
    assert "bean stew" not in extract_html(LISTING, url=URL).text
    items.set_items_model(_model(threshold=2.0))  # scores under the threshold: nothing comes back
    assert "bean stew" not in extract_html(LISTING, url=URL).text
    items.set_items_model(_model(threshold=0.0))
    text = extract_html(LISTING, url=URL).text
    assert text.count("Slow-cooked bean stew") == 8 and text.count("A warming winter dish") == 8
    assert text.index("A sentence of article") < text.index("stew number 0") < text.index("stew number 7")


def test_cards_of_one_parent_make_one_group():
    groups = _groups(LISTING)
    assert [t for t, _ in groups] == [
        ["Home", "About", "Shop"],
        [line for i in range(8) for line in (f"Slow-cooked bean stew number {i}", "A warming winter dish with beans and bread.")],
    ]
    cards = groups[1][1]
    assert len(cards) == len(items.ITEMS_FEATURES)
    assert cards[items.ITEMS_FEATURES.index("log_members")] == pytest.approx(math.log(8))
    title, blurb, linked_blurb = "Slow-cooked bean stew number 0", "A warming winter dish with beans and bread.", "A warming winter dish with beans"
    share = (len(title) + len(linked_blurb)) / (len(title) + len(blurb))
    assert cards[items.ITEMS_FEATURES.index("link_share")] == pytest.approx(share)
    share_of_text = cards[items.ITEMS_FEATURES.index("share")]
    assert cards[items.ITEMS_FEATURES.index("members_by_share")] == pytest.approx(math.log(8) * share_of_text)


def test_a_list_inside_a_dropped_container_is_part_of_it():
    """Nested link-heavy containers are one member (the outermost): a card holding a list of links."""
    cards = "".join(f"<div class='box'><h3><a href='/c/{i}'>Category {i}</a></h3><ul><li><a href='/c/{i}/a'>First"
                    f" item of {i}</a></li><li><a href='/c/{i}/b'>Second item of {i}</a></li></ul></div>" for i in range(4))
    page = f"<html><body><main><h1>Shop</h1>{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(4))}{cards}</main></body></html>"
    (texts, row), = _groups(page)
    assert texts == [t for i in range(4) for t in (f"Category {i}", f"First item of {i}", f"Second item of {i}")]
    assert row[items.ITEMS_FEATURES.index("log_members")] == pytest.approx(math.log(4))
    assert row[items.ITEMS_FEATURES.index("cjk_share")] == 0.0


def test_cards_of_one_grid_are_one_group_whatever_their_shape():
    """A card with a badge (one more text block) or a picture is still a member of its grid."""
    cards = "".join(f"<div class='card'>{'<span>New</span>' if i % 3 == 0 else ''}"
                    f"{'<img src=/p.png>' if i % 2 else ''}<h3><a href='/p/{i}'>Standing desk model {i}</a></h3>"
                    f"<p><a href='/p/{i}'>Solid oak top, two motors</a></p></div>" for i in range(6))
    page = (f"<html><body><main><h1>Desks</h1>{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(3))}"
            f"<div class='grid'>{cards}</div></main></body></html>")
    (texts, row), = _groups(page)
    assert [t for t in texts if t.startswith("Standing desk")] == [f"Standing desk model {i}" for i in range(6)]
    assert row[items.ITEMS_FEATURES.index("log_members")] == pytest.approx(math.log(6))


def test_a_run_of_all_link_lines_is_one_group_beside_the_link_heavy_containers():
    """Short all-link lines outside any link-heavy container (a column of job titles in the page's
    content) are members too, grouped by the container holding them, apart from a menu elsewhere."""
    jobs = "".join(f"<p><a href='/jobs/{i}'>Senior engineer, team {i}</a></p>" for i in range(5))
    page = (f"<html><body><main><h1>Jobs</h1>{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(3))}"
            f"<div class='jobs'><p>{_SENTENCE}</p>{jobs}</div>{_MENU}</main></body></html>")
    groups = _groups(page)
    assert [t for t, _ in groups] == [[f"Senior engineer, team {i}" for i in range(5)], ["Home", "About", "Shop"]]
    assert groups[0][1][items.ITEMS_FEATURES.index("log_members")] == pytest.approx(math.log(5))


def test_a_lone_all_link_line_is_no_list():
    """A pager line alone in its container ("Older posts »") is not offered back as items."""
    page = (f"<html><body><main><h1>News</h1>{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(3))}"
            f"<div><p>Some words of text here.</p><p><a href='/3'>Older posts »</a></p></div>{_MENU}"
            "</main></body></html>")
    assert [t for t, _ in _groups(page)] == [["Home", "About", "Shop"]]


def test_the_shipped_items_model_loads_and_leaves_an_articles_related_links_out(restore_items_model):
    assert items.shipped_items_model() is not None
    related = "".join(f"<li><a href='/s/{i}'>Another story about beans, part {i}</a></li>" for i in range(6))
    article = (f"<html><body><article><h1>Beans</h1>{''.join(f'<p>{_SENTENCE * 3}</p>' for _ in range(6))}"
               f"<h3>Related</h3><ul class='related'>{related}</ul></article></body></html>")
    text = extract_html(article, url=URL).text
    assert "A sentence of article text" in text and "Another story about beans" not in text


def test_a_news_section_gets_its_stories_back_from_the_shipped_model(shared_data: Path, restore_items_model):
    """WCXB's BBC technology section: the rules drop its columns of linked stories as link lists;
    the shipped model gives them back, and with them most of the page's main text."""
    root = shared_data / "html" / "wcxb-dev"
    truth = json.loads((root / "ground-truth" / "2962.json").read_text(encoding="utf-8"))
    html = gzip.decompress((root / "html" / "2962.html.gz").read_bytes())
    stories = ("AI-generated Iran war videos surge as creators use new tech to cash in",
               "Do you have to be polite to AI?", "The tactile tech giving deaf runners a fair start")
    assert all(s in truth["ground_truth"]["main_content"] for s in stories)
    items.set_items_model(None)
    rules = extract_html(html, url=truth["url"]).text
    assert not any(s in rules for s in stories)
    items.ITEMS_MODEL.reset()
    text = extract_html(html, url=truth["url"]).text
    assert all(s in text for s in stories)
    assert len(text) > 4 * len(rules)


def test_a_cjk_page_keeps_the_rules_choice(restore_items_model):
    """Where the page's first text is mostly CJK characters no list is given back (nor recorded)."""
    sentence = "这是一篇关于冬季食谱的文章，内容很长，足以算作正文。" * 3
    cards = "".join(f"<div class='card'><h3><a href='/r/{i}'>慢炖豆子汤第{i}号</a></h3>"
                    f"<p><a href='/r/{i}'>一道温暖的冬季豆子菜肴</a>配面包。</p></div>" for i in range(8))
    page = (f"<html><body><main><h1>冬季食谱</h1>{''.join(f'<p>{sentence}</p>' for _ in range(3))}"
            f"<section class='grid'>{cards}</section></main></body></html>")
    items.set_items_model(_model(threshold=0.0))  # would give every group back
    assert "慢炖豆子汤" not in extract_html(page, url=URL).text
    seen = []
    items.set_recorder(lambda *args: seen.append(args))
    try:
        extract_html(page, url=URL)
    finally:
        items.set_recorder(None)
    assert seen == []
