"""Crafted hostile inputs for the hardening tests: WARC records with broken headers, decompression
bombs built without inflating them in memory, and a helper that measures a child's peak RSS."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from pathlib import Path

MiB = 2**20
PAGE_BODY = b"<html><body><p>" + b"A plain sentence of ordinary words for the reader. " * 20 + b"</p></body></html>"


def http_response(body: bytes = PAGE_BODY, status_line: bytes = b"HTTP/1.1 200 OK",
                  content_type: bytes = b"text/html; charset=utf-8") -> bytes:
    return (status_line + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: "
            + str(len(body)).encode() + b"\r\n\r\n" + body)


def warc_record(uri: str | None, block: bytes, *, content_length: bytes | None = None,
                record_type: str = "response", record_id: str = "1") -> bytes:
    """One uncompressed WARC record; ``content_length`` overrides the true length (to break it)."""
    head = [b"WARC/1.0", b"WARC-Type: " + record_type.encode(),
            b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-%012d>" % int(record_id),
            b"WARC-Date: 2024-01-01T00:00:00Z"]
    if uri is not None:
        head.append(b"WARC-Target-URI: " + uri.encode())
    head.append(b"Content-Type: application/http; msgtype=response")
    head.append(b"Content-Length: " + (str(len(block)).encode() if content_length is None else content_length))
    return b"\r\n".join(head) + b"\r\n\r\n" + block + b"\r\n\r\n"


def write_warc(path: Path, records: list[bytes]) -> Path:
    """A .warc.gz with one gzip member per record (or plain when the name ends in .warc)."""
    data = b"".join(gzip.compress(r) for r in records) if path.name.endswith(".gz") else b"".join(records)
    path.write_bytes(data)
    return path


def gzip_bomb(prefix: bytes, filler: bytes, total: int, suffix: bytes = b"") -> bytes:
    """One gzip member that inflates to ``prefix + filler-repeated (total bytes) + suffix``, built
    from one compressed block repeated (full flushes make blocks independent), so building a
    1 GiB bomb costs ~1 MB of memory and well under a second."""
    chunk = (filler * (MiB // len(filler) + 1))[:MiB]
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = co.compress(prefix) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    n = total // MiB
    last = co.compress(suffix) + co.flush(zlib.Z_FINISH)
    crc = zlib.crc32(prefix)
    chunk_crc_state = crc
    for _ in range(n):
        chunk_crc_state = zlib.crc32(chunk, chunk_crc_state)
    crc = zlib.crc32(suffix, chunk_crc_state)
    size = len(prefix) + n * MiB + len(suffix)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = (crc & 0xFFFFFFFF).to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
    return header + first + block * n + last + trailer


def warc_with_bomb_tail(path: Path, inflated: int = 2**30) -> Path:
    """A small .warc.gz whose last record inflates to ``inflated`` bytes (an image body of zeros)."""
    ok = gzip.compress(warc_record("http://example.com/a", http_response()))
    http_head = b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: %d\r\n\r\n" % inflated
    warc_head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.com/big.png\r\n"
                 b"WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000009>\r\n"
                 b"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
                 b"Content-Length: %d\r\n\r\n" % (len(http_head) + inflated))
    path.write_bytes(ok + gzip_bomb(warc_head + http_head, b"\0", inflated, b"\r\n\r\n"))
    return path


def jsonl_gz_with_giant_line(path: Path, inflated: int = 2**30) -> Path:
    """A small .jsonl.gz: one good row, then one line of ``inflated`` bytes, then one good row."""
    good = json.dumps({"id": "a", "url": "http://example.com/", "nodes": [{"type": "text", "text": "hello"}]})
    path.write_bytes(gzip_bomb((good + "\n" + '{"text": "').encode(), b"a", inflated, ('"}\n' + good + "\n").encode()))
    return path


_LAUNCHER = """
import resource, subprocess, sys
proc = subprocess.run([sys.executable, "-c", sys.argv[1]], capture_output=True, text=True)
sys.stdout.write(proc.stdout)
sys.stderr.write(proc.stderr)
print("PEAK_RSS_KB=%d" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(proc.returncode)
"""


def peak_rss_mb(code: str, env: dict[str, str] | None = None, timeout: float = 300) -> tuple[float, str]:
    """Run ``code`` in a fresh Python and return (its peak RSS in MB, its stdout).

    Linux carries a process's peak RSS across fork and exec, so the code runs as the child of a
    small launcher (whose peak is a few MB), not of this process (which may hold a lot), and the
    launcher reports ``getrusage(RUSAGE_CHILDREN)``.
    """
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, code], capture_output=True, text=True, timeout=timeout,
                          env=env)
    if proc.returncode != 0:
        raise AssertionError(f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("PEAK_RSS_KB=")][-1]
    return int(line.split("=", 1)[1]) / 1024, proc.stdout
