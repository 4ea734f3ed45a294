"""Arrow columns read with numpy from their buffers, without ``pyarrow.compute``: that module costs
~50 ms to import, which a run's workers and its driver avoid (see :mod:`omniweave.dedup.cluster`)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa


def validity(array: pa.Array) -> np.ndarray:
    """A bool per element: not null."""
    if array.null_count == 0:
        return np.ones(len(array), bool)
    if array.type == pa.null():
        return np.zeros(len(array), bool)
    bits = np.frombuffer(array.buffers()[0], np.uint8)
    return np.unpackbits(bits, bitorder="little")[array.offset: array.offset + len(array)].astype(bool)


def keep_rows(table: pa.Table, keep: np.ndarray) -> pa.Table:
    """The rows of ``table`` where ``keep`` is True, as slices of it (no copy of a run of kept rows)."""
    if keep.all():
        return table
    edges = np.flatnonzero(np.diff(np.concatenate([[False], keep, [False]]).astype(np.int8)))
    runs = [table.slice(start, end - start) for start, end in zip(edges[::2], edges[1::2])]
    return pa.concat_tables(runs) if runs else table.slice(0, 0)
