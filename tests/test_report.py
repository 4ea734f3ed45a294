"""The data card of a real run: its figures, that a run writes it (and never fails on it), and the
page in a real browser (Debian's chromium) with its charts and images, loading nothing from outside."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_export_fixture import WARC, chromium_browser, real_run
from typer.testing import CliRunner

from omniweave.cli import app
from omniweave.layout import table_to_documents
from omniweave.pipeline.recipe import parse_recipe
from omniweave.run import run_recipe
from omniweave.report.card import build_report
from omniweave.pipeline.rundir import RunDir
from omniweave.report.data import RunData, _corpus_distributions, collect

CHARTS = ["funnel", "removed_text", "step_seconds", "words", "images", "image_sizes", "formats", "languages", "domains"]


@pytest.fixture(scope="module")
def run() -> Path:
    return real_run()


@pytest.fixture(scope="module")
def browser():
    yield from chromium_browser()


def test_funnel_counts_documents_and_images_per_step_and_reason(run):
    data = collect(str(run))
    docs = table_to_documents(pq.read_table(run / "corpus"))
    assert data.documents == len(docs) and data.images == sum(len(d.images) for d in docs) > 15
    steps = {r.step: r for r in data.funnel}
    assert list(steps) == ["read", "language_id", "text_length", "paragraph_quality", "exact_dedup", "images"]
    assert data.funnel[-1].images_out == data.images
    dropped = pq.read_table(run / "stages" / "pass-00" / "dropped")
    by_reason: dict[tuple[str, str], list[int]] = {}
    for doc, step, reason in zip(table_to_documents(dropped), dropped["drop_step"].to_pylist(), dropped["drop_reason"].to_pylist()):
        by_reason.setdefault((step, reason), []).append(len(doc.images))
    for before, after in zip(data.funnel, data.funnel[1:]):
        assert before.docs_out == after.docs_in and before.images_out == after.images_in
    for row in data.funnel[1:]:
        assert row.docs_in - row.docs_out == sum(n for _, n, _ in row.reasons)
        assert row.images_in - row.images_out == sum(i or 0 for _, _, i in row.reasons)
        for reason, n, images in row.reasons:
            if n:  # documents dropped for this reason, and the images they took with them
                assert (n, images) == (len(by_reason[(row.step, reason)]), sum(by_reason[(row.step, reason)]))
    # (the Google home page, once empty and dropped as no_text, now keeps its visible link words: too short)
    assert by_reason and any(sum(v) for v in by_reason.values())
    images = steps["images"]
    counts = images.counts
    removed = {r: i for r, _, i in images.reasons if r.startswith("image removed: ")}
    assert removed == {f"image removed: {k.split(':', 1)[1]}": v for k, v in counts.items() if k.startswith("removed_images:")}
    assert images.images_in == images.images_out + sum(removed.values())
    assert sum(data.words.values()) == data.documents and sum(data.images_per_doc.values()) == data.documents
    assert sum(data.image_sides.values()) == sum(data.formats.values()) == data.images
    assert data.languages["en"] > 0 and data.domains["books.toscrape.com"] == 1
    removed = pq.read_table(run / "stages" / "pass-00" / "dropped_paragraphs")
    assert data.removed_text[("paragraph_quality", "paragraphs: paragraph_too_few_words")] == removed.num_rows > 100


def test_distributions_are_counted_while_tasks_write_and_equal_a_reread_of_the_corpus(run):
    stats = json.loads((run / "stats.json").read_text())
    assert stats["distributions"]["documents"] == stats["documents_out"]
    counted = collect(str(run))
    reread = RunData(root=str(run), info={}, stats={}, funnel=[])
    _corpus_distributions(RunDir(str(run)), reread, max_word_docs=10**9)
    for name in ("documents", "images", "words", "images_per_doc", "image_sides", "formats", "languages", "domains"):
        assert getattr(counted, name) == getattr(reread, name), name
    assert counted.words_sampled == counted.documents


def test_run_writes_the_card_and_report_command_rebuilds_it(run, tmp_path):
    card = run / "report.html"
    html = card.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "books.toscrape.com" in html
    assert all(f'data-chart="{c}"' in html for c in CHARTS)
    assert "<script src" not in html and "<link" not in html and 'src="http' not in html  # self-contained
    assert html.count('src="data:image/jpeg;base64,') >= 6  # the book covers, from the image store
    out = tmp_path / "card.html"
    result = CliRunner().invoke(app, ["report", str(run), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("<figure class=\"chart\"") == len(CHARTS)
    missing = CliRunner().invoke(app, ["report", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "no stats.json" in missing.output


def test_a_report_error_never_fails_the_run(tmp_path, caplog):
    out = tmp_path / "out"
    (out / "report.html.tmp").mkdir(parents=True)  # the card cannot be written
    recipe = parse_recipe({"input": {"paths": [str(WARC / "node-warc" / "books.toscrape.warc")]},
                           "output": {"dir": str(out)}, "executor": {"workers": 1}})
    with caplog.at_level(logging.ERROR, logger="omniweave.report"):
        summary = run_recipe(recipe, progress=False)
    assert summary.ok and summary.documents_out == 1 and not (out / "report.html").exists()
    assert "report.html of" in caplog.text
    (out / "report.html.tmp").rmdir()
    html = build_report(str(out))  # rebuilt once the obstacle is gone
    assert "<svg" in html and "Images in dropped documents are unknown" not in html  # no step dropped a document


def test_report_in_chromium_shows_charts_and_images_offline(run, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((run / "report.html").as_uri())
    assert page.title() == "omniweave data card"
    for chart in CHARTS:
        figure = page.locator(f'figure.chart[data-chart="{chart}"]')
        assert figure.is_visible(), chart
        assert figure.locator("svg rect").count() >= 1, chart
        box = figure.locator("svg").bounding_box()
        assert box and box["width"] > 200 and box["height"] > 20, chart
    assert page.locator("table.funnel tr.step").count() == 6
    assert "paragraph_too_few_words" in page.locator("#funnel").inner_text()
    books = page.locator("article.doc", has_text="books.toscrape.com")
    assert books.count() == 1
    widths = books.locator("img").evaluate_all("imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert len(widths) == 6 and all(w and w > 50 for w in widths)  # the first six covers (then "11 more images")
    assert "(11 more images)" in books.inner_text()
    assert all(u.startswith(("file:", "data:")) for u in requests), [u for u in requests if not u.startswith(("file:", "data:"))]
    page.close()


def test_card_has_step_times_dropped_examples_and_the_viewer(run):
    import json
    import re

    html = build_report(str(run))
    stats = json.loads((run / "stats.json").read_text())
    steps = ["read", "language_id", "text_length", "paragraph_quality", "exact_dedup", "images"]
    per_step = stats["step_seconds"]  # one number per step, shown in the card's table below
    assert set(per_step) == set(steps) and all(isinstance(v, float) for v in per_step.values())
    times = re.search(r'<table class="step-times">.*?</table>', html).group(0)
    assert [m for m in re.findall(r"<tr><td>([a-z_]+)</td>", times)] == steps
    dropped = pq.read_table(run / "stages" / "pass-00" / "dropped").to_pylist()
    section = re.search(r'<section id="dropped-examples">.*?</section>', html).group(0)
    by_reason: dict[tuple[str, str], list[str]] = {}
    for row in dropped:
        by_reason.setdefault((row["drop_step"], row["drop_reason"]), []).append(row["id"])
    linked = re.findall(r'href="http://127\.0\.0\.1:8765/#id/([0-9a-f]+)"', section)
    for (step, reason), ids in by_reason.items():  # every reason, with its first two documents linked
        assert f"{step}: {reason}" in section
        assert sum(1 for i in linked if i in ids) == min(2, len(ids))
    assert f"omniweave view {run}" in html and '<a href="http://127.0.0.1:8765/">' in html
    # the same dropped count as the viewer's header: documents dropped by steps; read skips apart
    figures = dict((label, int(v.replace(",", ""))) for v, label in re.findall(r"<b>([\d,]+)</b><span>([^<]+)</span>", html))
    assert figures["documents dropped"] == len(dropped) == sum(
        sum(r["dropped"].values()) for r in stats["funnel"] if r["step"] != "read")
    assert figures["records skipped at read"] == sum(stats["funnel"][0]["dropped"].values())


def test_the_sample_documents_are_those_with_most_images_then_most_text(run):
    from omniweave.report.card import pick_samples

    docs = table_to_documents(pq.read_table(run / "corpus"))
    for n in (1, 3, len(docs) + 1):
        best = sorted(docs, key=lambda d: (-len(d.images), -len(d.text)))[:n]  # sorted is stable: ties, the first
        assert [d.id for d in pick_samples(str(run), n)] == [d.id for d in best]
        assert pick_samples(str(run), n) == best
    assert pick_samples(str(run / "no-such-run"), 3) == []
