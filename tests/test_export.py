"""Exports of a real run over the shared WARCs: loaders, round trips, filters, WebDataset read-back."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from PIL import Image
from test_export_fixture import real_run
from typer.testing import CliRunner

from omniweave.cli import app
from omniweave.document import Document, ImageNode, TextNode
from omniweave.export import DocFilter, ExportError, export_run
from omniweave.export.pairs import pair_rows
from omniweave.export.source import iter_documents, word_count
from omniweave.export.text import document_text
from omniweave.layout import SCHEMA, row_to_document, table_to_documents


@pytest.fixture(scope="module")
def run() -> Path:
    return real_run()


@pytest.fixture(scope="module")
def corpus(run: Path) -> list[Document]:
    return table_to_documents(pq.read_table(run / "corpus"))


def test_interleaved_loads_in_datasets_pyarrow_and_polars(run, corpus, tmp_path):
    from datasets import load_dataset

    dest = tmp_path / "interleaved"
    result = export_run(str(run), "interleaved", str(dest))
    files = sorted(str(p) for p in dest.glob("*.parquet"))
    assert result.documents_out == len(corpus) and result.files == files
    table = pq.read_table(dest)
    assert table.schema.equals(SCHEMA) and table.num_rows == len(corpus)
    assert table_to_documents(table) == corpus  # lossless
    frame = pl.read_parquet(files)
    assert frame.height == len(corpus) and frame.columns == SCHEMA.names
    ds = load_dataset("parquet", data_files=files, split="train", cache_dir=str(tmp_path / "hf"))
    assert ds.num_rows == len(corpus) and ds.column_names == SCHEMA.names
    first = ds[0]
    assert first["id"] == corpus[0].id and first["texts"] == [n.text if isinstance(n, TextNode) else None for n in corpus[0].nodes]
    n_images = sum(x is not None for row in frame["images"].to_list() for x in row)
    assert n_images == sum(len(d.images) for d in corpus) == result.counts["images"] > 0


def test_round_trip_to_text_and_pairs_keeps_every_text_and_image(run, tmp_path):
    keep = DocFilter(min_images=1, min_words=20)
    interleaved = tmp_path / "interleaved"
    export_run(str(run), "interleaved", str(interleaved), keep)
    kept = list(iter_documents(str(interleaved)))
    assert kept and all(len(d.images) >= 1 and word_count(d) >= 20 for d in kept)
    n_texts, n_images = sum(len(d.texts) for d in kept), sum(len(d.images) for d in kept)

    text = export_run(str(interleaved), "text", str(tmp_path / "text"), image_token="<image>")
    rows = pq.read_table(tmp_path / "text").to_pylist()
    assert [r["id"] for r in rows] == [d.id for d in kept]
    for row, doc in zip(rows, kept):
        blocks = row["text"].split("\n\n")
        assert row["text"] == document_text(doc, "<image>")
        assert blocks.count("<image>") == row["n_images"] == len(doc.images)
        assert all(n.text in row["text"] for n in doc.texts)
    assert sum(r["n_texts"] for r in rows) == n_texts == text.counts["texts"]
    assert sum(r["n_images"] for r in rows) == n_images

    pairs = export_run(str(interleaved), "pairs", str(tmp_path / "pairs"))
    got = pq.read_table(tmp_path / "pairs").to_pylist()
    want = [(d.id, i, n.url, n.width, n.height) for d in kept for i, n in enumerate(d.nodes) if isinstance(n, ImageNode)]
    assert [(r["id"], r["position"], r["url"], r["width"], r["height"]) for r in got] == want
    assert len(got) == n_images == pairs.counts["images"]
    assert all(r["caption"] for r in got if r["strategy"] != "none")
    # books.toscrape: every cover's alt text is the book title
    books = [r for r in got if "books.toscrape" in (r["doc_url"] or "")]
    assert len(books) >= 15 and {r["strategy"] for r in books} == {"alt"}
    assert any(r["caption"] == "A Light in the Attic" for r in books)


def test_filters_language_images_words(run, corpus, tmp_path):
    languages = Counter(d.language for d in corpus)
    lang = languages.most_common(1)[0][0]
    cases = [
        (DocFilter(languages=[lang]), [d for d in corpus if d.language == lang]),
        (DocFilter(min_images=2), [d for d in corpus if len(d.images) >= 2]),
        (DocFilter(max_images=0), [d for d in corpus if not d.images]),
        (DocFilter(min_words=200), [d for d in corpus if word_count(d) >= 200]),
    ]
    for i, (doc_filter, want) in enumerate(cases):
        result = export_run(str(run), "interleaved", str(tmp_path / str(i)), doc_filter)
        got = [d.id for d in iter_documents(str(tmp_path / str(i)))] if result.files else []
        assert got == [d.id for d in want] and 0 < len(got) < len(corpus), doc_filter
        assert result.documents_in == len(corpus) and sum(result.skipped.values()) == len(corpus) - len(got)


def test_text_jsonl_without_placeholder(run, corpus, tmp_path):
    export_run(str(run), "text", str(tmp_path), DocFilter(), row_format="jsonl")
    rows = [json.loads(line) for p in sorted(tmp_path.glob("part-*.jsonl")) for line in p.open(encoding="utf-8")]
    assert [r["text"] for r in rows] == [d.text for d in corpus]


def _load_parquet_everywhere(files: list[str], cache: Path) -> list[dict]:
    """The rows of Parquet ``files`` as pyarrow, polars and datasets read them (all three must agree)."""
    from datasets import load_dataset

    rows = pq.read_table(files).to_pylist()
    assert pl.read_parquet(files).to_dicts() == rows
    assert load_dataset("parquet", data_files=files, split="train", cache_dir=str(cache)).to_list() == rows
    return rows


def test_text_and_pairs_load_in_datasets_pyarrow_and_polars(run, corpus, tmp_path):
    export_run(str(run), "text", str(tmp_path / "text"), image_token="<image>")
    rows = _load_parquet_everywhere(sorted(str(p) for p in (tmp_path / "text").glob("*.parquet")), tmp_path / "hf1")
    assert [(r["id"], r["text"], r["n_images"]) for r in rows] == [
        (d.id, document_text(d, "<image>"), len(d.images)) for d in corpus]
    export_run(str(run), "pairs", str(tmp_path / "pairs"))
    rows = _load_parquet_everywhere(sorted(str(p) for p in (tmp_path / "pairs").glob("*.parquet")), tmp_path / "hf2")
    assert [(r["id"], r["url"]) for r in rows] == [(d.id, n.url) for d in corpus for n in d.images]
    export_run(str(run), "text", str(tmp_path / "jsonl"), row_format="jsonl")
    frame = pl.read_ndjson(sorted(tmp_path.glob("jsonl/*.jsonl")))
    from datasets import load_dataset

    hf = load_dataset("json", data_files=sorted(str(p) for p in tmp_path.glob("jsonl/*.jsonl")), split="train",
                      cache_dir=str(tmp_path / "hf3"))
    assert frame["id"].to_list() == hf["id"] == [d.id for d in corpus]


def test_webdataset_shards_load_with_webdataset_and_datasets(run, corpus, tmp_path):
    import msgpack
    import webdataset as wds
    from datasets import load_dataset

    from omniweave.export.webdataset import hf_features

    result = export_run(str(run), "webdataset", str(tmp_path), max_samples=10)
    shards = sorted(str(p) for p in tmp_path.glob("shard-*.tar"))
    assert len(shards) == -(-len(corpus) // 10) == len(result.files)
    by_id = {d.id: d for d in corpus}
    # the webdataset package: every sample has the same two fields
    samples = list(wds.WebDataset(shards, shardshuffle=False, empty_check=False))
    assert [s["__key__"] for s in samples] == [d.id for d in corpus]
    assert {frozenset(k for k in s if not k.startswith("__")) for s in samples} == {frozenset({"json", "images.mp"})}
    n_bytes = 0
    for sample in samples:
        doc = by_id[sample["__key__"]]
        assert row_to_document(json.loads(sample["json"])) == doc
        images = msgpack.unpackb(sample["images.mp"])
        assert len(images) == len(doc.images)
        for node, data in zip(doc.images, images):
            with Image.open(io.BytesIO(data)) as im:
                assert im.size == (node.width, node.height)
            if node.extra.get("bytes") == len(data):  # stored as fetched: the body hash matches
                assert hashlib.sha256(data).hexdigest() == node.sha256
            n_bytes += 1
    assert n_bytes == sum(len(d.images) for d in corpus) == result.counts["images"] > 15
    assert not result.counts["images_without_bytes"]
    # Hugging Face: inferred types, the exact types, and the folder (its README.md carries the types)
    loaded = [
        load_dataset("webdataset", data_files=shards, split="train", cache_dir=str(tmp_path / "hf1")),
        load_dataset("webdataset", data_files=shards, split="train", features=hf_features(), cache_dir=str(tmp_path / "hf2")),
        load_dataset(str(tmp_path), split="train", cache_dir=str(tmp_path / "hf3")),
    ]
    assert loaded[1].features == loaded[2].features == hf_features()
    for ds in loaded:
        assert ds["__key__"] == [d.id for d in corpus]
        rows = ds["json"]
        assert [r["texts"] for r in rows] == [[n.text if isinstance(n, TextNode) else None for n in d.nodes] for d in corpus]
        assert [r["images"] for r in rows] == [[n.url if isinstance(n, ImageNode) else None for n in d.nodes] for d in corpus]
    i = next(j for j, d in enumerate(corpus) if d.images)  # typed: images decode as PIL images
    assert [p.size for p in loaded[2][i]["images.mp"]] == [(n.width, n.height) for n in corpus[i].images]
    # the JSON rows, as pyarrow and polars take them
    table = pa.Table.from_pylist([json.loads(s["json"]) for s in samples])
    assert table["id"].to_pylist() == pl.from_arrow(table)["id"].to_list() == [d.id for d in corpus]


def test_similarity_pairs_without_clip_scores_are_an_error(run, tmp_path):
    with pytest.raises(ExportError, match="no clip_score step"):
        export_run(str(run), "pairs", str(tmp_path / "p"), strategies=["similarity"])
    assert not (tmp_path / "p").exists()
    result = CliRunner().invoke(app, ["export", str(run), str(tmp_path / "q"), "--to", "pairs", "--strategy", "similarity"])
    assert result.exit_code == 2 and "clip_score" in result.output
    export_run(str(run), "interleaved", str(tmp_path / "i"), DocFilter(max_images=0))  # no run.json: documents are read
    with pytest.raises(ExportError, match="no clip_score step"):
        export_run(str(tmp_path / "i"), "pairs", str(tmp_path / "r"), strategies=["similarity", "alt"])
    assert export_run(str(run), "pairs", str(tmp_path / "s")).counts["images"] > 0  # the default falls back


def test_pair_strategies_on_built_documents():
    import numpy as np

    from omniweave.node_positions import encode_matrix

    doc = Document("d", "http://x/", [
        TextNode("A title", "heading"),
        ImageNode("http://x/a.jpg", alt="alt a", caption="figure a", extra={"assigned_text_index": 4, "clip_similarity": 0.31}),
        TextNode("first paragraph"),
        ImageNode("http://x/b.jpg", alt="  ", extra={"clip_similarity": 0.05}),  # left out by the assignment
        TextNode("second paragraph"),
        ImageNode("http://x/c.jpg", alt="alt c"),
    ])
    sim = np.array([[0.1, 0.2, 0.3], [0.05, 0.01, 0.0]])  # images at 1, 3 x texts at 0, 2, 4
    doc.metadata["clip"] = {"model": "m", "images": [1, 3], "texts": [0, 2, 4], "similarity": encode_matrix(sim)}
    rows = pair_rows(doc, ["similarity", "figcaption", "alt", "adjacent"])
    assert [(r["caption"], r["strategy"]) for r in rows] == [
        ("second paragraph", "similarity"), ("second paragraph", "adjacent"), ("alt c", "alt")]
    assert rows[0]["score"] == pytest.approx(0.3, abs=1e-3) and rows[1]["score"] is None
    del doc.metadata["clip"]  # written with store_matrix: false: the assigned text, no score
    assert [(r["caption"], r["score"]) for r in pair_rows(doc, ["similarity"])] == [
        ("second paragraph", None), (None, None), (None, None)]
    assert [r["strategy"] for r in pair_rows(doc, ["figcaption", "adjacent"])] == ["figcaption", "adjacent", "adjacent"]
    assert [r["strategy"] for r in pair_rows(Document("e", nodes=[ImageNode("http://x/i.png")]), ["alt", "adjacent"])] == ["none"]


def test_cli_export_and_errors(run, tmp_path):
    cli = CliRunner()
    ok = cli.invoke(app, ["export", str(run), str(tmp_path / "p"), "--to", "pairs", "--format", "jsonl", "--strategy", "alt"])
    assert ok.exit_code == 0, ok.output
    assert "pairs:" in ok.output and list((tmp_path / "p").glob("part-*.jsonl"))
    missing = cli.invoke(app, ["export", str(tmp_path / "nothing"), str(tmp_path / "x"), "--to", "text"])
    assert missing.exit_code == 2 and "no such file or folder" in missing.output
    bad = cli.invoke(app, ["export", str(run), str(tmp_path / "x"), "--to", "csv"])
    assert bad.exit_code == 2 and "unknown export format" in bad.output
    with pytest.raises(ExportError, match="unknown pair strategies"):
        export_run(str(run), "pairs", str(tmp_path / "y"), strategies=["clip"])
