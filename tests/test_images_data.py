"""The image facts against the shared ground truth: manifest.csv sizes/decodability/pHash, duplicate groups."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from image_server import ImageServer
from omniweave.images.decode import ImageRejected, decode_image
from omniweave.images.fetch import FetchParams
from omniweave.images.hashes import hamming, hash_groups
from omniweave.images.partition import PartitionJob, run_partition
from omniweave.images.store import load_index
from omniweave.io.output import filesystem

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IMAGES = DATA / "images"
BLANK = {"sharp-fixtures/2x2_fdcce6.png", "sharp-fixtures/full-transparent.png", "sharp-fixtures/stripesH.png",
         "sharp-fixtures/with-alpha.png", "sharp-fixtures/big-height.webp", "sharp-fixtures/16-bit-grey-alpha.png"}
# what pHash cannot find (README: Hamming distance 32-34)
PHASH_BLIND = {"imagededup-ukbench/mixed_images/ukbench00120_hflip.jpg",
               "imagededup-ukbench/mixed_images/ukbench00120_rotation.jpg"}


def manifest(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def fetched(tmp_path_factory):
    """Every standalone image fetched over HTTP into a store: file -> index row."""
    rows = manifest(IMAGES / "manifest.csv")
    store = str(tmp_path_factory.mktemp("store"))
    with ImageServer(IMAGES) as srv:
        urls = {srv.url(f"img/{r['file']}"): r["file"] for r in rows}
        params = FetchParams(allow_networks=["127.0.0.1/32"], total_timeout=5, per_host_concurrency=8,
                             per_host_rate=1000)
        run_partition(PartitionJob(0, store, list(urls), fetch=params))
    index = load_index(*filesystem(store))
    return {urls[u]: row for u, row in index.items()}


def test_standalone_images_match_manifest(fetched):
    rows = manifest(IMAGES / "manifest.csv")
    assert len(fetched) == len(rows) == 60
    for r in rows:
        got = fetched[r["file"]]
        assert (got["status"] == "ok") == (r["decodable"] == "True"), (r["file"], got["error"])
        assert got["bytes"] == int(r["bytes"]) or got["status"] != "ok"
        if got["status"] != "ok":
            continue
        w, h = int(r["width"]), int(r["height"])
        if r["exif_orientation"] in ("5", "6", "7", "8"):  # the manifest gives stored sizes, we give upright ones
            w, h = h, w
        assert (got["width"], got["height"], got["format"], got["n_frames"]) == (w, h, r["format"], int(r["n_frames"]))
        assert got["phash"] == r["phash_exif_normalised"], r["file"]


def test_web_images_from_warcs_match_manifest():
    folder = IMAGES / "web-images-from-warcs"
    rows = manifest(folder / "manifest.csv")
    assert len(rows) == 232
    for r in rows:
        try:
            got = decode_image((folder / r["file"]).read_bytes(), max_pixels=50_000_000)
        except ImageRejected as exc:
            assert r["decodable"] != "True", (r["file"], exc)
            continue
        assert r["decodable"] == "True", r["file"]
        assert (got.width, got.height, got.format, got.n_frames) == (int(r["width"]), int(r["height"]), r["format"],
                                                                      int(r["n_frames"])), r["file"]


def test_near_duplicate_groups_found(fetched):
    truth = json.loads((IMAGES / "near_duplicates.json").read_text())["groups"]
    files = sorted(f for f, row in fetched.items() if row["status"] == "ok")
    ids = hash_groups([fetched[f]["phash"] for f in files], max_distance=6)
    groups = dict(zip(files, ids, strict=True))
    grouped = set()
    for g in truth:
        members = [m for m in g["members"] if m in groups]  # undecodable copies have no hash
        findable = [m for m in members if m not in PHASH_BLIND]
        assert len({groups[m] for m in findable}) == 1, g["id"]
        for m in members:
            if m in PHASH_BLIND:
                assert groups[m] != groups[findable[0]], m
                assert hamming(fetched[m]["phash"], fetched[findable[0]]["phash"]) >= 32
        grouped |= set(members)
    # distinct pictures never share a group, except the blank/one-colour ones (all pHash 8000.../0000...)
    singles = [f for f in files if f not in grouped and f not in BLANK]
    assert len({groups[f] for f in singles}) == len(singles)
    assert not {groups[f] for f in singles} & {groups[f] for f in grouped}
