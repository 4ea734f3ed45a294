"""domain_repeated_paragraphs: a real pipeline over three JSONL shards, where each site's
boilerplate sits in documents of different shards; checks exactly which paragraphs go."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from omniweave.dedup.domain_paragraphs import domain_counts, domain_of, paragraph_key
from omniweave.layout import document_to_row
from omniweave.document import Document, ImageNode, TextNode
from omniweave.pipeline.recipe import parse_recipe
from omniweave.pipeline.rundir import RunDir
from omniweave.run import run_recipe
from omniweave.pipeline.stats import format_rules

NEWSLETTER = "Sign up for the Site Weekly newsletter and get our best stories every Friday."
AUTHOR = "Jane Roe writes about cities, transport and the people who keep them running."
TWICE = "This paragraph appears in only two documents of the site, which is not enough."
CAPTION = "Photo by the Site staff."


HARBOURS = ["Aberdeen", "Bergen", "Cadiz", "Danzig", "Esbjerg", "Fowey", "Genoa"]


def article(n: int) -> str:
    return (f"This article tells a story of its own about the harbour of {HARBOURS[n]}, its ships and its sailors, "
            "and no other page of the site holds this sentence in quite this form.")


def doc(doc_id: str, url: str, *texts: str, image: bool = False) -> Document:
    nodes: list[TextNode | ImageNode] = [TextNode(t) for t in texts]
    if image:
        nodes += [ImageNode("https://site.example/i.jpg"), TextNode(CAPTION, "caption")]
    return Document(id=doc_id, url=url, nodes=nodes)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("domain")
    shards = {
        "a": [doc("a1", "https://www.site.example/1", article(1), NEWSLETTER, AUTHOR, "© 2023 Site Media", TWICE,
                  image=True),
              doc("a2", "https://other.example/1", article(2), NEWSLETTER)],
        "b": [doc("b1", "https://site.example/2", article(3), NEWSLETTER, "© 2024 Site Media", TWICE, image=True),
              doc("b2", "https://dup.example/x", article(4), "A line that only copies of one page share."),
              doc("b3", "https://dup.example/x?utm=1", article(4), "A line that only copies of one page share.")],
        "c": [doc("c1", "https://site.example/3", article(5), AUTHOR, NEWSLETTER, "© 2024 Site Media", image=True),
              doc("c2", "https://site.example/4", AUTHOR, NEWSLETTER),  # nothing of its own: dropped empty
              doc("c3", "https://dup.example/x#top", article(4), "A line that only copies of one page share."),
              doc("c4", None, NEWSLETTER, article(6))],
    }
    (tmp / "in").mkdir()
    for name, docs in shards.items():
        (tmp / "in" / f"{name}.jsonl").write_text("".join(json.dumps(document_to_row(d), default=str) + "\n" for d in docs))
    recipe = parse_recipe({
        "input": {"paths": [str(tmp / "in")]},
        "output": {"dir": str(tmp / "out"), "keep_dropped": True},
        "steps": [{"domain_repeated_paragraphs": {"min_documents": 3, "partitions": 3}}],
        "executor": {"workers": 1},
    })
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    return tmp / "out", summary


def test_site_boilerplate_goes_and_everything_else_stays(run):
    out, _ = run
    rows = pq.read_table(out / "corpus").to_pylist()
    by_url = {row["general_metadata"]["url"]: [t for t in row["texts"] if t] for row in rows}
    for url, n in (("https://www.site.example/1", 1), ("https://site.example/2", 3), ("https://site.example/3", 5)):
        kept = by_url[url]
        assert kept[0] == article(n)
        assert NEWSLETTER not in kept and AUTHOR not in kept  # in >= 3 documents of site.example
        assert not any(t.startswith("©") for t in kept)  # "© 2023" and "© 2024" are one paragraph
        assert CAPTION in kept  # an image's caption stays with its image
    assert TWICE in by_url["https://www.site.example/1"]  # in only two documents
    assert by_url["https://other.example/1"] == [article(2), NEWSLETTER]  # another domain: once
    assert len([u for u in by_url if (u or "").startswith("https://dup.example")]) == 3  # copies count once
    assert all(len(v) == 2 for u, v in by_url.items() if (u or "").startswith("https://dup.example"))
    assert "https://site.example/4" not in by_url  # only boilerplate: dropped as empty
    assert NEWSLETTER in by_url[None]  # a document without a URL has no domain: left alone


def test_removals_are_counted_per_domain(run):
    out, summary = run
    counts = summary.stats["steps"]["domain_repeated_paragraphs"]
    assert counts["removed_paragraphs:domain_repeated"] == 4 + 3 + 3  # newsletter, author box, footer
    assert counts["dropped:empty_after_domain_repeated_paragraphs"] == 1
    assert counts["reduce:repeated_paragraphs"] == 3 and counts["reduce:removals@site.example"] == 10
    run_dir = RunDir(str(out))
    table = domain_counts(run_dir.fs, run_dir.global_reduce(0, "domain_repeated_paragraphs")).to_pylist()
    assert table == [{"domain": "site.example", "repeated_paragraphs": 3, "removals": 10, "documents": 4}]
    dropped = pq.read_table(next(out.glob("stages/pass-*/dropped_paragraphs"))).to_pylist()
    assert {r["drop_reason"] for r in dropped} == {"domain_repeated"} and len(dropped) == 10
    # `omniweave stats` and the data card name the rule and the domain
    text = format_rules(summary.stats)
    assert "removed_paragraphs:domain_repeated" in text and "site.example=10" in text
    card = (out / "report.html").read_text(encoding="utf-8")
    assert '<section id="rules">' in card and "site.example" in card


def test_keys():
    assert paragraph_key("  © 2023  Site\nMedia ") == paragraph_key("© 2024 SITE media") == "© 0 site media"
    assert domain_of("https://WWW.Site.example:8080/x") == "site.example"
    assert domain_of(None) is None and domain_of("not a url") is None


def test_shop_furniture_goes_on_a_real_crawl(warc_dir, tmp_path):
    # 29 captured pages of one Japanese shop (resiliparse's ClueWeb quirk file)
    recipe = parse_recipe({
        "input": {"paths": [str(warc_dir / "resiliparse" / "clueweb-quirk.warc.gz")]},
        "output": {"dir": str(tmp_path / "out")},
        "steps": ["url_dedup", "exact_dedup", {"domain_repeated_paragraphs": {"partitions": 4}}],
        "executor": {"workers": 1},
    })
    summary = run_recipe(recipe, progress=False)
    counts = summary.stats["steps"]["domain_repeated_paragraphs"]
    assert counts["reduce:domains"] == 1 and counts["reduce:removals@uraharajuku.st"] >= 100
    rows = pq.read_table(tmp_path / "out" / "corpus").to_pylist()
    texts = [[t for t in row["texts"] if t] for row in rows]
    assert len(rows) >= 5 and all(texts)
    footer = "■会社名：株式会社イーブランド"
    assert not any(t.startswith(footer) or t == "アイテム詳細情報" for doc in texts for t in doc)
