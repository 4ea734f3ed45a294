"""Row sinks for exports: Parquet or JSONL parts of at most ``max_rows`` rows, published atomically."""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

import fsspec
import pyarrow as pa

from omniweave.io.output import ShardWriter

RowFormat = Literal["parquet", "jsonl"]


class JsonlWriter:
    """JSONL parts ``<dir>/<name>-NNNNN.jsonl``, each written under a temporary name, then renamed."""

    def __init__(self, fs: fsspec.AbstractFileSystem, directory: str, name: str, max_rows: int) -> None:
        self.fs, self.dir, self.name, self.max_rows = fs, directory, name, max_rows
        self.rows_written = 0
        self._tmp: list[tuple[str, str]] = []
        self._fh: Any = None
        self._in_part = 0
        fs.makedirs(directory, exist_ok=True)
        for stale in fs.glob(f"{directory}/{name}-*.jsonl"):
            fs.rm(stale)

    def write(self, row: dict[str, Any]) -> None:
        if self._fh is None:
            final = f"{self.dir}/{self.name}-{len(self._tmp):05d}.jsonl"
            tmp = f"{self.dir}/.tmp-{uuid.uuid4().hex[:12]}-{self.name}.jsonl"
            self._tmp.append((tmp, final))
            self._fh, self._in_part = self.fs.open(tmp, "w", encoding="utf-8"), 0
        self._fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        self._in_part += 1
        self.rows_written += 1
        if self._in_part >= self.max_rows:
            self._fh.close()
            self._fh = None

    def commit(self) -> list[str]:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        for tmp, final in self._tmp:
            self.fs.mv(tmp, final)
        return [final for _, final in self._tmp]


def row_writer(fs: fsspec.AbstractFileSystem, directory: str, schema: pa.Schema, fmt: RowFormat,
               max_rows: int) -> ShardWriter | JsonlWriter:
    """A Parquet (``schema``) or JSONL writer of ``part-NNNNN`` files in ``directory``."""
    if fmt == "parquet":
        return ShardWriter(fs, directory, "part", schema, max_rows=max_rows)
    return JsonlWriter(fs, directory, "part", max_rows)
