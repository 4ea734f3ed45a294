"""The fetcher against a real HTTP server on 127.0.0.1: files, faults, SSRF, robots, resume."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from image_server import ImageServer
from omniweave.images.decode import decode_image, sniff_format
from omniweave.images.fetch import FetchParams, parse_retry_after, x_robots_forbids
from omniweave.images.partition import PartitionJob, run_partition
from omniweave.images.ssrf import AddressPolicy, BlockedAddress
from omniweave.images.store import StoreReader, load_index, needs_fetch
from omniweave.io.output import filesystem

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IMAGES = DATA / "images"

FAST = dict(connect_timeout=0.5, read_timeout=0.5, total_timeout=0.5, retries=1, backoff=0.02,
            max_retry_after=1.0, max_bytes=3_000_000, per_host_rate=1000.0)


def png_bomb(side: int = 20_000) -> bytes:
    """A valid 1-bit PNG of side x side zero pixels: ~50 KB on disk, side² pixels decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    comp, row = zlib.compressobj(9), bytes(1 + side // 8)
    idat = b"".join(comp.compress(row * 100) for _ in range(side // 100)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def server():
    with ImageServer(IMAGES) as srv:
        yield srv


# path on the server -> (status, error code) expected after one run
CASES = {
    "img/scikit-image-samples/astronaut.png": ("ok", None),
    "gzip/scikit-image-samples/rocket.jpg": ("ok", None),
    "flaky/sharp-fixtures/320x240.jpg": ("ok", None),  # 500, then 200
    "ratelimit/0/sharp-fixtures/concert.jpg": ("ok", None),  # 429 Retry-After: 0, then 200
    "ratelimit/3600/sharp-fixtures/flowers.jpeg": ("error", "http_429"),  # longer than we wait
    "status/404": ("error", "http_404"),
    "drip": ("error", "timeout"),
    "endless": ("error", "too_large"),
    "loop/a": ("error", "redirect_loop"),
    "redirect?to=http://169.254.169.254/latest/meta-data/": ("error", "blocked"),
    "html-as-jpeg": ("error", "not_image"),
    "img/scikit-image-samples/truncated.jpg": ("error", "undecodable"),
    "img/sharp-fixtures/truncated.jpg": ("error", "undecodable"),
    "img/imagededup-ukbench/mixed_images/ukbench09268_corrupt.jpg": ("error", "not_image"),  # header destroyed
    "private/scikit-image-samples/camera.png": ("error", "robots_disallowed"),
    "noai/scikit-image-samples/camera.png": ("error", "x_robots_tag"),
    "bytes/bomb.png": ("error", "too_many_pixels"),
}
RETRYABLE = {"http_429", "timeout"}


@pytest.fixture(scope="module")
def first_run(server, tmp_path_factory):
    store = str(tmp_path_factory.mktemp("store"))
    server.add_bytes("bomb.png", png_bomb())
    urls = [server.url(p) for p in CASES] + ["ftp://127.0.0.1/a.jpg", "file:///etc/passwd"]
    params = FetchParams(allow_networks=["127.0.0.1/32"], **FAST)
    counts = run_partition(PartitionJob(0, store, urls, fetch=params))
    return store, urls, params, counts


def test_every_url_ends_with_the_expected_status(server, first_run):
    store, urls, _, counts = first_run
    index = load_index(*filesystem(store))
    assert set(index) == set(urls)
    for path, (status, error) in CASES.items():
        row = index[server.url(path)]
        assert (row["status"], row["error"]) == (status, error), path
        assert row["retryable"] == (error in RETRYABLE), path
    for url in ("ftp://127.0.0.1/a.jpg", "file:///etc/passwd"):
        assert index[url]["error"] == "blocked"
    assert sum(counts.values()) == len(urls)
    assert server.hits["/flaky/sharp-fixtures/320x240.jpg"] == 2
    assert server.hits["/ratelimit/3600/sharp-fixtures/flowers.jpeg"] == 1  # no retry when told to wait an hour
    assert server.hits["/status/404"] == 1  # permanent errors are not retried
    assert server.hits["/drip"] == 2  # timeouts are


def test_stored_bytes_and_metadata(server, first_run):
    store, *_ = first_run
    fs, root = filesystem(store)
    row = load_index(fs, root)[server.url("img/scikit-image-samples/astronaut.png")]
    with StoreReader() as reader:
        data = reader.read(store, row["shard"], row["member"])
    assert data == (IMAGES / "scikit-image-samples/astronaut.png").read_bytes()
    assert (row["width"], row["height"], row["format"], row["bytes"]) == (512, 512, "PNG", len(data))
    assert row["member"] == row["key"] + ".png" and row["shard"].startswith("shards/p00000-")
    gz = load_index(fs, root)[server.url("gzip/scikit-image-samples/rocket.jpg")]
    assert gz["bytes"] == (IMAGES / "scikit-image-samples/rocket.jpg").stat().st_size  # content-encoding undone


def test_rerun_fetches_only_retryable_failures(server, first_run):
    store, urls, params, _ = first_run
    fs, root = filesystem(store)
    before = server.hits.copy()
    again = [u for u in urls if needs_fetch(load_index(fs, root).get(u))]
    assert sorted(again) == sorted(server.url(p) for p, (_, e) in CASES.items() if e in RETRYABLE)
    run_partition(PartitionJob(0, store, again, fetch=params))
    changed = {p for p in server.hits if server.hits[p] != before[p]}
    assert changed <= {"/robots.txt", "/drip", "/ratelimit/3600/sharp-fixtures/flowers.jpeg"}
    # the 429 URL was asked once more and now succeeds: its latest row wins
    assert load_index(fs, root)[server.url("ratelimit/3600/sharp-fixtures/flowers.jpeg")]["status"] == "ok"


def test_loopback_refused_without_allow_list(server, tmp_path):
    before = sum(server.hits.values())
    urls = [server.url("img/sharp-fixtures/320x240.jpg"), server.url("img/x.jpg").replace("127.0.0.1", "localhost"),
            server.url("img/y.jpg").replace("127.0.0.1", "2130706433")]  # 127.0.0.1 as one integer
    run_partition(PartitionJob(0, str(tmp_path), urls, fetch=FetchParams(**FAST)))
    index = load_index(*filesystem(str(tmp_path)))
    assert [index[u]["error"] for u in urls] == ["blocked", "blocked", "invalid_url"]  # aiohttp refuses the last
    assert "resolves only to refused addresses" in index[urls[1]]["detail"]
    assert sum(server.hits.values()) == before  # nothing reached the server


def test_aliases_of_one_server_share_its_politeness(tmp_path):
    with ImageServer(IMAGES, latency=0.05) as srv:
        port = srv.base.rsplit(":", 1)[1]
        aliases = [f"http://{h}:{port}" for h in ("127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "LOCALHOST")]
        urls = [f"{aliases[i % 4]}/img/sharp-fixtures/320x240.jpg?n={i}" for i in range(12)]
        params = FetchParams(allow_networks=["127.0.0.1/32"], per_host_concurrency=1, **FAST)
        counts = run_partition(PartitionJob(0, str(tmp_path), urls, fetch=params))
        assert counts == {"http:ok": 12}
        assert srv.max_in_flight == 1  # four host names, one server: one request at a time


def test_address_policy():
    policy = AddressPolicy(["10.1.0.0/16"])
    for refused in ("127.0.0.1", "169.254.169.254", "10.0.0.1", "192.168.1.1", "172.16.0.1", "::1", "fe80::1",
                    "224.0.0.1", "0.0.0.0", "240.0.0.1", "100.64.0.1", "::ffff:127.0.0.1", "fc00::1"):
        assert not policy.allowed(refused), refused
    for allowed in ("8.8.8.8", "10.1.2.3", "2606:4700::1111"):
        assert policy.allowed(allowed), allowed
    for url in ("gopher://x/", "http://[::1]/", "http://169.254.169.254/", "http:///nohost"):
        with pytest.raises(BlockedAddress):
            policy.check_url(url)


def test_header_parsing():
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
    assert x_robots_forbids(["noindex", "otherbot: noai"]) and x_robots_forbids(["NoImageAI"])
    assert not x_robots_forbids(["noindex, nofollow"])


def test_decode_rejects_bomb_before_allocating():
    bomb = png_bomb()
    assert len(bomb) < 200_000 and sniff_format(bomb) == "PNG"
    with pytest.raises(Exception) as exc:
        decode_image(bomb, max_pixels=50_000_000)
    assert exc.value.code == "too_many_pixels"
