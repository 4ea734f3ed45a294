"""Crafted pages for the junk removal's treatment of pictures: a picture wrapped in a lightbox
button, a popup link or a link hidden from screen readers is the page's; icons, swatches, ads and
carousel clones around the same markup are not. A hidden tab panel (an inactive tab) or a named panel
holding prose that a click unfolds is content. A shop's item page drops its customer reviews, a forum
thread the signatures and member titles of its posts."""

from __future__ import annotations

from pathlib import Path

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, LexborNode

from omniweave import extract_html
from omniweave.extract import dom_table
from omniweave.extract.clean import ADS, NO_HINT, STRONG, clear_label_cache, hints, remove_junk, remove_weak
from omniweave.extract.dom_table import NAMED_QUERY, label_of
from omniweave.extract.scan import scan

URL = "http://example.com/a"
_PROSE = "".join(f"<p>A sentence of article text, with a comma, long enough to count as prose here {i}. " * 3 + "</p>"
                 for i in range(6))


def _image_names(html: str) -> set[str]:
    return {image.url.rsplit("/", 1)[-1] for image in extract_html(html, url=URL).images}


def _page(inside: str) -> str:
    return f"<html><body><article><h1>Guide</h1>{_PROSE[:600]}{inside}{_PROSE[600:]}</article></body></html>"


def test_a_picture_in_a_lightbox_button_is_kept_but_icons_and_swatches_in_buttons_go():
    html = _page(
        '<button class="lightbox-open"><img src="/photo.jpg" width="1200" height="800" alt="A view"></button>'
        '<button class="expand"><img src="/expand.svg"> Expand all</button>'
        '<button class="swatch"><img src="/media/color/C09941?size=34"></button>'
    )
    assert _image_names(html) == {"photo.jpg"}


def test_a_picture_in_a_popup_link_is_kept_but_ad_banners_and_share_icons_go():
    html = _page(
        '<a class="js-popup" href="/big.jpg"><img src="/picture.jpg" width="800" height="426"></a>'
        '<a class="ad-banner" href="http://ads.example.net/c"><img src="/banner.jpg" width="728" height="190"></a>'
        '<div class="share-bar"><a href="/t"><img src="/twitter.png"></a><a href="/f"><img src="/facebook.png"></a></div>'
    )
    assert _image_names(html) == {"picture.jpg"}


def test_a_thumbnail_link_hidden_from_screen_readers_is_kept_but_hidden_carousel_clones_go():
    cards = "".join(
        f'<li><a class="entry-image-link" href="/p{i}" aria-hidden="true" tabindex="-1"><img src="/thumb{i}.jpg"></a>'
        f'<h2><a href="/p{i}">Recipe number {i} with a long enough title</a></h2>'
        f"<p>{'A short summary of the recipe, with its steps and its story. ' * 3}</p></li>"
        for i in range(4)
    )
    clone = '<div class="slide clone" aria-hidden="true"><a href="/p0"><img src="/clone.jpg"></a></div>'
    names = _image_names(f"<html><body><main><h1>Recipes</h1><ul>{cards}</ul>{clone}</main></body></html>")
    assert names == {f"thumb{i}.jpg" for i in range(4)}


def test_hex_hashes_in_class_names_name_no_ad_but_ad_words_still_do():
    assert hints("col w-variant-2a872dd3-bab5-8141-0ad7-251b924e42e6")[0] != STRONG
    assert hints("wrap e1e566ad")[0] != STRONG
    assert hints("ad-slot")[:1] == (STRONG,) and hints("ad-slot")[2] == ADS
    assert hints("adslot12 x")[0] == STRONG
    html = (f'<html><body><main><h1>Guide</h1><div class="block-4ad9e1">{_PROSE}</div></main>'
            f'<div class="site-info">{"<p>About the site, its history and its editors.</p>" * 4}</div></body></html>')
    assert "A sentence of article text" in extract_html(html, url=URL).text


def test_hidden_tab_panels_are_content_but_hidden_menus_go():
    tab = ("<p>Create a file named send_sms.{0} and paste in the code below, then run it from the command line "
           "with your account credentials set in the environment: the message goes out in a second.</p>")
    panels = "".join(
        f'<div role="tabpanel" id="p-{lang}" aria-labelledby="t-{lang}"{"" if lang == "js" else " hidden style=display:none"}>'
        f"{tab.format(lang)}</div>"
        for lang in ("js", "php", "rb")
    )
    menu = '<div role="menu" hidden><p>Hidden page tools menu with a long enough label to matter here.</p></div>'
    text = extract_html(f"<html><body><main><h1>Send an SMS</h1>{_PROSE}{panels}{menu}</main></body></html>", url=URL).text
    assert all(f"send_sms.{lang}" in text for lang in ("js", "php", "rb"))
    assert "page tools" not in text


def test_a_collapsed_description_panel_is_content_but_a_folded_menu_and_text_the_author_hid_go():
    description = ("<p>Our family bakes these almond crisps in small batches from a recipe handed down for three "
                   "generations: no preservatives, no added salt, and a crunch that keeps for weeks in the tin. "
                   "Serve them with cheese, fruit or coffee.</p>")
    panel = f'<div class="accordion-panel" style="display:none">{description}</div>'
    menu = ('<div class="mega-menu" style="display: none">'
            + "".join(f'<a href="/c{i}">Category number {i} of the shop</a>' for i in range(12)) + "</div>")
    unnamed = '<div style="visibility: hidden"><p>' + "Lorem ipsum dolor sit amet, consectetur elit. " * 6 + "</p></div>"
    text = extract_html(_page(panel + menu + unnamed), url=URL).text
    assert "almond crisps" in text
    assert "Category number" not in text and "Lorem ipsum" not in text


def _shop_page(head: str) -> str:
    description = "".join(f"<p>The trail pack's ripstop body sheds rain and its frame carries {i} kilos in comfort, "
                          "with pockets for water, maps and a jacket.</p>" for i in range(8))
    reviews = "".join(f'<div class="review-card"><p>Buyer {i}: I took it up three mountains this summer and the '
                      "straps never rubbed; the side pockets could be deeper though.</p></div>" for i in range(4))
    return (f"<html><head>{head}</head><body><main><h1>Trail pack 25</h1>{description}"
            f'<section class="product-reviews">{reviews}</section></main></body></html>')


def test_a_product_page_drops_its_customer_reviews_but_an_article_keeps_its_review_sections():
    ld_product = '<script type="application/ld+json">{"@type": "Product", "name": "Trail pack 25"}</script>'
    for head in (ld_product, '<meta property="og:type" content="product">'):
        text = extract_html(_shop_page(head), url=URL).text
        assert "ripstop body" in text and "Buyer 1" not in text
    article = '<meta property="og:type" content="article">' + ld_product  # a buyer's guide names its products
    assert "Buyer 1" in extract_html(_shop_page(article), url=URL).text
    assert "Buyer 1" in extract_html(_shop_page(""), url=URL).text  # no product declared


def test_a_forum_thread_keeps_its_posts_but_drops_each_post_s_signature_and_member_title():
    posts = "".join(
        f'<article class="message"><div class="message-user"><h4>member{i}</h4>'
        f'<h5 class="userTitle message-userTitle">Well-known member</h5>'
        f'<dl class="message-userExtras"><dt>Joined</dt><dd>Mar {i}, 2019</dd><dt>Messages</dt><dd>{i}12</dd></dl></div>'
        f"<div class=\"message-body\"><p>Post {i}: rolling the driver back to the spring release fixed the stutter on my "
        f"laptop, and the fans stay quiet again under load.</p></div>"
        f'<div class="message-signature">Ryzen {i} | 32 GB | Sent from my phone</div></article>'
        for i in range(6)
    )
    text = extract_html(f"<html><body><main><h1>Driver stutter</h1>{posts}</main></body></html>", url=URL).text
    assert all(f"Post {i}:" in text for i in range(6))
    assert "Well-known member" not in text and "Sent from my phone" not in text and "Joined" not in text


def test_a_thread_named_comments_is_kept_beside_a_widget_of_short_lines_but_an_article_drops_its_comments():
    posts = "".join(f'<div class="post"><p>Reply {i}: I had the same trouble with the driver after the update, '
                    f"and rolling back to the older version fixed it for me on two machines.</p></div>" for i in range(20))
    widget = "".join(f"<li><p>member{i} · {i} hours ago · Posted in Graphics Cards</p></li>" for i in range(8))
    thread = f'<div class="topic comments">{posts}</div><div class="widget"><ul>{widget}</ul></div>'
    assert "Reply 19:" in extract_html(f"<html><body><main><h1>Driver trouble</h1>{thread}</main></body></html>", url=URL).text
    # the posts hold most of the text here too, but paragraphs of an article stand beside them
    article = f'<article><h1>Guide</h1>{_PROSE}</article><div class="comments">{posts}</div>'
    assert "Reply 19:" not in extract_html(f"<html><body>{article}</body></html>", url=URL).text


def test_a_thread_named_comments_is_kept_beside_menus_that_outweigh_it_when_it_holds_the_prose():
    posts = "".join(f'<div class="comment"><p>Reply {i}: the bracket on the back panel is for the external hub, and the '
                    f"one under the fans holds a second radiator if you want one.</p></div>" for i in range(3))
    menus = "".join(f"<div class=menu-block><h3>Section {j}</h3>"
                    + "".join(f"<div>Board number {j}.{i} · forum category</div>" for i in range(20)) + "</div>"
                    for j in range(4))
    notice = "<div class=notice><span>Notice: Forums Closed</span></div>"
    for thread in (f'<div class="topic comments">{posts}</div>', posts):  # in one box, or one node per post
        page = f"<html><body>{notice}<main><h1>New case</h1>{thread}</main>{menus}</body></html>"
        assert "Reply 2:" in extract_html(page, url=URL).text


def test_labels_that_lengthen_when_lower_cased_do_not_shift_the_named_word_search():
    posts = "".join(f'<div class="post İİİ{i}"><p>Post {i}: the firmware update fixed the stutter on my laptop, '
                    f'and the fans stay quiet again under load.</p><div class="signature">Sent from my phone {i}</div></div>'
                    for i in range(4))
    text = extract_html(f"<html><body><main><h1>Firmware</h1>{posts}</main></body></html>", url=URL).text
    assert "Post 3:" in text and "Sent from my phone" not in text


def test_signatures_and_reviews_go_again_when_their_labels_come_from_the_label_cache():
    clear_label_cache()
    posts = "".join(f'<div class="post"><p>Post {i}: the firmware update fixed the stutter on my laptop, and the fans '
                    f'stay quiet again under load.</p><div class="signature signé">Sent from my phone {i}</div></div>'
                    for i in range(4))  # a label that is not ASCII takes the slower path
    forum = f"<html><body><main><h1>Firmware</h1>{posts}</main></body></html>"
    shop = _shop_page('<meta property="og:type" content="product">')
    for _ in range(2):  # new labels first, then known ones
        forum_text, shop_text = (extract_html(page, url=URL).text for page in (forum, shop))
        assert "Post 3:" in forum_text and "Sent from my phone" not in forum_text
        assert "ripstop body" in shop_text and "Buyer 1" not in shop_text


def _in_tree(node: LexborNode, root: LexborNode) -> bool:
    while node.parent is not None:
        node = node.parent
    return node.mem_id == root.mem_id


def _removed_junk(html: bytes, native: bool) -> tuple[list[tuple[int, tuple]], str, str]:
    """The hints :func:`remove_junk` gives (by position among the named elements), checked against
    what :func:`hints` says of each label, and the page left by it and by :func:`remove_weak`."""
    previous = dom_table.use_native(native)
    try:
        tree = LexborHTMLParser(html, options=LexborDocumentOptions.WO_EVENTS)
        named = tree.root.css(NAMED_QUERY)
        position = {node.mem_id: i for i, node in enumerate(named)}
        expected = list(map(hints, map(label_of, named)))
        hinted, _ = remove_junk(tree, scan(tree))
        found = [(position[key], hint) for key, hint in hinted.items()]
        assert all(expected[i] == hint != NO_HINT for i, hint in found)
        left = {i for i, node in enumerate(named) if expected[i] != NO_HINT and _in_tree(node, tree.root)}
        assert left <= {i for i, _ in found}  # every hinted element left after the removal (and those it removed)
        after_junk = tree.html or ""
        remove_weak(tree.body or tree.root, hinted)
        return found, after_junk, tree.html or ""
    finally:
        dom_table.use_native(previous)


def test_junk_removal_reads_labels_as_hints_does_and_is_the_same_through_the_api(shared_data: Path):
    """On real pages the hints of named elements (read in C in the compiled build, as flags of their
    words) are :func:`hints` of their labels, and the walk in C removes what the API's walk removes."""
    pages = 0
    for suite in ("readability-test-pages", "chinese-web-content-extraction", "trafilatura-eval-subset",
                  "wcxb-dev-subset"):
        for path in sorted((shared_data / "html" / suite).rglob("*.htm*"))[:30]:
            html = path.read_bytes()
            assert _removed_junk(html, True) == _removed_junk(html, False)
            pages += 1
    assert pages >= 100
