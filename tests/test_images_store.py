"""Reading the image store: one reader for every caller, a bounded set of open shards, the export fallbacks."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from omniweave.document import ImageNode
from omniweave.export.images import ImageStore
from omniweave.images.store import ShardSink, StoreReader, load_index
from omniweave.io.output import filesystem


def build_store(root: Path, n: int) -> list[dict]:
    """A store of ``n`` images, one shard each: their index rows in order, with the stored bytes as ``data``."""
    fs, path = filesystem(str(root))
    sink = ShardSink(fs, path, 0, max_images=1)
    data = {f"https://example.org/{i}.png": f"image {i}".encode() * 50 for i in range(n)}
    for url, body in data.items():
        sink.add({"url": url, "status": "ok", "format": "PNG"}, body)
    index = load_index(fs, path)
    return [{**index[url], "data": body} for url, body in data.items()]


def test_reads_members_and_names_what_is_missing(tmp_path):
    rows = build_store(tmp_path / "store", 3)
    root = str(tmp_path / "store")
    with StoreReader() as reader:
        for row in rows:
            assert reader.read(root, row["shard"], row["member"]) == row["data"]
        shard = rows[0]["shard"]
        with pytest.raises(FileNotFoundError, match=f"{shard}: no member nothing.png"):
            reader.read(root, shard, "nothing.png")
        with pytest.raises(FileNotFoundError):
            reader.read(root, "shards/gone.tar", "nothing.png")


def test_keeps_at_most_max_open_shards_open(tmp_path):
    rows = build_store(tmp_path / "store", 3)
    root = str(tmp_path / "store")
    with StoreReader(max_open=2) as reader:
        for row in rows:
            reader.read(root, row["shard"], row["member"])
        for row in rows:  # an open shard is still readable once its file is gone; a closed one is not
            (tmp_path / "store" / row["shard"]).unlink()
        assert reader.read(root, rows[2]["shard"], rows[2]["member"]) == rows[2]["data"]
        assert reader.read(root, rows[1]["shard"], rows[1]["member"]) == rows[1]["data"]
        with pytest.raises(FileNotFoundError):
            reader.read(root, rows[0]["shard"], rows[0]["member"])
    with pytest.raises(ValueError, match="max_open"):
        StoreReader(max_open=0)


def test_one_reader_shared_by_threads(tmp_path):
    rows = build_store(tmp_path / "store", 6)
    root = str(tmp_path / "store")
    with StoreReader(max_open=2) as reader, ThreadPoolExecutor(8) as pool:
        got = list(pool.map(lambda row: reader.read(root, row["shard"], row["member"]), rows * 50))
    assert got == [row["data"] for row in rows * 50]


def test_image_store_falls_back_to_the_runs_store_and_its_index(tmp_path):
    rows = build_store(tmp_path / "old" / "images" / "store", 2)
    shutil.move(tmp_path / "old", tmp_path / "run")  # the run folder moved: the recorded root is gone
    recorded = ImageNode(url=rows[0]["url"], extra={"store": {"root": str(tmp_path / "old" / "images" / "store"),
                                                              "shard": rows[0]["shard"], "member": rows[0]["member"]}})
    by_url = ImageNode(url=rows[1]["url"])
    with ImageStore(str(tmp_path / "run")) as store:
        assert store.get(recorded) == rows[0]["data"]
        assert store.get(by_url) == rows[1]["data"]
        assert store.get(ImageNode(url="https://example.org/never.png")) is None
        missing = ImageNode(url="x", extra={"store": {"shard": rows[0]["shard"], "member": "gone.png"}})
        assert store.get(missing) is None
    with ImageStore(None) as store:
        assert store.get(by_url) is None
