"""README's demo: the sample crawl the project writes itself, through examples/sample.yaml."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyarrow.parquet as pq

from omniweave.pipeline.recipe import load_recipe
from omniweave.run import run_recipe

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_sample_crawl_runs_end_to_end(tmp_path):
    spec = importlib.util.spec_from_file_location("make_sample_crawl", EXAMPLES / "make_sample_crawl.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    warc = module.make_sample_crawl(tmp_path / "sample.warc.gz")
    recipe = load_recipe(EXAMPLES / "sample.yaml", {"input.paths": [str(warc)], "output.dir": str(tmp_path / "out")})
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    steps = summary.stats["steps"]
    assert steps["read"]["html_records"] == 7 and steps["read"]["image_records"] == 6
    assert steps["read"]["html_status_301"] == steps["read"]["html_status_404"] == 1
    assert steps["url_dedup"]["dropped:url_duplicate"] == 1
    assert steps["minhash_dedup"]["dropped:near_duplicate"] == 1
    assert steps["domain_repeated_paragraphs"]["removed_paragraphs:domain_repeated"] >= 3  # the newsletter blurb
    rows = pq.read_table(tmp_path / "out" / "corpus").to_pylist()
    urls = {r["general_metadata"]["url"] for r in rows}
    assert "http://sample.omniweave.test/tide-pools.html?utm_source=feed" in urls  # the newer capture is kept
    assert {r["general_metadata"]["language"] for r in rows} == {"en", "zh"}
    blurb = {r["general_metadata"]["url"] for r in rows if any("Sample Notes sends" in (t or "") for t in r["texts"])}
    assert blurb == {"http://mirror.omniweave.test/recipes/sourdough"}  # one page of another site: not boilerplate
    images = [m for r in rows for m in r["metadata"] if m is not None]
    assert images and all(m["width"] >= 150 and m["sha256"] for m in images)  # bytes came from the WARC
    assert (tmp_path / "out" / "report.html").stat().st_size > 10_000
