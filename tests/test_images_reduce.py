"""The images reduce in partitions: renditions on two hosts that fall in different partitions give
the same documents, statuses and counts as one partition, and every URL is fetched once a run."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from image_server import ImageServer
from omniweave.images.partition import partition_of
from omniweave.layout import table_to_documents
from omniweave.pipeline.recipe import parse_recipe
from test_images_renditions import IMAGES, page, run_recipe, warc_record  # run_recipe: wherever the tree keeps it

A, B, C = (f"img/scikit-image-samples/{name}.png" for name in ("chelsea", "coffee", "astronaut"))
FETCH = {"connect_timeout": 1.0, "read_timeout": 1.0, "total_timeout": 2.0, "retries": 0, "per_host_rate": 1000.0,
         "allow_networks": ["127.0.0.0/8"]}
PARTITIONS = 8


def _run(tmp_path: Path, name: str, partitions: int, one: ImageServer, two: ImageServer) -> tuple[dict, list]:
    x = f'<img src="{two.url(B)}" srcset="{one.url("status/404")} 2x">'  # falls back to the other host
    y = f'<img src="{one.url(A)}">'
    z = f'<img src="{one.url(C)}" srcset="{two.url("status/410")} 2x">'  # and the other way round
    w = f'<img src="{two.url(B)}">'  # the URL X ends with, as an image of its own
    pages = [[x, y], [x, y], [x, z], [x, z], [y, w]]
    warc = b"".join(warc_record(f"https://example.org/city/{i}", "text/html", page("".join(imgs)))
                    for i, imgs in enumerate(pages))
    (tmp_path / name / "in").mkdir(parents=True)
    (tmp_path / name / "in" / "crawl.warc.gz").write_bytes(warc)
    recipe = parse_recipe({
        "input": {"paths": [str(tmp_path / name / "in")]},
        "output": {"dir": str(tmp_path / name / "out")},
        "steps": [{"images": {"sources": ["http"], "fetch": FETCH, "filter": {"min_side": 100},
                              "partitions": partitions}}],
        "executor": {"workers": 2},
    })
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    assert not (tmp_path / name / "out/stages/pass-00/global/images/reduce/rounds").exists()  # cleaned up
    return summary.stats["steps"]["images"], table_to_documents(pq.read_table(tmp_path / name / "out/corpus"))


def _images(docs: list) -> list[tuple]:
    """(document, URL used, what the step filled in) of every image, but where it was stored
    (shards are named after the partition and a random id); documents by URL (ids follow the input path)."""
    out = []
    for doc in docs:
        for im in doc.images:
            extra = {k: v for k, v in im.extra.items() if k != "store"}
            out.append((doc.url, im.url, im.sha256, im.phash, repr(sorted(extra.items()))))
    return sorted(out)


def test_renditions_across_partitions_equal_one_partition_and_each_url_is_fetched_once(tmp_path):
    results = {}
    with ImageServer(IMAGES, host="127.0.0.1") as one, ImageServer(IMAGES, host="127.0.0.2") as two:
        assert partition_of(one.url(A), PARTITIONS) != partition_of(two.url(B), PARTITIONS)
        for name, partitions in (("single", 1), ("partitioned", PARTITIONS)):
            one.hits.clear()
            two.hits.clear()
            stats, docs = _run(tmp_path, name, partitions, one, two)
            hits = {**{f"1{p}": n for p, n in one.hits.items() if p != "/robots.txt"},
                    **{f"2{p}": n for p, n in two.hits.items() if p != "/robots.txt"}}
            assert hits == {f"1/{A}": 1, "1/status/404": 1, f"1/{C}": 1, f"2/{B}": 1, "2/status/410": 1}
            results[name] = stats, _images(docs)
    (stats, images), (stats_p, images_p) = results["single"], results["partitioned"]
    assert stats == stats_p and images == images_p
    assert stats["reduce:alternate_rendition"] == 2 and stats["reduce:urls"] == 4
    assert stats["reduce:http:http_404"] == stats["reduce:http:http_410"] == 1 and stats["reduce:http:ok"] == 3
    assert len(images) == 10
    docs_of = {}
    for doc_url, url, *_ in images:
        docs_of.setdefault(url, set()).add(doc_url)
    assert {url: len(ids) for url, ids in docs_of.items()} == {one.url(A): 3, one.url(C): 2, two.url(B): 5}
    doc_counts = {(url, extra) for _, url, _, _, extra in images}
    for url, n in ((one.url(A), 3), (one.url(C), 2), (two.url(B), 5)):  # B: X's four documents and W's one
        assert all(f"('url_doc_count', {n})" in extra for u, extra in doc_counts if u == url)
