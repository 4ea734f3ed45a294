"""Article leads on real pages of ../shared/data: the heading and standfirst that stand in the
article's header, apart from the container of the body text, are extracted with it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from omniweave import extract_html


@pytest.mark.parametrize("page", ["deutschlandfunk.de.titanic.html.gz", "infobae.com-ucrania.html.gz",
                                  "ekd.de-Friedensdekade.html.gz"])
def test_standfirsts_of_real_articles_beside_their_body_text_are_kept(shared_data: Path, page: str) -> None:
    """Each page's expected snippets (its standfirst among them: a subtitle paragraph, an ``<h2>``
    sub-headline in the article's header, apart from the body text's container) are extracted."""
    root = shared_data / "html" / "trafilatura-eval"
    items = json.loads((root / "evaldata-subset.json").read_text(encoding="utf-8"))["items"]
    url, item = next((u, i) for u, i in items.items() if i["file"] == page)
    text = " ".join(extract_html(gzip.decompress((root / "html" / page).read_bytes()), url=url).text.lower().split())
    assert all(" ".join(s.lower().split()) in text for s in item["with"])
