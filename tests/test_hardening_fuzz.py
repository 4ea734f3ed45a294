"""Fuzzing the WARC reader with the shared WARC files: random truncations, byte flips and header
edits (fixed seed). Reading never raises; every record FastWARC finds in the damaged file is
accounted for (a page read or skipped under a reason, an image, a non-200 page, or another record);
and a cut that loses pages is a counted read error. (An edit that makes a page look like another
kind of record, e.g. a changed Content-Type, is not detectable and is counted as what it says.)"""

from __future__ import annotations

import io
import json
import random
import re
import zlib
from collections import Counter
from pathlib import Path

import pytest
from fastwarc.warc import ArchiveIterator

from omniweave.io.inputs import InputFile
from omniweave.readers import read_input
from omniweave.pipeline.stats import funnel_rows

SEED = 23
HEADER_EDITS = [
    (rb"Content-Length: \d+", [b"Content-Length: -5", b"Content-Length: abc", b"Content-Length: 99999999",
                               b"Content-Length: 3"]),
    (rb"WARC-Target-URI: [^\r\n]*\r\n", [b"", b"WARC-Target-URI: javascript:void(0)\r\n"]),
    (rb"HTTP/1\.[01] ", [b"HTTPX/1.1 ", b"HTTP/1.1 abc "]),
    (rb"WARC-Type: \w+", [b"WARC-Type: bogus"]),
    (rb"Content-Type: [^\r\n]*", [b"Content-Type: text/html", b"Content-Type: image/png"]),
]


def _members(data: bytes) -> list[bytes] | None:
    """The gzip members of a .gz file, inflated (None when it is not whole gzip)."""
    out, pos = [], 0
    while pos < len(data):
        d = zlib.decompressobj(31)
        try:
            out.append(d.decompress(data[pos:]))
        except zlib.error:
            return None
        if not d.eof:
            return None
        pos = len(data) - len(d.unused_data)
    return out


def _edit_header(data: bytes, rng: random.Random) -> bytes:
    pattern, replacements = rng.choice(HEADER_EDITS)
    members = _members(data) if data[:2] == b"\x1f\x8b" else None
    parts = members if members is not None else [data]
    candidates = [(i, m) for i, part in enumerate(parts) for m in re.finditer(pattern, part)]
    if not candidates:
        return data
    i, match = rng.choice(candidates)
    parts[i] = parts[i][: match.start()] + rng.choice(replacements) + parts[i][match.end():]
    if members is None:
        return parts[0]
    return b"".join(zlib.compress(p, wbits=31) for p in parts)


def _mutations(data: bytes, rng: random.Random) -> list[tuple[str, bytes]]:
    cut = rng.randrange(1, len(data))
    flipped = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        flipped[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return [(f"truncated at {cut}", data[:cut]), ("bytes flipped", bytes(flipped)),
            ("header edited", _edit_header(data, rng)), ("header edited twice", _edit_header(_edit_header(data, rng), rng))]


def _records_fastwarc_finds(data: bytes) -> int:
    n = 0
    try:
        for _ in ArchiveIterator(io.BytesIO(data), parse_http=False, quirks_mode=True, auto_decode="none"):
            n += 1
    except Exception:  # noqa: BLE001 (counting what is there, however it ends)
        pass
    return n


def _shared_warcs(warc_dir: Path) -> list[str]:
    return [json.loads(line)["file"] for line in (warc_dir / "manifest.jsonl").open()]


def test_damaged_warcs_are_read_or_counted_never_raised(warc_dir, tmp_path):
    rng = random.Random(SEED)
    checked = 0
    for name in _shared_warcs(warc_dir):
        data = (warc_dir / name).read_bytes()
        for what, damaged in _mutations(data, rng):
            path = tmp_path / Path(name).name
            path.write_bytes(damaged)
            counts: Counter[str] = Counter()
            fmt = "arc" if ".arc" in name else "warc"
            docs = list(read_input(InputFile(str(path), fmt, len(damaged), path.name), counts, max_html_bytes=5_000_000))
            where = f"{name} ({what})"
            [row] = funnel_rows({"read": counts}, ["read"])
            assert row["in"] == row["out"] + sum(row["dropped"].values()) == len(docs) + sum(row["dropped"].values()), where
            if fmt == "warc":
                accounted = sum(v for k, v in counts.items() if k in (
                    "html_records", "image_records", "other_records", "bad_records") or k.startswith("html_status_"))
                found = _records_fastwarc_finds(damaged)
                # the record a file breaks in is the read error's (it names its offset)
                assert found - counts["read_errors"] <= accounted <= found, (where, found, dict(counts))
            if what.startswith("truncated") and _fewer_pages_than(counts, name, warc_dir):
                assert counts["read_errors"] == 1, (where, dict(counts))  # a cut never passes unnoticed
            checked += 1
    assert checked == 4 * 30


def _fewer_pages_than(counts: Counter[str], name: str, warc_dir: Path) -> bool:
    """Whether fewer pages were found than the undamaged file holds (then a loss must be counted)."""
    entry = next(json.loads(line) for line in (warc_dir / "manifest.jsonl").open() if json.loads(line)["file"] == name)
    found = counts["html_records"] + sum(v for k, v in counts.items() if k.startswith("html_status_"))
    return found < entry["html_200_responses"]


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes_named_warc_are_a_counted_read_error(tmp_path, seed):
    rng = random.Random(seed)
    path = tmp_path / "random.warc.gz"
    path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 5000))))
    counts: Counter[str] = Counter()
    assert list(read_input(InputFile(str(path), "warc", path.stat().st_size, path.name), counts, max_html_bytes=10**6)) == []
    assert counts["read_errors"] == 1
