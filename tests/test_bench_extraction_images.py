"""bench/extraction_images.py: proxy image labels from a page's main text, and unsure images counting
neither way in the bench's image figures."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import extraction  # noqa: E402
import extraction_images  # noqa: E402

BODY = ("The harbour town wakes early when the fishing boats return with their catch of the night "
        "and the market opens its stalls along the quay. ")
MORE = ("Later in the morning the tourists arrive on the ferry and walk up the hill to the old church "
        "that overlooks the bay and its islands. ")
PAGE = f"""<html><body>
<nav>Home News Sports Weather Contact Subscribe Login Register Search Archive Help About</nav>
<img src="/lead.jpg">
<article><p>{BODY}</p>
<img src="data:image/gif;base64,R0lGOD" nitro-lazy-src="/harbour.jpg"><noscript><img src="/harbour-big.jpg"></noscript>
<p>{MORE}</p></article>
<footer>Copyright Example Media Group all rights reserved privacy policy terms of use cookie settings
<img src="/footer-logo.png"> careers advertise with us newsletters and alerts</footer>
</body></html>"""


def test_proxy_labels_follow_the_text_around_each_image():
    images, unsure, labels = extraction_images.proxy_images(PAGE, BODY + MORE, "http://example.com/a")
    assert labels == [None, True, False]  # the lead image between menu and article is unsure
    [harbour] = images
    assert "example.com/harbour.jpg" in harbour.paths  # any attribute naming a URL
    assert {"example.com/lead.jpg", "example.com/harbour-big.jpg"} <= unsure  # the noscript twin too
    assert harbour.before[-2:] == ["the", "quay"] and harbour.after[:2] == ["later", "in"]


def test_unsure_images_count_neither_way_and_others_do():
    case = extraction.Case("wcxb", "p", PAGE, "http://example.com/a", text=BODY + MORE)
    case.images, case.unsure_images, _ = extraction_images.proxy_images(PAGE, BODY + MORE, case.url)
    seq = [("img", "http://example.com/lead.jpg"), ("text", BODY), ("img", "http://example.com/harbour.jpg"),
           ("text", MORE), ("img", "http://example.com/footer-logo.png")]
    tally = extraction.Tally()
    extraction.score(case, seq, tally)
    assert (tally.img_expected, tally.img_found, tally.img_placed) == (1, 1, 1)
    assert (tally.img_extracted, tally.img_extracted_ok) == (2, 1)  # the footer logo is wrong, the lead image unsure


def test_image_figures_per_page_weigh_every_page_alike():
    big = extraction.Case("readability", "big", "", "http://example.com/a", text="x", images=[
        extraction.TruthImage({f"example.com/{i}.jpg"}, [], [], {f"example.com/{i}.jpg"}, {f"example.com/{i}.jpg"})
        for i in range(9)])
    small = extraction.Case("readability", "small", "", "http://example.com/b", text="x", images=[])
    total = extraction.Tally()
    for case, seq in ((big, [("img", f"http://example.com/{i}.jpg") for i in range(9)]),
                      (small, [("text", "x"), ("img", "http://example.com/hero.jpg")])):  # an image where none is expected
        page = extraction.Tally()
        extraction.score(case, seq, page)
        total.add(page)
    assert total.image_figures(per_page=False) == (1.0, 0.9, 1.0)  # pooled: 9 of 10 extracted images are right
    assert total.image_figures(per_page=True) == (1.0, 0.5, 1.0)  # per page: the small page's precision is 0
