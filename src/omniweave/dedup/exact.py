"""Exact deduplication on normalised text, keeping the newest capture of each text.

Map: each task writes (text hash, id, date) of its documents. Reduce: group by hash, keep the
newest (ties: smallest id), write the ids to drop with their kept twin. Apply: drop those ids.
Documents without text are never treated as duplicates here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from omniweave.document import Document
from omniweave.pipeline.context import ReduceContext, TaskContext
from omniweave.pipeline.step import GlobalStep

_WS = re.compile(r"\s+")
MAP_SCHEMA = pa.schema([("key", pa.string()), ("id", pa.string()), ("date", pa.timestamp("ms", tz="UTC"))])
DROP_FILE = "drop.parquet"


def text_key(doc: Document) -> str | None:
    """Digest of the document's text, case- and whitespace-insensitive; None when there is none."""
    text = _WS.sub(" ", doc.text).strip().lower()
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest() if text else None


class ExactDedup(GlobalStep):
    name = "exact_dedup"

    def collect(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        rows = []
        for doc in docs:
            key = text_key(doc)
            if key is not None:
                rows.append({"key": key, "id": doc.id, "date": doc.date})
            yield doc
        fs, directory = ctx.run.fs, ctx.map_dir(self.label)
        fs.makedirs(directory, exist_ok=True)
        with fs.open(f"{directory}/{ctx.task_id}.parquet", "wb") as fh:
            pq.write_table(pa.Table.from_pylist(rows, schema=MAP_SCHEMA), fh)

    def reduce(self, ctx: ReduceContext) -> dict[str, int]:
        fs = ctx.run.fs
        files = fs.glob(f"{ctx.map_dir}/*.parquet")
        table = ds.dataset(files, schema=MAP_SCHEMA, filesystem=fs, format="parquet").to_table()
        # newest first, then smallest id: the first row of each key is the one kept
        epoch = pc.fill_null(pc.cast(table["date"], pa.int64()), -(2**62))
        table = table.append_column("neg_date", pc.negate(epoch))
        table = table.sort_by([("key", "ascending"), ("neg_date", "ascending"), ("id", "ascending")])
        keys, ids = table["key"].to_pylist(), table["id"].to_pylist()
        drop_ids, kept_ids = [], []
        keeper = None
        for i, (key, doc_id) in enumerate(zip(keys, ids)):
            if i == 0 or key != keys[i - 1]:
                keeper = doc_id
            else:
                drop_ids.append(doc_id)
                kept_ids.append(keeper)
        out = pa.table({"id": drop_ids, "kept_id": kept_ids}, schema=pa.schema([("id", pa.string()), ("kept_id", pa.string())]))
        with fs.open(f"{ctx.out_dir}/{DROP_FILE}", "wb") as fh:
            pq.write_table(out, fh)
        return {"documents": len(keys), "duplicates": len(drop_ids)}

    def setup(self, ctx: TaskContext) -> None:
        path = f"{ctx.reduce_dir(self.label)}/{DROP_FILE}"
        if ctx.run.fs.exists(path):
            with ctx.run.fs.open(path, "rb") as fh:
                table = pq.read_table(fh)
            self._drop = dict(zip(table["id"].to_pylist(), table["kept_id"].to_pylist()))
        else:
            self._drop = {}

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        counts = ctx.counts(self.label)
        for doc in docs:
            counts["in"] += 1
            twin = self._drop.get(doc.id)
            if twin is None:
                counts["kept"] += 1
                yield doc
            else:
                counts["dropped:exact_duplicate"] += 1
                ctx.drop(doc, self.label, "exact_duplicate", detail=f"kept {twin}")
