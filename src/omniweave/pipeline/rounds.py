"""Resumable rounds of a reduce: independent pieces that read and write partitioned files.

A round is one function over a list of pieces, run through the executor's ``map`` (threads
locally, Ray tasks on Ray). A finished piece leaves ``<dir>/<round>/_done/<piece>.json`` holding
its (small, JSON) result, written after its outputs; a reduce killed mid-way and run again skips
those pieces and reruns the rest, whose outputs are rewritten whole under the same names, so
nothing is lost or doubled. The driver holds only the list of pieces and their small results.

Partitioned files are ``<dir>/<round>/p-NNNNN/s-MMMMM.parquet``: written by piece MMMMM for piece
NNNNN of the next round, so a piece reads one folder. Global steps use these rounds for their
reduce (the keyed clustering of :mod:`omniweave.dedup.cluster`, the images step).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from omniweave.io.output import read_json, write_json_atomic

MapFn = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


def serial_map(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [fn(x) for x in items]


def write_parquet_atomic(fs: fsspec.AbstractFileSystem, path: str, table: pa.Table) -> None:
    fs.makedirs(path.rpartition("/")[0], exist_ok=True)
    with fs.open(path + ".tmp", "wb") as fh:
        pq.write_table(table, fh)
    fs.mv(path + ".tmp", path)


def read_parquet(fs: fsspec.AbstractFileSystem, path: str, columns: list[str] | None = None) -> pa.Table:
    with fs.open(path, "rb") as fh:
        return pq.ParquetFile(fh).read(columns=columns)  # ~7x less overhead per file than pq.read_table


def read_folder(fs: fsspec.AbstractFileSystem, folder: str, schema: pa.Schema) -> pa.Table:
    """Every ``*.parquet`` file of a folder as one table (empty when there is none)."""
    paths = sorted(fs.glob(f"{folder}/*.parquet"))
    tables = [read_parquet(fs, p) for p in paths]
    return pa.concat_tables(tables).cast(schema) if tables else schema.empty_table()


def part_folder(directory: str, piece: int) -> str:
    return f"{directory}/p-{piece:05d}"


def write_parts(fs: fsspec.AbstractFileSystem, directory: str, source: int | str, table: pa.Table,
                dest: np.ndarray, parts: int) -> None:
    """Rows of ``table`` to the pieces ``dest`` names (one file per non-empty destination), in
    files named after the writing piece (or a given name, e.g. a map task)."""
    if table.num_rows == 0:
        return
    name = f"s-{source:05d}" if isinstance(source, int) else source
    order = np.argsort(dest, kind="stable")
    table, dest = table.take(pa.array(order)), dest[order]
    bounds = np.searchsorted(dest, np.arange(parts + 1))
    for p in np.flatnonzero(np.diff(bounds)):
        write_parquet_atomic(fs, f"{part_folder(directory, int(p))}/{name}.parquet",
                             table.slice(bounds[p], bounds[p + 1] - bounds[p]))


def run_round(fs: fsspec.AbstractFileSystem, mapper: MapFn, directory: str, fn: Callable[[int], Any],
              pieces: int) -> list[Any]:
    """``[fn(i) for i in range(pieces)]`` through ``mapper``, skipping pieces already done."""
    done_dir = f"{directory}/_done"
    done = {p.rsplit("/", 1)[-1] for p in fs.glob(f"{done_dir}/*.json")}

    def piece(i: int) -> Any:
        result = fn(i)
        write_json_atomic(fs, f"{done_dir}/{i:05d}.json", result)
        return result

    todo = [i for i in range(pieces) if f"{i:05d}.json" not in done]
    results = dict(zip(todo, mapper(piece, todo)))
    return [results[i] if i in results else read_json(fs, f"{done_dir}/{i:05d}.json") for i in range(pieces)]
