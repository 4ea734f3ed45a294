"""A big gzip WARC (or Parquet or JSONL file) is read as several tasks of byte ranges: the same documents,
ids and image records as one task, spread over the workers."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

from omniweave.pipeline.recipe import parse_recipe
from omniweave.layout import document_to_row
from omniweave.run import run_recipe


def _run(inputs, out, split_bytes, workers):
    recipe = parse_recipe({
        "input": {"paths": [str(p) for p in inputs], "split_bytes": split_bytes},
        "output": {"dir": str(out)},
        "steps": [{"text_length": {"min_chars": 1}}],
        "executor": {"workers": workers},
    })
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    return summary


def _rows(out):
    table = pq.read_table(out / "corpus", columns=["id", "texts", "general_metadata"]).to_pylist()
    return sorted(table, key=lambda r: r["id"])


def _image_index(out):
    return sorted(json.dumps(r, default=str) for r in pq.read_table(out / "images" / "warc_index").to_pylist())


def test_one_warc_split_over_two_workers_gives_the_documents_of_one_task(warc_dir, tmp_path):
    warc = warc_dir / "dolma" / "sample-0000.warc.gz"
    images = warc_dir / "ukwa-webarchive-test-suite" / "sopa-wikipedia-homepage.warc.gz"
    whole = _run([warc, images], tmp_path / "whole", None, 1)
    split = _run([warc, images], tmp_path / "split", 20_000, 2)
    assert split.documents_out == whole.documents_out >= 20
    assert _rows(tmp_path / "split") == _rows(tmp_path / "whole")  # ids, texts, source offsets and lengths
    assert _image_index(tmp_path / "split") == _image_index(tmp_path / "whole")
    assert split.stats["funnel"] == whole.stats["funnel"]

    markers = [json.loads(p.read_text()) for p in (tmp_path / "split" / "stages" / "pass-00" / "completions").iterdir()]
    ranges = [m for m in markers if "sample-0000" in m["task"]]
    assert len(ranges) == -(-warc.stat().st_size // 20_000)  # one task per 20 kB range
    # the file's documents come from several range tasks (which worker takes which range is the
    # pool's scheduling: a worker ready first may take them all)
    assert sum(1 for m in ranges if m["docs_out"]) > 1 and all("worker" in m for m in ranges)


def test_a_parquet_file_split_by_row_groups_gives_the_documents_of_one_task(tmp_path):
    import pyarrow as pa

    from omniweave.document import Document, TextNode
    from omniweave.layout import SCHEMA

    docs = [Document(id=f"doc-{i:04d}", url=f"https://x.example/{i}", nodes=[TextNode(f"text number {i} " * 20)])
            for i in range(600)]
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "docs.parquet"
    pq.write_table(pa.Table.from_pylist([document_to_row(d) for d in docs], schema=SCHEMA), path, row_group_size=50)
    size = path.stat().st_size
    whole = _run([path], tmp_path / "whole", None, 1)
    split = _run([path], tmp_path / "split", 10_000, 2)  # row groups of ~4 kB, then the footer
    assert split.documents_out == whole.documents_out == 600
    assert _rows(tmp_path / "split") == _rows(tmp_path / "whole")
    markers = [json.loads(p.read_text()) for p in (tmp_path / "split" / "stages" / "pass-00" / "completions").iterdir()]
    assert len(markers) == -(-size // 10_000) and sum(bool(m["docs_out"]) for m in markers) >= 4


def test_a_jsonl_file_split_at_lines_gives_the_documents_of_one_task(tmp_path):
    from omniweave.document import Document, TextNode
    from omniweave.layout import document_to_row

    # lines of very different lengths, a blank line and a bad row, so cuts fall anywhere in a line
    docs = [Document(id=f"doc-{i:04d}", url=f"https://x.example/{i}", nodes=[TextNode(f"text number {i} " * (1 + i % 40))])
            for i in range(400)]
    lines = [json.dumps(document_to_row(d), default=str) for d in docs]
    lines[100:100] = ["", "[1, 2]"]
    (tmp_path / "in").mkdir()
    path = tmp_path / "in" / "docs.jsonl"
    path.write_text("\n".join(lines) + "\n")
    size = path.stat().st_size
    whole = _run([path], tmp_path / "whole", None, 1)
    split = _run([path], tmp_path / "split", 20_000, 2)
    assert split.documents_out == whole.documents_out == 400
    assert _rows(tmp_path / "split") == _rows(tmp_path / "whole")
    assert split.stats["funnel"] == whole.stats["funnel"]  # the bad row counted once
    markers = [json.loads(p.read_text()) for p in (tmp_path / "split" / "stages" / "pass-00" / "completions").iterdir()]
    assert len(markers) == -(-size // 20_000) and sum(1 for m in markers if m["docs_out"]) > 1
    # resume per range: tasks whose completion is gone run again, with nothing lost or doubled
    for marker in sorted((tmp_path / "split" / "stages" / "pass-00" / "completions").iterdir())[::2]:
        marker.unlink()
    _run([path], tmp_path / "split", 20_000, 2)
    assert _rows(tmp_path / "split") == _rows(tmp_path / "whole")
