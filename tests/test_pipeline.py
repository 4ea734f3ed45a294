"""End-to-end runs of the pipeline over the real WARC files, resumption, and recipe validation."""

from __future__ import annotations

import json

import polars as pl
import pyarrow.parquet as pq
import pytest

from omniweave.io.output import FLUSH_ROWS
from omniweave.layout import SCHEMA
from omniweave.pipeline.recipe import RecipeError, load_recipe, parse_recipe
from omniweave.run import run_recipe


def _recipe(inputs, out, workers=2, steps=None, **output):
    return parse_recipe({
        "input": {"paths": [str(p) for p in inputs]},
        "output": {"dir": str(out), **output},
        "steps": steps if steps is not None else [{"text_length": {"min_chars": 1}}],
        "executor": {"workers": workers},
    })


def _manifest_html_total(warc_dir) -> int:
    rows = [json.loads(line) for line in (warc_dir / "manifest.jsonl").open()]
    return sum(r["html_200_responses"] for r in rows) + 1  # + the page warcio cannot read (see test_warc_reader)


def test_run_over_all_shared_warcs(warc_dir, tmp_path):
    summary = run_recipe(_recipe([warc_dir], tmp_path / "out", keep_dropped=True), progress=False)
    assert summary.ok
    read = summary.stats["funnel"][0]
    assert read["step"] == "read" and read["in"] == _manifest_html_total(warc_dir)
    assert summary.stats["steps"]["read"]["image_records"] == 324
    corpus = pq.read_table(tmp_path / "out" / "corpus")
    assert corpus.schema.equals(SCHEMA)
    assert corpus.num_rows == summary.documents_out == read["out"] - sum(summary.stats["funnel"][1]["dropped"].values())
    assert len(set(corpus["id"].to_pylist())) == corpus.num_rows
    frame = pl.read_parquet(tmp_path / "out" / "corpus" / "*.parquet")  # polars reads it as is
    assert frame.height == corpus.num_rows
    images = pq.read_table(tmp_path / "out" / "images" / "warc_index")
    assert images.num_rows == 324
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    assert stats["tasks"] == {"completed": 30, "failed": 0}  # manifest.jsonl beside the WARCs is no input
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["status"] == "completed" and run["inputs"] == 30


def test_a_rerun_does_nothing_twice(warc_dir, tmp_path):
    recipe = _recipe([warc_dir / "dolma", warc_dir / "jwarc"], tmp_path / "out", workers=1,
                     steps=[{"text_length": {"min_chars": 1}}, "exact_dedup"])
    first = run_recipe(recipe, progress=False)
    files = sorted(p.name for p in (tmp_path / "out" / "corpus").iterdir())
    second = run_recipe(recipe, progress=False)
    assert first.documents_out == second.documents_out == 23
    assert sorted(p.name for p in (tmp_path / "out" / "corpus").iterdir()) == files
    assert json.loads((tmp_path / "out" / "run.json").read_text())["resumed"] == 1


def test_shards_are_small_row_groups_without_dictionaries(warc_dir, tmp_path):
    """Shards hold row groups of at most FLUSH_ROWS rows, plainly encoded (a document's values are
    unique), and the later pass reads every row of them."""
    out = tmp_path / "out"
    summary = run_recipe(_recipe([warc_dir / "dolma", warc_dir / "jwarc"], out, workers=1,
                                 steps=[{"text_length": {"min_chars": 1}}, "exact_dedup"]), progress=False)
    shards = sorted(out.glob("stages/pass-00/shards/*.parquet")) + sorted(out.glob("corpus/*.parquet"))
    assert shards and summary.ok
    for path in shards:
        meta = pq.ParquetFile(path).metadata
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            assert group.num_rows <= FLUSH_ROWS
            assert not any(group.column(c).has_dictionary_page for c in range(group.num_columns))
    shard_rows = sum(pq.ParquetFile(p).metadata.num_rows for p in out.glob("stages/pass-00/shards/*.parquet"))
    assert summary.stats["steps"]["read@pass-01"]["document_rows"] == shard_rows == 23


def test_exact_duplicates_across_shards_keep_the_newest(warc_dir, tmp_path):
    # the same ARC and WARC crawl (same pages, same dates) + the Common Crawl page twice under two names
    (tmp_path / "in").mkdir()
    for name in ("a", "b"):
        (tmp_path / "in" / f"{name}.warc.gz").symlink_to(warc_dir / "commoncrawl-whirlwind" / "whirlwind.warc.gz")
    recipe = _recipe([tmp_path / "in"], tmp_path / "out", steps=["exact_dedup"], keep_dropped=True)
    summary = run_recipe(recipe, progress=False)
    assert summary.documents_out == 1
    dropped = pq.read_table(tmp_path / "out" / "stages" / "pass-01" / "dropped").to_pylist()
    kept = pq.read_table(tmp_path / "out" / "corpus").to_pylist()
    assert len(dropped) == 1 and dropped[0]["drop_reason"] == "exact_duplicate"
    assert dropped[0]["drop_detail"] == f"kept {kept[0]['id']}"


def test_the_output_folder_refuses_another_recipe(warc_dir, tmp_path):
    run_recipe(_recipe([warc_dir / "jwarc"], tmp_path / "out", workers=1), progress=False)
    with pytest.raises(RecipeError, match="different recipe"):
        run_recipe(_recipe([warc_dir / "dolma"], tmp_path / "out", workers=1), progress=False)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"input": {"paths": ["x"]}, "output": {"dir": "o"}, "stepz": []}, "stepz"),
        ({"input": {"paths": ["x"]}, "output": {"dir": "o"}, "steps": [{"text_lenght": {}}]}, "did you mean 'text_length'"),
        ({"input": {"paths": ["x"]}, "output": {"dir": "o"}, "steps": [{"text_length": {"min_char": 3}}]}, r"steps\[0\].text_length.min_char"),
        ({"input": {"paths": ["x"]}, "output": {"dir": "o"}, "steps": [{"text_length": {"min_chars": "many"}}]}, "min_chars"),
        ({"input": {"paths": ["x"], "format": "pdf"}, "output": {"dir": "o"}}, "input.format"),
        ({"input": {"paths": []}, "output": {"dir": "o"}}, "input.paths"),
        ({"input": {"paths": ["x"]}}, "output"),
        ({"input": {"paths": ["x"]}, "output": {"dir": "o"}, "executor": {"workers": 0}}, "executor.workers"),
    ],
)
def test_recipe_errors_name_the_key(data, message):
    with pytest.raises(RecipeError, match=message):
        parse_recipe(data)


def test_recipe_file_errors(tmp_path):
    with pytest.raises(RecipeError, match="not found"):
        load_recipe(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [unclosed\n")
    with pytest.raises(RecipeError, match="not valid YAML"):
        load_recipe(bad)
    good = tmp_path / "good.yaml"
    good.write_text("input: {paths: [a]}\noutput: {dir: o}\n")
    assert load_recipe(good, {"executor.workers": 3, "output.dir": "p"}).executor.workers == 3
