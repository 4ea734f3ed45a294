"""The ``images`` step inside real pipeline runs: WARC captures without network, HTTP with resume, counts."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq

from image_server import ImageServer
from omniweave.document import Document, ImageNode, TextNode
from omniweave.images.store import StoreReader
from omniweave.layout import document_to_row, documents_to_table, table_to_documents
from omniweave.io.output import filesystem
from omniweave.pipeline.recipe import parse_recipe
from omniweave.pipeline.rounds import part_files, read_file_part
from omniweave.run import run_recipe

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WARC = DATA / "warc"
IMAGES = DATA / "images"
FAST = {"connect_timeout": 0.5, "read_timeout": 0.5, "total_timeout": 0.5, "retries": 1, "backoff": 0.02,
        "per_host_rate": 1000.0, "allow_networks": ["127.0.0.1/32"]}


def _run(inputs, out, images, workers=1, keep_dropped=False):
    recipe = parse_recipe({
        "input": {"paths": [str(p) for p in inputs]},
        "output": {"dir": str(out), "keep_dropped": keep_dropped},
        "steps": [{"images": images}],
        "executor": {"workers": workers},
    })
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    return summary, table_to_documents(pq.read_table(out / "corpus")) if summary.documents_out else []


def test_warc_captures_used_without_any_fetch(tmp_path):
    inputs = [WARC / "node-warc/books.toscrape.warc", WARC / "servo-warc-tests"]
    params = {"sources": ["warc"], "filter": {"min_side": 100}}
    summary, docs = _run(inputs, tmp_path / "out", params, keep_dropped=True)
    stats = summary.stats["steps"]["images"]
    out = tmp_path / "out"
    fs, root = filesystem(str(out / "stages/pass-00/global/images/map"))
    pairs = [read_file_part(fs, path, None).to_pylist() for path in part_files(fs, root)]
    images = {(r["url"], *r["alternates"]) for rows in pairs for r in rows}
    urls, preferred = {u for im in images for u in im}, {im[0] for im in images}
    index = pq.read_table(out / "images/warc_index").to_pylist()
    captured = {r["url"] for r in index if r["status"] == 200} & urls
    assert stats["reduce:urls"] == len(preferred) and len(captured & preferred) >= 20
    # every captured preferred URL is read; a captured alternate only when its preferred one is not captured
    assert len(captured & preferred) <= sum(v for k, v in stats.items() if k.startswith("reduce:warc:")) <= len(captured)
    assert not any(k.startswith("reduce:http:") and k != "reduce:http:not_captured" for k in stats)  # no fetch
    assert stats.get("reduce:http:not_captured", 0) == len({im[0] for im in images if not captured & set(im)})
    truth = {r["target_uri"]: r for r in csv.DictReader((IMAGES / "web-images-from-warcs/manifest.csv").open())}
    small = {u for u in captured if truth[u]["decodable"] == "True" and min(int(truth[u]["width"]),
                                                                             int(truth[u]["height"])) < 100}
    assert stats["removed_images:min_side"] >= len(small) > 0  # counted per document occurrence
    kept = [im for d in docs for im in d.images]
    assert len(kept) == stats["images_kept"] >= 15
    with StoreReader() as reader:
        for im in kept:
            assert im.extra["status"] == "ok" and im.extra["source"] == "warc"
            row = truth[im.url]
            assert (im.width, im.height, im.format, im.extra["bytes"]) == (int(row["width"]), int(row["height"]),
                                                                            row["format"], int(row["bytes"]))
            store = im.extra["store"]
            assert len(reader.read(store["root"], store["shard"], store["member"])) == int(row["bytes"])
            assert im.extra["p_hash_dup_count"] >= 1 and im.extra["img_url_sha"] == Path(store["member"]).stem
    # the pages whose images are all gone (or that had none) are dropped with their reason
    assert stats["in"] == stats["kept"] + stats.get("dropped:no_image", 0) + stats.get("dropped:all_images_removed", 0)
    assert stats["kept"] == len(docs) >= 3
    dropped = pq.read_table(out / "stages" / "pass-01" / "dropped")
    assert set(dropped["drop_reason"].to_pylist()) <= {"no_image", "all_images_removed"}


def _docs(srv: ImageServer, other: ImageServer) -> list[Document]:
    img = lambda p: ImageNode(url=srv.url(p))  # noqa: E731
    text = TextNode("some text")
    return [
        Document("a", "http://site/a", [text, img("img/imagededup-ukbench/base_images/ukbench00120.jpg"),
                                         img("img/sharp-fixtures/2x2_fdcce6.png"), img("status/404")]),
        Document("b", "http://site/b", [text, img("img/imagededup-ukbench/mixed_images/ukbench00120.jpg"),  # same bytes
                                         img("flaky/scikit-image-samples/coffee.png")]),
        Document("c", "http://site/c", [text, img("img/imagededup-ukbench/base_images/ukbench00120.jpg"),  # same URL
                                         img("img/sharp-fixtures/big-height.webp")]),
        Document("d", "http://site/d", [text, img("drip"), img("html-as-jpeg")]),
        Document("e", "http://site/e", [text]),
        Document("f", "http://other/f", [text, ImageNode(other.url("img/scikit-image-samples/chelsea.png"))]),
    ]


def test_http_fetch_in_the_pipeline_and_resume(tmp_path):
    store = tmp_path / "store"
    fast = dict(FAST, allow_networks=["127.0.0.1/32", "127.0.0.2/32"])
    with ImageServer(IMAGES) as srv, ImageServer(IMAGES, host="127.0.0.2") as other:
        pq.write_table(documents_to_table(_docs(srv, other)), tmp_path / "docs.parquet")
        params = {"fetch": fast, "store_dir": str(store), "partitions": 4}
        # two hosts fall in two partitions, fetched by two worker processes
        summary, docs = _run([tmp_path / "docs.parquet"], tmp_path / "out1", params, workers=2)
        stats = summary.stats["steps"]["images"]
        assert {d.id for d in docs} == {"a", "b", "c", "f"}
        assert len(list((store / "index").glob("p00002-*.parquet"))) == 1
        assert stats["dropped:all_images_removed"] == 1 and stats["dropped:no_image"] == 1
        assert stats["removed_images:min_side"] == 2 and stats["removed_images:http_404"] == 1
        assert stats["removed_images:timeout"] == 1 and stats["removed_images:not_image"] == 1
        assert stats["reduce:urls"] == 9
        by_url = {im.url: im for d in docs for im in d.images}
        base = by_url[srv.url("img/imagededup-ukbench/base_images/ukbench00120.jpg")]
        assert base.extra["url_doc_count"] == 2
        assert base.extra["p_hash_dup_count"] == base.extra["d_hash_dup_count"] == 3  # a, b (other URL), c
        assert srv.hits["/flaky/scikit-image-samples/coffee.png"] == 2
        first_hits = srv.hits.copy()

        # a second run (another output folder, same store): only the retryable failure is asked again
        summary2, docs2 = _run([tmp_path / "docs.parquet"], tmp_path / "out2", params)
        assert summary2.stats["steps"]["images"]["reduce:already_stored"] == 8
        changed = {p for p in srv.hits if srv.hits[p] != first_hits[p]}
        assert changed == {"/robots.txt", "/drip"}
        assert [document_to_row(d) for d in docs2] == [document_to_row(d) for d in docs]

        # keep: documents stay as text, failed images stay with their status
        keep = dict(params, imageless="keep", keep_failed=True)
        _, docs3 = _run([tmp_path / "docs.parquet"], tmp_path / "out3", keep)
        assert len(docs3) == 6
        d = next(x for x in docs3 if x.id == "d")
        assert [im.extra["status"] for im in d.images] == ["timeout", "not_image"]
