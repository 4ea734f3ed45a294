"""bench/extraction.py --data: suites found by folder name, in the shared layouts and in the
scrapinghub and newspaper4k layouts; every page of such a folder counts as held out."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import extraction  # noqa: E402

ARTICLE = "<html><body><article>" + "<p>Words of the article body, with a comma, long enough to count.</p>" * 6 + "</article></body></html>"


def test_data_folder_layouts_are_read_as_suites(tmp_path):
    hub = tmp_path / "scrapinghub-article-extraction-benchmark"
    (hub / "html").mkdir(parents=True)
    (hub / "html" / "a1.html.gz").write_bytes(gzip.compress(ARTICLE.encode()))
    (hub / "ground-truth.json").write_text(json.dumps({"a1": {"url": "http://x.org/a", "articleBody": "Words of the article body"},
                                                       "missing": {"url": "http://x.org/b", "articleBody": "gone"}}))
    paper = tmp_path / "newspaper4k"
    (paper / "html").mkdir(parents=True)
    (paper / "txt").mkdir()
    (paper / "html" / "one.html").write_text(ARTICLE)
    (paper / "txt" / "one.txt").write_text("Words of the article body")
    (paper / "html" / "lonely.html").write_text(ARTICLE)  # no expected text: not a page
    wcxb = tmp_path / "wcxb-test"
    (wcxb / "html").mkdir(parents=True)
    (wcxb / "ground-truth").mkdir()
    (wcxb / "html" / "0001.html.gz").write_bytes(gzip.compress(ARTICLE.encode()))
    (wcxb / "ground-truth" / "0001.json").write_text(json.dumps({
        "url": "http://y.org/p", "_internal": {"page_type": {"primary": "article"}},
        "ground_truth": {"main_content": "Words of the article body", "with": [], "without": []}}))
    found = extraction.discover(tmp_path)
    assert sorted(found) == ["newspaper4k", "scrapinghub", "wcxb"]
    hub_cases = extraction.load_suite(tmp_path, "scrapinghub", shared=False)
    assert [(c.name, c.url, c.split) for c in hub_cases] == [("a1", "http://x.org/a", "heldout")]
    assert [c.name for c in extraction.load_suite(tmp_path, "newspaper4k", shared=False)] == ["one"]
    (case,) = extraction.load_suite(tmp_path, "wcxb", shared=False)
    assert case.page_type == "article" and case.group == "y.org"
    tally = extraction.Tally()
    extraction.score(case, extraction.run_omniweave(case.html, case.url), tally)
    assert tally.r == 1.0
