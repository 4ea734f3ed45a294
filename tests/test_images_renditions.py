"""Renditions of one image (``src``, ``srcset``): the captured one is used, a gone one is replaced.

The Wikipedia case: a page whose ``<img>`` has ``src`` A (220px) and a ``srcset`` with larger B
(1.5x) and C (2x), written into a WARC by the test with only one rendition captured.
"""

from __future__ import annotations

import gzip
import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from image_server import ImageServer
from omniweave.images.renditions import attempt_order, choose
from omniweave.layout import table_to_documents
from omniweave.pipeline.recipe import parse_recipe
from omniweave.run import run_recipe

IMAGES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "images"
A, B, C = "scikit-image-samples/chelsea.png", "scikit-image-samples/coffee.png", "scikit-image-samples/astronaut.png"
TEXT = " ".join(["The city grew around its harbour, and its old town still keeps the narrow streets of the time."] * 4)
FETCH = {"connect_timeout": 1.0, "read_timeout": 1.0, "total_timeout": 2.0, "retries": 0, "per_host_rate": 1000.0,
         "allow_networks": ["127.0.0.1/32"]}


def warc_record(uri: str, ctype: str, body: bytes) -> bytes:
    """One gzip member: a WARC response record with an HTTP 200 holding ``body``."""
    http = f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{uuid.uuid4()}>\r\n"
            f"WARC-Date: 2024-05-01T10:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n").encode()
    return gzip.compress(head + http + b"\r\n\r\n")


def page(img: str) -> bytes:
    return (f"<!doctype html><html><head><title>City</title></head><body><article><h1>City</h1><p>{TEXT}</p>"
            f'<figure>{img}<figcaption>The harbour at dawn</figcaption></figure><p>{TEXT}</p></article></body></html>'
            ).encode()


def run(tmp_path: Path, warc: bytes, sources: list[str]) -> tuple[dict, list]:
    (tmp_path / "crawl.warc.gz").write_bytes(warc)
    recipe = parse_recipe({
        "input": {"paths": [str(tmp_path / "crawl.warc.gz")]},
        "output": {"dir": str(tmp_path / "out")},
        "steps": [{"images": {"sources": sources, "fetch": FETCH, "filter": {"min_side": 100}}}],
    })
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    docs = table_to_documents(pq.read_table(tmp_path / "out" / "corpus")) if summary.documents_out else []
    return summary.stats["steps"]["images"], docs


@pytest.mark.parametrize(("captured", "rank", "origin"), [(A, 2, "src"), (C, 0, "srcset")])
def test_the_captured_rendition_is_kept_and_nothing_is_fetched(tmp_path, captured, rank, origin):
    with ImageServer(IMAGES) as srv:
        a, b, c = (srv.url(f"img/{p}") for p in (A, B, C))
        html = page(f'<img src="{a}" srcset="{b} 1.5x, {c} 2x" width="220" height="146">')
        warc = warc_record("https://en.wikipedia.org/wiki/City", "text/html; charset=utf-8", html)
        warc += warc_record(srv.url(f"img/{captured}"), "image/png", (IMAGES / captured).read_bytes())
        stats, docs = run(tmp_path, warc, ["warc", "http"])
        assert not srv.hits  # not even robots.txt: no request at all
    [doc] = docs
    [image] = doc.images
    assert image.url == srv.url(f"img/{captured}") and image.extra["status"] == "ok"
    assert image.extra["source"] == "warc" and image.caption == "The harbour at dawn"
    assert image.extra["rendition"]["rank"] == rank and image.extra["rendition"]["from"] == origin
    assert [r["url"] for r in image.extra["renditions"]] == [c, b, a]  # preferred (largest) first
    assert stats["reduce:warc:ok"] == 1 and stats.get("reduce:alternate_rendition", 0) == (rank > 0)


def test_a_gone_preferred_url_falls_back_to_the_next_rendition(tmp_path):
    with ImageServer(IMAGES) as srv:
        gone, ok = srv.url("status/404"), srv.url(f"img/{B}")
        html = page(f'<img src="{ok}" srcset="{gone} 2x">')
        stats, docs = run(tmp_path, warc_record("https://example.org/city", "text/html", html), ["warc", "http"])
        assert srv.hits["/status/404"] == 1 and srv.hits[f"/img/{B}"] == 1
    [doc] = docs
    [image] = doc.images
    assert image.url == ok and image.extra["status"] == "ok" and image.extra["source"] == "http"
    assert image.extra["rendition"] == {"rank": 1, "from": "src"}
    assert (image.width, image.height) == (600, 400)
    assert stats["reduce:http:http_404"] == 1 and stats["reduce:http:ok"] == 1
    assert stats["reduce:alternate_rendition"] == 1


def test_without_http_an_image_none_of_whose_renditions_was_captured_is_not_captured(tmp_path):
    html = page('<img src="https://img.example.org/a.jpg" srcset="https://img.example.org/b.jpg 2x">')
    stats, docs = run(tmp_path, warc_record("https://example.org/city", "text/html", html), ["warc"])
    assert docs == [] and stats["reduce:http:not_captured"] == 1 and stats["removed_images:not_captured"] == 1


def test_the_search_tries_stored_then_captured_then_ranked_and_stops_on_a_retryable_failure():
    rows = {"gone": {"status": "error", "error": "http_410"}, "slow": {"status": "error", "error": "timeout"},
            "fine": {"status": "ok"}, "junk": {"status": "error", "error": "not_image"}}
    asked: list[list[str]] = []

    def get(urls):
        asked.append(urls)
        return rows

    def order(image):
        return attempt_order(image, lambda u: u == "fine", lambda u: u == "junk", fetch_http=True)

    images = [("gone", "slow", "fine"), ("gone", "slow", "other"), ("junk", "gone", "other"), ("gone",)]
    assert [order(im) for im in images] == [["fine", "gone", "slow"], ["gone", "slow", "other"],
                                            ["junk", "gone", "other"], ["gone"]]
    chosen = choose(images, order, get)
    assert chosen == {images[0]: "fine", images[1]: "slow", images[2]: "other", images[3]: "gone"}
    assert asked == [["fine", "gone", "junk"], ["gone", "slow"], ["other"]]
    # without HTTP, only the first rendition not captured is looked at (it ends as not_captured)
    assert attempt_order(("a", "b", "junk"), lambda u: False, lambda u: u == "junk", fetch_http=False) == ["junk", "a"]


def test_the_extractor_keeps_every_rendition_preferred_first():
    from omniweave.extract import extract_html

    html = page(
        '<img src="//upload.wikimedia.org/a/220px-X.jpg" srcset="//upload.wikimedia.org/a/330px-X.jpg 1.5x, '
        '//upload.wikimedia.org/a/440px-X.jpg 2x" width="220" height="150">'
        '<picture><source type="image/webp" srcset="/b-400.webp 400w, /b-800.webp 800w"><img src="/b.jpg" alt="b"></picture>'
        '<img src="/c.jpg" data-src="/c.jpg" data-srcset="/c-big.jpg 900w, data:image/gif;base64,R0lGOD 1w">'
        '<img src="/d.jpg" class="lazy"><noscript><img src="/d-full.jpg"></noscript>'
        '<img src="/e.jpg" width="300" height="200">'
    )
    doc = extract_html(html, url="https://en.wikipedia.org/wiki/X")
    found = {im.url: im.extra.get("renditions") for im in doc.images}
    w = "https://en.wikipedia.org"
    assert found == {
        "https://upload.wikimedia.org/a/440px-X.jpg": [
            {"url": "https://upload.wikimedia.org/a/440px-X.jpg", "from": "srcset", "x": 2.0},
            {"url": "https://upload.wikimedia.org/a/330px-X.jpg", "from": "srcset", "x": 1.5},
            {"url": "https://upload.wikimedia.org/a/220px-X.jpg", "from": "src"}],
        f"{w}/b-800.webp": [{"url": f"{w}/b-800.webp", "from": "picture", "w": 800},
                            {"url": f"{w}/b-400.webp", "from": "picture", "w": 400}, {"url": f"{w}/b.jpg", "from": "src"}],
        f"{w}/c-big.jpg": [{"url": f"{w}/c-big.jpg", "from": "data-srcset", "w": 900}, {"url": f"{w}/c.jpg", "from": "src"}],
        f"{w}/d.jpg": [{"url": f"{w}/d.jpg", "from": "src"}, {"url": f"{w}/d-full.jpg", "from": "noscript"}],
        f"{w}/e.jpg": None,  # one URL: nothing more to keep
    }
