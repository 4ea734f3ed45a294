"""Which ``<img>`` of the content become image nodes, and under which URL: crafted pages."""

from __future__ import annotations

from omniweave import extract_html
from omniweave.extract.images import is_placeholder

_PROSE = "<p>" + "A paragraph of article text, with commas, long enough to be the page's content. " * 4 + "</p>"


def _urls(images: str) -> list[str]:
    html = f"<html><body><article>{_PROSE}{images}{_PROSE}</article></body></html>"
    return [image.url for image in extract_html(html, url="http://example.com/a/").images]


def test_a_lazy_plugin_s_own_attribute_names_give_the_url():
    blank = "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%3E%3C/svg%3E"
    assert _urls(
        f'<img src="{blank}" nitro-lazy-src="https://cdn.example.com/one.jpg" width="600" height="400">'
        f'<img src="{blank}" nitro-lazy-srcset="/two-300.jpg 300w, /two-900.jpg 900w" width="600" height="400">'
        f'<img data-delayed-url="https://cdn.example.com/three.jpg" alt="three">'
        f'<img original="/four.png" alt="four">'
    ) == [
        "https://cdn.example.com/one.jpg",
        "http://example.com/two-900.jpg",
        "https://cdn.example.com/three.jpg",
        "http://example.com/four.png",
    ]


def test_an_attribute_holding_script_or_a_page_url_is_no_source():
    assert _urls('<img onerror="this.src=\'/x.png\'" data-permalink="https://example.com/post/" alt="x">') == []


def test_a_placeholder_is_told_by_its_file_name_alone():
    for name in ("blank.gif", "/img/lazy_placeholder.png", "spacer-1x1.gif", "/a/blank-f2c3362333e2a7.gif",
                 "Loading.GIF", "data:image/gif;base64,R0lGOD"):
        assert is_placeholder(name), name
    for name in ("/uploads/Grey-Sweater-OKC-3.jpg", "/files/menu_transparent_1024x1024.png",
                 "https://img.example.com/w_776/d_transparent.gif/photos/desk.jpg", "/img/empty-beach.jpg"):
        assert not is_placeholder(name), name


def test_a_picture_s_declared_size_outweighs_icon_words_in_its_url_and_class():
    assert _urls(
        '<img src="/uploads/Chatbot-Icons.jpg" width="800" height="600">'
        '<img src="/uploads/product-logo.png" class="product-logo" width="1256" height="244">'
        '<img src="/theme/icons/check.png" width="64" height="64">'
        '<img src="/uploads/brand-logo.png" class="logo">'
    ) == ["http://example.com/uploads/Chatbot-Icons.jpg", "http://example.com/uploads/product-logo.png"]


def test_tracking_pixels_go_whatever_their_size_and_style_sizes_count():
    assert _urls(
        '<img src="https://ad.doubleclick.net/imp.gif" width="300" height="250">'
        '<img src="http://ad.example.cn/content_banner/650x120_qrcodes.jpg" width="650">'  # an ad server's image
        '<img src="/badges/gold.png" style="width: 32px; height: 32px">'
        '<img src="/photos/lake.jpg" style="width:640px;height:480px">'
    ) == ["http://example.com/photos/lake.jpg"]


def test_an_icon_beside_a_short_label_is_a_data_table_s_value_but_not_a_layout_table_s():
    rows = "".join(f'<tr><td><span><img src="/flags/{c}.png" width="22" height="15"></span> {c}</td><td>{n}</td></tr>'
                   for c, n in (("Korea", 12), ("Japan", 9)))
    data = f"<table><tr><th>Country</th><th>Medals</th></tr>{rows}</table>"
    layout = '<table><tr><td><img src="/ui/home.png" width="16" height="16"> Home</td><td>Menu</td></tr></table>'
    assert _urls(data + layout) == ["http://example.com/flags/Korea.png", "http://example.com/flags/Japan.png"]


def test_a_percentage_is_no_declared_size():
    html = f'<html><body><article>{_PROSE}<img src="/photos/wide.jpg" width="30%"></article></body></html>'
    [image] = extract_html(html, url="http://example.com/a/").images
    assert image.url == "http://example.com/photos/wide.jpg" and image.declared_width is None


def test_an_image_placed_far_off_the_page_is_hidden():
    assert _urls(
        '<img src="/pic/share-card.jpg" style="position:absolute; bottom:-9999px; left:-9999px">'
        '<img src="/photos/quay.jpg" style="margin-left: -20px">'  # a nudge is layout, not hiding
    ) == ["http://example.com/photos/quay.jpg"]


def test_a_header_block_s_picture_is_not_the_body_s_unless_sized_as_a_picture():
    assert _urls(
        '<div class="article-header-image"><figure><img src="/photos/hero.jpg" alt="hero"></figure></div>'
        '<p class="ynCobrandBanner"><a href="/partner"><img src="/brand/partner.gif"></a></p>'
        '<div class="story-banner"><img src="/photos/wide.jpg" width="1200" height="600"></div>'
        '<div class="photo"><img src="/photos/quay.jpg"></div>'
    ) == ["http://example.com/photos/wide.jpg", "http://example.com/photos/quay.jpg"]
