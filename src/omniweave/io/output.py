"""Writing a run's files safely: atomic JSON, and Parquet shards published only when complete.

All paths go through fsspec, so a run directory may be local or on an object store. Files are
written under a temporary name and renamed into place; a task publishes its shards first and its
completion marker last, so a crash leaves either a completed task or nothing that counts.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
from fsspec.core import url_to_fs

# rows held before they go to Parquet (one row group per flush): a worker holds them twice while writing
# (Python rows and their Arrow table), so few enough that a task's output never dominates its memory
FLUSH_ROWS = 128
# Parquet's dictionary encoding pays off for repeated values; a document's texts, URLs and ids are
# unique, and its hash tables are ~3 MB of a worker's peak: shards are written without (smaller, too)
USE_DICTIONARY = False


def filesystem(root: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """(filesystem, path inside it) for a local path or fsspec URL."""
    fs, path = url_to_fs(root)
    return fs, path.rstrip("/")


def _tmp_name(path: str) -> str:
    head, _, tail = path.rpartition("/")
    return f"{head}/.tmp-{uuid.uuid4().hex[:12]}-{tail}"


def write_json_atomic(fs: fsspec.AbstractFileSystem, path: str, data: Any) -> None:
    fs.makedirs(path.rpartition("/")[0], exist_ok=True)
    tmp = _tmp_name(path) + ".part"  # not *.json: a writer killed mid-way leaves nothing a marker glob reads
    try:
        with fs.open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False, default=str, sort_keys=False)
        fs.mv(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            fs.rm(tmp)
        raise


def remove_temporary_files(fs: fsspec.AbstractFileSystem, root: str) -> int:
    """Remove the ``.tmp-*`` files a failed or interrupted run left below ``root``; returns how many."""
    leftovers = fs.glob(f"{root}/**/.tmp-*")
    for path in leftovers:
        with contextlib.suppress(OSError):
            fs.rm(path)
    return len(leftovers)


def read_json(fs: fsspec.AbstractFileSystem, path: str) -> Any:
    with fs.open(path, "r", encoding="utf-8") as fh:
        return json.load(fh)


class ShardWriter:
    """Rows into ``<dir>/<name>-NNNNN.parquet`` parts of at most ``max_rows`` rows each.

    Parts are written under temporary names; :meth:`commit` renames them into place and returns
    their paths; :meth:`abort` removes them. Leftover parts of an earlier attempt of the same task
    are removed before writing, so a retried task never doubles rows.
    """

    def __init__(
        self,
        fs: fsspec.AbstractFileSystem,
        directory: str,
        name: str,
        schema: pa.Schema,
        *,
        max_rows: int = 10_000,
        compression: str = "zstd",
    ) -> None:
        self.fs, self.dir, self.name, self.schema = fs, directory, name, schema
        self.max_rows, self.compression = max_rows, compression
        self.rows_written = 0
        self._parts: list[tuple[str, str]] = []  # (tmp, final)
        self._writer: pq.ParquetWriter | None = None
        self._file: Any = None
        self._rows_in_part = 0
        self._tables: list[pa.Table] = []  # rows held as Arrow (written by write_table), before _buffer's
        self._buffer: list[dict[str, Any]] = []
        self._held = 0  # rows held in both
        fs.makedirs(directory, exist_ok=True)
        for stale in fs.glob(f"{directory}/{name}-*.parquet"):
            fs.rm(stale)

    def write(self, row: dict[str, Any]) -> None:
        self._buffer.append(row)
        self._held += 1
        if self._held >= FLUSH_ROWS:
            self._flush()

    def write_table(self, table: pa.Table) -> None:
        """Rows already in Arrow (of this writer's schema): written as :meth:`write` would write them
        one by one, in the same row groups and parts."""
        if self._buffer:
            self._tables.append(pa.Table.from_pylist(self._buffer, schema=self.schema))
            self._buffer = []
        self._tables.append(table)
        self._held += table.num_rows
        if self._held >= FLUSH_ROWS:
            self._flush(whole_groups=True)

    def _flush(self, whole_groups: bool = False) -> None:
        """Write the rows held, one row group per ``FLUSH_ROWS`` rows written (and at each part's end);
        with ``whole_groups``, the rows past the last full group stay held."""
        if self._buffer:
            self._tables.append(pa.Table.from_pylist(self._buffer, schema=self.schema))
            self._buffer = []
        if not self._tables:
            return
        table = self._tables[0] if len(self._tables) == 1 else pa.concat_tables(self._tables)
        done = 0
        while done < table.num_rows:
            if self._writer is None:
                final = f"{self.dir}/{self.name}-{len(self._parts):05d}.parquet"
                tmp = _tmp_name(final)
                self._file = self.fs.open(tmp, "wb")
                self._writer = pq.ParquetWriter(self._file, self.schema, compression=self.compression,
                                                 use_dictionary=USE_DICTIONARY)
                self._parts.append((tmp, final))
                self._rows_in_part = 0
            take = min(self.max_rows - self._rows_in_part, FLUSH_ROWS - self.rows_written % FLUSH_ROWS,
                       table.num_rows - done)
            if whole_groups and take < FLUSH_ROWS - self.rows_written % FLUSH_ROWS and take == table.num_rows - done:
                break  # a group not full yet: held for the next rows
            self._writer.write_table(table.slice(done, take))
            done += take
            self._rows_in_part += take
            self.rows_written += take
            if self._rows_in_part >= self.max_rows:
                self._close_part()
        self._tables = [table.slice(done)] if done < table.num_rows else []
        self._held = table.num_rows - done

    def _close_part(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._file.close()
            self._writer, self._file = None, None

    def commit(self) -> list[str]:
        """Publish all parts; returns their final paths (none when no row was written)."""
        self._flush()
        self._close_part()
        for tmp, final in self._parts:
            self.fs.mv(tmp, final)
        return [final for _, final in self._parts]

    def abort(self) -> None:
        """Remove every part written so far (also after a failed write: the disk may be full)."""
        self._buffer.clear()
        self._tables.clear()
        self._held = 0
        try:
            self._close_part()
        except Exception:  # noqa: BLE001 (the part is removed below either way)
            self._writer, self._file = None, None
        for tmp, _ in self._parts:
            if self.fs.exists(tmp):
                self.fs.rm(tmp)
        self._parts.clear()
