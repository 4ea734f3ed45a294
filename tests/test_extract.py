"""Main-body extraction on real pages from ../shared/data/html and on small crafted cases."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from omniweave import extract_html
from omniweave.document import ImageNode, TextNode
from omniweave.extract import ExtractionRefused
from omniweave.extract.guard import MAX_CHARS
from omniweave.extract.images import srcset_candidates

FAKEHOST = "http://fakehost/test/page.html"


def _readability(shared_data: Path, name: str):
    page = shared_data / "html" / "readability-test-pages" / name
    return extract_html((page / "source.html").read_bytes(), url=FAKEHOST), (page / "expected.html").read_text()


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def test_real_article_keeps_images_in_place(shared_data):
    doc, expected = _readability(shared_data, "bug-1255978")
    expected_srcs = re.findall(r'<img src="([^"]+)"', expected)
    got = [n.url for n in doc.images]
    assert sum(src in got for src in expected_srcs) >= len(expected_srcs) - 1
    # the first picture sits after the paragraph that precedes it on the page
    first = next(i for i, n in enumerate(doc.nodes) if isinstance(n, ImageNode) and "bandb2" in n.url)
    assert isinstance(doc.nodes[first - 1], TextNode) and "receptionist" in doc.nodes[first - 1].text
    assert doc.nodes[first].alt == "bandb2.jpg" and doc.nodes[first].declared_width == 564
    # boilerplate of the page (share bar, navigation) is gone, the article text is there
    text = doc.text
    assert "Forrest Jones said that anything" in text
    assert "Sign in" not in text
    assert "Natalie Massenet" not in text  # a 50-slide business gallery ("3/50 ...") beside the article


def test_base_element_resolves_relative_images(shared_data):
    doc, expected = _readability(shared_data, "base-url-base-element-relative")
    assert [n.url for n in doc.images] == re.findall(r'<img src="([^"]+)"', expected)
    assert doc.images[0].url == "http://fakehost/test/base/foo/bar/baz.png"


def test_lazy_images_and_data_uris(shared_data):
    doc, _ = _readability(shared_data, "data-url-image")
    assert doc.images and all(not n.url.startswith("data:") for n in doc.images)
    # a data: placeholder with a lazy srcset gives the largest srcset candidate
    assert doc.images[0].url.endswith("w_800/18zu12g5xzyxojpg.jpg")
    lazy, _ = _readability(shared_data, "lazy-image-3")
    assert lazy.images and all("byteimg.com" in n.url for n in lazy.images)


def test_chinese_gb2312_page_decodes_and_extracts(shared_data):
    root = shared_data / "html" / "chinese-web-content-extraction"
    page = sorted((root / "original").glob("*.html"))[0]
    doc = extract_html(page.read_bytes())
    assert doc.metadata["charset"] in ("gb18030", "gbk", "gb2312")
    cleaned = (root / "cleaned" / f"{page.stem}.txt").read_text(encoding="utf-8")
    want = set(re.findall(r"[\u4e00-\u9fff]", cleaned))
    got = set(re.findall(r"[\u4e00-\u9fff]", doc.text))
    assert len(want & got) >= 0.9 * len(want)


def test_deep_nesting_bomb_is_refused_with_a_reason():
    bomb = "<html><body>" + "<div>" * 100_000 + "x" + "</div>" * 100_000 + "</body></html>"
    with pytest.raises(ExtractionRefused) as info:
        extract_html(bomb.encode())
    assert info.value.reason == "nesting_too_deep"
    # many siblings and unclosed void/auto-closed tags are not nesting
    flat = "<html><body>" + "<p>para<br>line<img src=a.png>" * 20_000 + "</body></html>"
    extract_html(flat, url="http://example.com/")


def test_self_closed_svg_shapes_are_not_nesting():
    """Icons drawn with thousands of ``<path/>`` (a documentation page's diagrams) are extracted; a
    ``<div/>`` bomb in HTML proper (where ``/>`` does not close) is still refused."""
    icons = "<svg viewBox='0 0 9 9'>" + "<path d='M0 0'/>" * 3000 + "</svg>"
    text = "<p>" + "Each clause of the statement is described in turn, with examples. " * 5 + "</p>"
    page = "<html><body><main>" + (icons + text) * 3 + "</main></body></html>"
    doc = extract_html(page, url="http://example.com/")
    assert "described in turn" in doc.text
    with pytest.raises(ExtractionRefused):
        extract_html("<html><body>" + "<div/>" * 5000 + "x</body></html>")
    with pytest.raises(ExtractionRefused):  # outside the svg, its shapes' '/>' means nothing
        extract_html("<html><body><svg></svg>" + "<span/>" * 5000 + "</body></html>")
    # where the parser leaves the svg for HTML (a tag breaking out of it, an integration point's
    # children) '/>' opens elements again, and the depth estimate says so
    for way_out in ("<svg><p>x</p>", "<svg><div/>", "<svg><foreignObject>", "<svg><title>", "<math><mi>"):
        with pytest.raises(ExtractionRefused):
            extract_html("<html><body>" + way_out + "<section/>" * 5000 + "</body></html>")


def test_block_containers_nest_whatever_their_first_letters():
    """Only tags that never nest are left out of the depth estimate, by name: an ``<article>`` or
    ``<menu>`` bomb is refused although ``<area>`` and ``<meta>`` never nest."""
    for tag in ("article", "menu", "ins", "canvas"):
        with pytest.raises(ExtractionRefused):
            extract_html("<html><body>" + f"<{tag}>x" * 5000 + "</body></html>")
    flat = "<html><body>" + "<area><meta><input><option><colgroup><source><code>x</code>" * 2000 + "</body></html>"
    extract_html(flat, url="http://example.com/")


def test_huge_page_is_cut_with_a_note():
    big = "<html><body><article>" + "<p>" + "word " * 200 + "</p>" * 0 + "".join(
        f"<p>{'lorem ipsum dolor sit amet, ' * 20}{i}</p>" for i in range(MAX_CHARS // 500)
    ) + "</article></body></html>"
    doc = extract_html(big, url="http://example.com/")
    assert "extract_truncated" in doc.metadata and doc.texts


CRAFTED = """<html><head><title>Great pictures - Site</title>
<link rel="canonical" href="https://example.com/articles/pictures"><base href="/static/"></head><body>
<header class="site-header"><nav><a href="/">Home</a><a href="/news">News</a></nav></header>
<div id="cookie-banner">We use cookies. Accept all cookies?</div>
<main><article>
<h1>Great pictures</h1>
<p>The first paragraph tells a long story about pictures, cameras, light and the people who take them.</p>
<picture><source srcset="img/a-640.webp 640w, img/a-1280.webp 1280w" type="image/webp">
  <img src="img/a-320.jpg" alt="A lake" width="640" height="480"></picture>
<p>The second paragraph talks about lazy loading, which many sites use to save bandwidth and time.</p>
<figure><img src="data:image/gif;base64,R0lGOD" data-src="img/b.jpg" alt="B"><figcaption>A caption for B</figcaption></figure>
<div class="wrap"><img class="lazyload" src="img/blank.gif"><noscript><img src="img/c.jpg" alt="C"></noscript></div>
<p>A third paragraph, with enough words to count as content for the scorer, closes the story here.</p>
<img src="https://tracker.example.com/pixel.gif" width="1" height="1">
<img src="img/icon-share.png" width="16" height="16">
<div class="share-bar"><a href="#">Share on Facebook</a><a href="#">Tweet</a></div>
</article></main>
<section class="comments"><p>First comment: what a great article about pictures, thank you so much!</p></section>
<footer>Copyright 2024 Example Inc. All rights reserved.</footer>
</body></html>"""


def test_crafted_page_images_captions_and_boilerplate():
    doc = extract_html(CRAFTED)
    assert doc.url == "https://example.com/articles/pictures"  # canonical, no url given
    kinds = ["img" if isinstance(n, ImageNode) else n.kind for n in doc.nodes]
    assert kinds == ["paragraph", "img", "paragraph", "img", "img", "paragraph"]  # the caption rides on its image
    urls = [n.url for n in doc.images]
    assert urls == [
        "https://example.com/static/img/a-1280.webp",
        "https://example.com/static/img/b.jpg",
        "https://example.com/static/img/c.jpg",
    ]
    assert doc.images[1].caption == "A caption for B" and doc.images[0].alt == "A lake"
    assert doc.images[0].declared_width == 640
    text = doc.text
    for junk in ("cookies", "Home", "Share on Facebook", "First comment", "Copyright"):
        assert junk not in text
    assert "Great pictures" not in text  # the heading repeating the title
    assert doc.title == "Great pictures - Site"


def test_srcset_parsing_follows_the_spec():
    assert srcset_candidates("https://i.k.com/c_fill,w_80/a.jpg 80w, https://i.k.com/c_fit,w_320/b.jpg 320w") == [
        ("https://i.k.com/c_fill,w_80/a.jpg", 80.0),
        ("https://i.k.com/c_fit,w_320/b.jpg", 320.0),
    ]
    assert srcset_candidates("a.jpg, b.jpg 2x,c.jpg 3x") == [("a.jpg", 1.0), ("b.jpg", 2.0), ("c.jpg", 3.0)]
    # a URL ending in commas has no descriptors; stray separators give no candidate
    assert srcset_candidates(" ,x.jpg,, y.jpg 100w , ") == [("x.jpg", 1.0), ("y.jpg", 100.0)]
    assert srcset_candidates(" , ") == []


def test_empty_and_malformed_input():
    assert extract_html(b"").nodes == []
    assert extract_html("<<<>>> <p unclosed <div").nodes is not None


_LONG = "<p>" + "A long paragraph of article text, with commas, that makes this block the content. " * 4 + "</p>"


def test_icon_sized_image_that_is_a_table_cell_value_is_kept():
    rows = "".join(
        f'<tr><td>Step {i}</td><td><img src="/img/done.png" width="20px"></td><td><span>'
        f'<img src="/img/done.png" width="20"></span></td></tr>'
        for i in range(3)
    )
    html = (
        f"<html><body><article>{_LONG}<table><tr><th>Task</th><th>Draft</th><th>Review</th></tr>{rows}</table>"
        f'<p><img src="/img/share.png" width="16" height="16"> Share this article with friends</p>{_LONG}'
        "</article></body></html>"
    )
    doc = extract_html(html, url="http://example.com/a")
    urls = [n.url for n in doc.images]
    assert urls == ["http://example.com/img/done.png"] * 6  # the share icon beside text is dropped
    cell_texts = [n.text for n in doc.nodes if isinstance(n, TextNode)]
    assert "Step 1" in cell_texts and "Review" in cell_texts


def test_figure_with_linked_caption_survives_link_pruning_but_link_lists_do_not():
    figure = (
        '<div class="thumb"><a href="/wiki/File:Lake.jpg"><img src="/up/Lake.jpg" width="220" height="150"></a>'
        '<div class="thumbcaption"><a href="/wiki/Lake_Gunn">Lake Gunn</a> in <a href="/wiki/Fiordland">Fiordland</a>'
        "</div></div>"
    )
    teasers = "<ul>" + "".join(
        f'<li><a href="/n{i}"><img src="/up/teaser{i}.jpg" width="300" height="200"></a>'
        f'<a href="/n{i}">Another story number {i} you may like</a></li>' for i in range(4)
    ) + "</ul>"
    html = f"<html><body><article>{_LONG}{figure}{_LONG}{teasers}</article></body></html>"
    doc = extract_html(html, url="http://example.com/a")
    assert [n.url for n in doc.images] == ["http://example.com/up/Lake.jpg"]
    assert "Lake Gunn in Fiordland" in doc.text and "Another story" not in doc.text


def test_malformed_urls_drop_the_image_not_the_page():
    prose = "A sentence of article text, with a comma, long enough to count as prose here. " * 3
    html = (f'<html><head><base href="http://[broken/"></head><body><article><p>{prose}</p>'
            f'<img src="http://[::1/a.jpg" width="600"><img src="https://cdn.example.com/b.jpg" width="600">'
            f"<p>{prose}</p></article></body></html>")
    doc = extract_html(html, url="http://example.com/a")
    assert [image.url for image in doc.images] == ["https://cdn.example.com/b.jpg"]
    assert "A sentence of article text" in doc.text
    assert extract_html(html, url="http://[broken/").texts  # a malformed page URL too


def test_absurd_declared_sizes_are_no_size():
    prose = "A sentence of article text, with a comma, long enough to count as prose here. " * 3
    html = (f'<html><body><article><p>{prose}</p><img src="https://c.example.com/a.jpg" width="{"9" * 5000}" '
            f'height="480"></article></body></html>')
    [image] = extract_html(html, url="http://example.com/a").images
    assert image.declared_width is None and image.declared_height == 480


def test_data_table_is_one_table_node_and_layout_tables_are_walked(shared_data):
    doc, _ = _readability(shared_data, "wikipedia-2")  # a climate table with header cells
    [table] = [n for n in doc.nodes if isinstance(n, TextNode) and n.kind == "table"]
    rows = table.text.split("\n")
    assert rows[0] == "Location | Jan/Feb (°C) | Jan/Feb (°F) | July (°C) | July (°F)"
    assert rows[1] == "Auckland | 23/16 | 74/60 | 14/7 | 58/45"
    prose = "A sentence of article text, with a comma, long enough to count as prose here. " * 3
    layout = f"<table><tr><td><p>{prose}</p></td><td>Side note</td></tr></table>"  # blocks in cells: layout
    html = f"<html><body><article><p>{prose}</p>{layout}<table><tr><td>No</td><td>header</td></tr></table></article></body></html>"
    kinds = [n.kind for n in extract_html(html, url="http://example.com/a").texts]
    assert "table" not in kinds and len(kinds) >= 3


def test_slideshow_beside_an_article_goes_but_a_gallery_page_keeps_its_slides():
    slides = "<ul>" + "".join(
        f'<li><img src="/g/{i}.jpg" width="600"><h2><span>{i}/5</span> Slide title {i}</h2>'
        f"<p>What slide {i} of the gallery shows, told in one sentence, with a comma.</p></li>" for i in range(1, 6)
    ) + "</ul>"
    article = f"<html><body><article>{_LONG}{slides}{_LONG}</article></body></html>"
    doc = extract_html(article, url="http://example.com/a")
    assert "Slide title" not in doc.text and "A long paragraph" in doc.text
    gallery = extract_html(f"<html><body><article>{slides}</article></body></html>", url="http://example.com/g")
    assert "Slide title 3" in gallery.text and len(gallery.images) == 5


def test_linked_names_in_a_table_with_headers_are_cell_values_not_link_lines(shared_data):
    doc, _ = _readability(shared_data, "wikipedia-4")  # a film list: linked titles beside years and plots
    text = doc.text
    assert "Repeat Performance" in text and "Groundhog Day" in text and "Palm Springs" in text


def test_legal_notice_after_an_article_goes_but_a_notice_page_keeps_it(shared_data):
    root = shared_data / "html" / "chinese-web-content-extraction"
    page = root / "original" / "3e1af229-5b3e-4cfc-82b2-481f37d7adf7.html"
    text = extract_html(page.read_bytes()).text
    assert "四级良繁体系" in text and "松花江网编辑" in text  # the article to its last line
    assert "反侵权公告" not in text and "法律顾问" not in text  # the anti-piracy notice set after it
    notice = "<div><p><b>免责声明：</b></p><p>本站转载的文章仅供参考，版权归原作者所有，如有侵权请联系删除。</p></div>"
    alone = extract_html(f"<html><body><article>{notice}</article></body></html>", url="http://example.com/n")
    assert "免责声明" in alone.text and "仅供参考" in alone.text  # nothing beside it: the notice is the page


def test_picture_credit_lines_are_not_text():
    body = (
        f'{_LONG}<img src="/a.jpg" width="800"><p>(Credit: Jane Doe / Agency)</p>{_LONG}'
        f'<img src="/b.jpg" width="800"><p>Foto: dpa</p><p>Image credits matter to photographers, a long sentence.</p>'
    )
    doc = extract_html(f"<html><body><article>{body}</article></body></html>", url="http://example.com/a")
    assert len(doc.images) == 2 and "A long paragraph" in doc.text
    assert "Jane Doe" not in doc.text and "dpa" not in doc.text
    assert "Image credits matter" in doc.text  # a sentence about credits is not a credit line


def test_standfirst_written_right_in_an_article_header_is_kept(shared_data):
    doc, _ = _readability(shared_data, "medicalnewstoday")  # <header>Neuroscience tells us ...</header> in the body
    assert doc.text.startswith("Neuroscience tells us that most of the work done by our brains")


def test_a_page_left_with_a_notice_is_rescued_from_its_visible_text():
    """The rules took the body's text for boilerplate and left only a short notice: the output is
    taken again from the page's visible text, less link lists, and says so."""
    prose = "".join(f"<p>Our darker roast is blended from two beans for a bold cup, batch {i}, every day.</p>" for i in range(6))
    html = ('<html><body><div class="bar">End of the road, friend.</div>'
            f'<div style="display:none"><h1>Dark roast coffee</h1>{prose}</div>'
            '<ul><li><a href="/a">Shop</a></li><li><a href="/b">About</a></li></ul></body></html>')
    doc = extract_html(html, url="http://example.com/")
    assert "batch 5" in doc.text and doc.metadata["extract_rescued"] == "short_output"
    article = f"<html><body><article><h1>Short note</h1><p>{'A complete thought. ' * 3}</p></article></body></html>"
    assert "extract_rescued" not in extract_html(article, url="http://example.com/").metadata


def test_a_forum_page_shipped_as_a_script_shell_gives_its_description(shared_data):
    """A Discourse thread whose body holds no posts (they are rendered by scripts): the page's
    description meta, which holds the opening post's start, is its one paragraph; a page with text
    of its own, or a picture, keeps it."""
    page = shared_data / "html" / "wcxb-dev-subset" / "html" / "4314.html.gz"
    doc = extract_html(gzip.decompress(page.read_bytes()))
    assert doc.metadata["extract_rescued"] == "description"
    [node] = doc.nodes
    assert node.text.startswith("Hello everyone, I would like to ask for your advice regarding the setup of automations")
    described = ('<html><head><meta name="description" content="A summary of the page, longer than its text.">'
                 '</head><body><p>Tiny body.</p></body></html>')
    assert extract_html(described).text == "A summary of the page, longer than its text."
    kept = described.replace("Tiny body.", "A body of its own, longer than the fifty characters of a chrome line.")
    assert "extract_rescued" not in extract_html(kept).metadata
    pictured = described.replace("<p>Tiny body.</p>", '<article><h1>Cat</h1><figure><img src="/cat.jpg" width="800" '
                                 'height="600"><figcaption>Our cat.</figcaption></figure></article>')
    doc = extract_html(pictured, url="http://example.com/a")
    assert "extract_rescued" not in doc.metadata and doc.text == "Cat" and len(doc.images) == 1
