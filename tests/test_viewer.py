"""The document viewer over a real run: its JSON API, and the page in Debian's chromium (a document
as it reads, image metadata on hover, a dropped document with its reason, removed paragraphs)."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image
from test_export_fixture import chromium_browser, real_run
from typer.testing import CliRunner

from omniweave.cli import app
from omniweave.layout import table_to_documents
from omniweave.report.viewer import ViewerError, serve


@pytest.fixture(scope="module")
def run() -> Path:
    return real_run()


@pytest.fixture(scope="module")
def base(run: Path) -> Iterator[str]:
    server = serve(str(run), port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


def get(url: str):
    with urllib.request.urlopen(url, timeout=30) as res:
        body = res.read()
        return json.loads(body) if res.headers.get_content_type() == "application/json" else (body, res.headers.get_content_type())


def _books(base: str) -> dict:
    items = get(f"{base}/api/docs?kind=kept&q=books.toscrape")["items"]
    assert len(items) == 1
    return items[0]


def test_api_lists_kept_and_dropped_documents_and_serves_images(run, base):
    kept = table_to_documents(pq.read_table(run / "corpus"))
    dropped = pq.read_table(run / "stages" / "pass-00" / "dropped")
    summary = get(f"{base}/api/summary")
    assert (summary["kept"], summary["dropped"]) == (len(kept), dropped.num_rows)
    listed = get(f"{base}/api/docs?kind=dropped")
    assert listed["total"] == dropped.num_rows and all(d["reason"] for d in listed["items"])
    assert sorted(d["id"] for d in listed["items"]) == sorted(dropped["id"].to_pylist())
    books = _books(base)
    doc = get(f"{base}/api/doc/{books['n']}")
    want = next(d for d in kept if d.id == books["id"])
    assert [n.get("text") for n in doc["nodes"] if n["type"] == "text"] == [t.text for t in want.texts]
    images = [n for n in doc["nodes"] if n["type"] == "image"]
    assert [i["url"] for i in images] == [i.url for i in want.images] and len(images) == 17
    body, mime = get(base + images[0]["src"])
    assert mime == "image/jpeg"
    assert Image.open(__import__("io").BytesIO(body)).size == (want.images[0].width, want.images[0].height)
    removed = pq.read_table(run / "stages" / "pass-00" / "dropped_paragraphs").to_pylist()
    assert [p["text"] for p in doc["paragraphs"]] == [r["text"] for r in removed if r["id"] == books["id"]]
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{base}/api/doc/999999", timeout=30)
    assert err.value.code == 404


def test_not_a_run_folder(tmp_path):
    with pytest.raises(ViewerError, match="no documents"):
        serve(str(tmp_path), port=0)
    result = CliRunner().invoke(app, ["view", str(tmp_path), "--port", "0"])
    assert result.exit_code == 2 and "no documents" in result.output


def test_document_in_chromium_reads_with_images_and_metadata_on_hover(base, browser):
    books = _books(base)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/#doc/{books['n']}")
    article = page.locator("#doc article")
    article.wait_for()
    assert article.locator("h2").inner_text() == books["title"]
    assert "Tipping the Velvet" in article.inner_text() and "1000 results" in article.inner_text()
    images = article.locator("figure.doc-image img")
    assert images.count() == 17
    page.wait_for_function("[...document.querySelectorAll('#doc img')].every(i => i.complete && i.naturalWidth > 0)")
    # text and images interleaved: the first cover comes after the first paragraph, before the next heading
    order = article.evaluate("a => [...a.children].map(c => c.tagName)")
    assert order[2] == "P" and order[3] == "FIGURE" and "H3" in order[4:6]
    tooltip = page.locator("#tooltip")
    assert tooltip.is_hidden()
    images.first.hover()
    tooltip.wait_for(state="visible")
    text = tooltip.inner_text()
    assert "JPEG" in text and "size" in text and "A Light in the Attic" in text
    page.mouse.move(5, 5)
    tooltip.wait_for(state="hidden")
    side = page.locator("#removed")
    assert "Removed paragraphs" in side.inner_text() and "paragraph_too_few_words" in side.inner_text()
    assert page.locator("#docs li.active").count() == 1
    page.close()


def test_dropped_documents_in_chromium_show_their_reason(base, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/")
    page.locator("#docs li").first.wait_for()
    page.select_option("#kind", "dropped")
    page.wait_for_function("[...document.querySelectorAll('#docs li')].every(li => li.dataset.kind === 'dropped')")
    total = get(f"{base}/api/docs?kind=dropped")["total"]
    assert page.locator("#docs li").count() == total > 0
    first = page.locator("#docs li").first
    first.click()
    reason = page.locator("#doc .drop-reason")
    reason.wait_for()
    item = get(f"{base}/api/docs?kind=dropped")["items"][0]
    assert reason.inner_text().startswith(f"Dropped by {item['step']}: {item['reason']}")
    assert page.locator("#doc .badge.dropped").count() == 1
    with_images = [d for d in get(f"{base}/api/docs?kind=dropped")["items"] if d["n_images"]]
    assert with_images  # the Google home page: its logo was never fetched, so it shows as a link
    page.goto(f"{base}/#doc/{with_images[0]['n']}")
    page.locator("#doc .doc-image.missing a").first.wait_for()
    assert page.locator("#doc .doc-image.missing a").count() == with_images[0]["n_images"]
    assert "image (not stored)" in page.locator("#doc .doc-image.missing").first.inner_text()
    page.close()


def test_full_text_search_and_filters(run, base):
    kept = table_to_documents(pq.read_table(run / "corpus"))
    books = next(d for d in kept if "books.toscrape" in (d.url or ""))
    word = "Velvet"  # a book on the page's body: not in its title or URL
    assert word not in (books.title or "") + (books.url or "") and word in books.text
    found = get(f"{base}/api/docs?q={word.lower()}")
    assert [d["id"] for d in found["items"]] == [books.id]
    assert get(f"{base}/api/docs?q=tipping%20velv")["items"][0]["id"] == books.id  # every term, the last as a prefix
    chinese = next(d for d in kept if d.language == "zh")
    phrase = next(m.group(0) for t in chinese.texts for m in re.finditer(r"[\u4e00-\u9fff]{4}", t.text))
    assert chinese.id in [d["id"] for d in get(f"{base}/api/docs?q={urllib.parse.quote(phrase)}")["items"]]
    summary = get(f"{base}/api/summary")
    assert summary["languages"]["zh"] == sum(d.language == "zh" for d in kept) + sum(
        1 for d in get(f"{base}/api/docs?kind=dropped")["items"] if d["language"] == "zh")
    zh = get(f"{base}/api/docs?kind=kept&language=zh")
    assert zh["total"] == sum(d.language == "zh" for d in kept) > 0 and {d["language"] for d in zh["items"]} == {"zh"}
    domain = get(f"{base}/api/docs?kind=kept&domain=books.toscrape.com")
    assert [d["id"] for d in domain["items"]] == [books.id]
    many = get(f"{base}/api/docs?kind=kept&min_images=5")
    assert many["total"] == sum(len(d.images) >= 5 for d in kept) > 0
    none = get(f"{base}/api/docs?kind=kept&max_images=0")
    assert none["total"] == sum(not d.images for d in kept) > 0
    assert (run / "viewer-index.sqlite").is_file()  # built once per run folder, reused by the next viewer
    mtime = (run / "viewer-index.sqlite").stat().st_mtime_ns
    serve(str(run), port=0).server_close()
    assert (run / "viewer-index.sqlite").stat().st_mtime_ns == mtime


def test_header_counts_match_the_data_card(run, base):
    stats = json.loads((run / "stats.json").read_text())
    by_steps = sum(sum(r["dropped"].values()) for r in stats["funnel"] if r["step"] != "read")
    summary = get(f"{base}/api/summary")
    assert summary["dropped"] == summary["dropped_by_steps"] == by_steps


def test_search_by_body_word_in_chromium(base, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(base + "/")
    page.locator("#docs li").first.wait_for()
    page.fill("#q", "velvet")
    page.wait_for_function("document.querySelectorAll('#docs li').length === 1")
    page.locator("#docs li").first.click()
    page.locator("#doc article").wait_for()
    assert "Tipping the Velvet" in page.locator("#doc article").inner_text()
    page.fill("#q", "")
    page.select_option("#language", "zh")
    page.wait_for_function("[...document.querySelectorAll('#docs li')].every(li => li.textContent.includes(' zh '))")
    # every select fits the sidebar
    widths = page.evaluate("[...document.querySelectorAll('#sidebar select')].map(s => s.getBoundingClientRect().right)")
    right = page.evaluate("document.querySelector('#sidebar').getBoundingClientRect().right")
    assert max(widths) <= right
    page.close()


@pytest.fixture(scope="module")
def dup_base(tmp_path_factory) -> Iterator[str]:
    """A run over three pages, two of them the same article: exact_dedup drops one of the two."""
    from omniweave.pipeline.recipe import parse_recipe
    from omniweave.run import run_recipe

    root = tmp_path_factory.mktemp("dups")
    article = "<p>The harbour bridge opened in spring after nine years of building work by the city.</p>" * 3
    pages = {"a.html": ("Bridge news", article), "b.html": ("Bridge news (copy)", article),
             "c.html": ("Weather", "<p>Rain is expected over the northern hills for most of the coming week.</p>" * 3)}
    (root / "in").mkdir()
    for name, (title, body) in pages.items():
        (root / "in" / name).write_text(f"<html><head><title>{title}</title></head><body><article>{body}</article></body></html>")
    recipe = parse_recipe({"input": {"paths": [str(root / "in")]}, "output": {"dir": str(root / "run"), "keep_dropped": True},
                           "steps": ["exact_dedup"], "executor": {"workers": 1}})
    assert run_recipe(recipe, progress=False).ok
    server = serve(str(root / "run"), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_twin_link_opens_the_kept_document_in_chromium(dup_base, browser):
    dropped = get(f"{dup_base}/api/docs?kind=dropped")["items"]
    assert len(dropped) == 1 and dropped[0]["step"] == "exact_dedup"
    doc = get(f"{dup_base}/api/doc/{dropped[0]['n']}")
    kept = get(f"{dup_base}/api/doc/{doc['twin']['n']}")
    assert kept["kind"] == "kept" and kept["id"] == doc["twin"]["id"] != doc["id"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{dup_base}/#doc/{dropped[0]['n']}")
    link = page.locator("#doc .drop-reason a.twin")
    link.wait_for()
    link.click()
    page.wait_for_function(f"document.querySelector('#doc article')?.dataset.id === {json.dumps(kept['id'])}")
    assert page.locator("#doc article").get_attribute("data-kind") == "kept"
    assert page.url.endswith(f"#doc/{doc['twin']['n']}")
    page.goto(f"{dup_base}/#id/{kept['id']}")  # the data card links documents by id
    page.wait_for_function(f"location.hash === '#doc/{doc['twin']['n']}'")
    page.close()
