"""Real pages broken on purpose (fixed seed): extraction returns a document or refuses with a reason,
whatever the attributes, URLs, numbers and cuts it meets."""

from __future__ import annotations

import random
from pathlib import Path

from omniweave import extract_html
from omniweave.extract import ExtractionRefused

VALUES = [
    "http://[x", "http://[::1/a.jpg", "//[bad", "1e999", "9" * 5000, "-5", "http://a.b/%zz", "\x00",
    "javascript:alert(1)", "data:image/png;base64,xx", "a 1e999w", "x 99999999999999999999x",
    "http://h/a.jpg 2x, http://[bad 3x", " , , ", "http://h:99999999/a.jpg", "https://ü.de/ä.jpg", "\t\n",
    "http:///a", "http://h/a.jpg#", "DiscussionForumPosting",
]
PLACES = [
    "img src", "img srcset", "img data-src", "img width", "source srcset", "base href",
    "link rel=canonical href", "a href", "div class", "div style", "div itemtype", "span",
]


def _break(page: str, rnd: random.Random) -> str:
    for _ in range(rnd.randint(1, 8)):
        tag, _, attr = rnd.choice(PLACES).partition(" ")
        value = rnd.choice(VALUES)
        snippet = f'<{tag} {attr}="{value}">' if attr else f"<{tag}>{value[:1].upper()}</{tag}>"
        if tag == "source":
            snippet = f'<picture>{snippet}<img src="x.jpg"></picture>'
        at = rnd.randrange(len(page) + 1)
        page = page[:at] + snippet + page[at + rnd.randint(0, 40):]
    return page[: rnd.randrange(len(page) + 1)] if rnd.random() < 0.3 else page


def test_broken_real_pages_give_a_document_or_a_reason(shared_data: Path):
    pages = sorted((shared_data / "html" / "readability-test-pages").glob("*/source.html"))[:40]
    assert pages
    rnd = random.Random(20261123)
    for path in pages:
        source = path.read_text(encoding="utf-8", errors="replace")
        for _ in range(5):
            page = _break(source, rnd)
            data = page.encode("utf-8", "surrogatepass") if rnd.random() < 0.5 else page
            try:
                doc = extract_html(data, url=rnd.choice([None, "http://example.com/a", "http://[bad/"]))
            except ExtractionRefused:
                continue
            assert all(image.url.startswith(("http://", "https://")) for image in doc.images), path
