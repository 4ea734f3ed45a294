"""A global dedup step from a key function: map writes keys, reduce clusters, apply drops.

Subclasses say which keys a document has (:meth:`KeyedDedup.doc_keys`, batched so vectorised
implementations can work on many documents at once) and the drop reason; the clustering is
:mod:`omniweave.dedup.cluster`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar

import numpy as np
import pyarrow as pa
from pydantic import Field

from omniweave.io.arrow_columns import keep_rows
from omniweave.dedup.cluster import KeepRule, KeyWriter, load_drops, reduce_clusters
from omniweave.document import Document, TextNode
from omniweave.pipeline.context import ReduceContext, TaskContext
from omniweave.pipeline.step import GlobalStep, StepParams, TableStep


class KeyedDedupParams(StepParams):
    keep: KeepRule = Field("newest", description="which document of a cluster survives (ties: smallest id)")
    partitions: int = Field(16, ge=1, le=4096, description="key partitions (independent reduce pieces)")


def text_length(doc: Document) -> int:
    return sum(len(n.text) for n in doc.nodes if isinstance(n, TextNode))


class KeyedDedup(GlobalStep, TableStep):
    """Documents sharing a key are duplicates; each cluster keeps one by ``params.keep``."""

    Params: ClassVar[type[StepParams]] = KeyedDedupParams
    reason: ClassVar[str]
    batch_docs: ClassVar[int] = 256
    batch_chars: ClassVar[int] = 4_000_000  # bounds the text a batch holds, however long documents are

    @abstractmethod
    def doc_keys(self, docs: list[Document]) -> list[np.ndarray]:
        """The uint64 keys of each document (an empty array: never a duplicate)."""

    def collect(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        params: KeyedDedupParams = self.params  # type: ignore[assignment]
        writer = KeyWriter(ctx.run.fs, ctx.map_dir(self.label), ctx.task_id, params.partitions)
        batch: list[Document] = []
        lengths: list[int] = []
        chars = 0
        for doc in docs:
            doc.shed_analysis()  # a batch holds up to batch_chars of text: not its analyses too
            batch.append(doc)
            lengths.append(text_length(doc))
            chars += lengths[-1]
            if len(batch) >= self.batch_docs or chars >= self.batch_chars:
                yield from self._flush(batch, lengths, writer)
                batch, lengths, chars = [], [], 0
        yield from self._flush(batch, lengths, writer)
        writer.close()

    def _flush(self, batch: list[Document], lengths: list[int], writer: KeyWriter) -> Iterator[Document]:
        if not batch:
            return
        for doc, length, keys in zip(batch, lengths, self.doc_keys(batch), strict=True):
            writer.add(doc.id, doc.date, length, keys)
        yield from batch

    def reduce(self, ctx: ReduceContext) -> dict[str, int]:
        params: KeyedDedupParams = self.params  # type: ignore[assignment]
        return reduce_clusters(ctx.run.fs, ctx.map_dir, ctx.out_dir, partitions=params.partitions,
                               keep=params.keep, mapper=ctx.map)

    def setup(self, ctx: TaskContext) -> None:
        self._drop = load_drops(ctx.run.fs, ctx.reduce_dir(self.label), ctx.task_id)

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        counts = ctx.counts(self.label)
        for doc in docs:
            counts["in"] += 1
            twin = self._drop.get(doc.id)
            verdict = True if twin is None else self.reason
            if self.decide(doc, verdict, counts, ctx, detail=twin and f"kept {twin}"):
                yield doc

    def run_table(self, table: pa.Table, ctx: TaskContext,
                  document: Callable[[pa.Table, int], Document]) -> pa.Table:
        counts = ctx.counts(self.label)
        keep = np.ones(table.num_rows, bool)
        for i, doc_id in enumerate(table.column("id").to_pylist()):
            counts["in"] += 1
            twin = self._drop.get(doc_id)
            if twin is None:
                counts["kept"] += 1
            else:
                keep[i] = self.decide(document(table, i), self.reason, counts, ctx, detail=twin and f"kept {twin}")
        return keep_rows(table, keep)
