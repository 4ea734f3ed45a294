"""A later pass on Arrow rows: when every step of the last pass decides on rows (:class:`TableStep`,
e.g. a dedup's apply), the shards the pass before wrote go from reader to writer as Arrow batches.

What gets written is what the pass on documents writes: the same rows in the same row groups, each
row's carried word count taken out of its metadata (:func:`restore_word_count`), the same counters and
the same data card distributions. Only a row a step drops, or one whose word count was not carried,
is made a document.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pyarrow as pa

from omniweave.document import Document
from omniweave.io.arrow_columns import validity
from omniweave.io.output import ShardWriter
from omniweave.layout import GENERAL_METADATA, row_to_document
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.distributions import WORD_COUNT_KEY, Distributions, restore_word_count
from omniweave.pipeline.step import Step, TableStep

_CARRIED = json.dumps(WORD_COUNT_KEY)  # how the key shows in a row's metadata JSON
BATCH_ROWS = 32  # rows read at a time: 128 (a row group) lifts the English run's second pass peak by ~3 MB


def table_steps(steps: list[Step], plan_steps: list[tuple[int, str]], index: int, last: bool, limit: int | None,
                inputs_are_shards: bool) -> list[TableStep] | None:
    """The steps of a pass if it can run on Arrow rows (the last pass of a run of several, reading
    whole shards of the run's own, with no ``output.limit``, every step a :class:`TableStep` applying
    its decisions); else None."""
    if index == 0 or not last or limit is not None or not inputs_are_shards:
        return None
    chosen = [steps[i] for i, mode in plan_steps if mode == "run"]
    if len(chosen) < len(plan_steps) or not all(isinstance(s, TableStep) for s in chosen):
        return None
    return chosen  # type: ignore[return-value]


def document_of(table: pa.Table, i: int) -> Document:
    """Row ``i`` as the pass on documents reads it (its carried word count restored)."""
    doc = row_to_document(table.slice(i, 1).to_pylist()[0])
    restore_word_count(doc)
    return doc


def run_table_pass(batches: Callable[[], Any], steps: list[TableStep], ctx: TaskContext, read_label: str,
                   writer: ShardWriter, distributions: Distributions, progress: Callable[[int], None]) -> dict[str, float]:
    """Filter every batch of ``batches()`` through ``steps`` into ``writer``, adding the rows kept to
    ``distributions``; returns the seconds of reading and of each step (as the pass on documents)."""
    counts = ctx.counts(read_label)
    seconds = dict.fromkeys([read_label, *(s.label for s in steps)], 0.0)  # type: ignore[attr-defined]
    batch_iter = iter(batches())
    while True:
        start = time.perf_counter()
        batch = next(batch_iter, None)
        if batch is None:
            seconds[read_label] += time.perf_counter() - start
            break
        table, words = _restored(pa.Table.from_batches([batch]))
        counts["document_rows"] += table.num_rows
        counts["documents"] += table.num_rows
        seconds[read_label] += time.perf_counter() - start
        ids = table.column("id")
        for step in steps:
            start = time.perf_counter()
            table = step.run_table(table, ctx, document_of)
            seconds[step.label] += time.perf_counter() - start  # type: ignore[attr-defined]
        if table.num_rows < len(ids):
            kept = set(table.column("id").to_pylist())
            words = [w for doc_id, w in zip(ids.to_pylist(), words) if doc_id in kept]
        _add_distributions(distributions, table, words)
        writer.write_table(table)
        progress(table.num_rows)
    return {label: round(s, 4) for label, s in seconds.items()}


def _restored(table: pa.Table) -> tuple[pa.Table, list[int | None]]:
    """The rows with the carried word counts out of their metadata, and those counts (None: not carried)."""
    general = table.column("general_metadata").combine_chunks()
    extras = general.field("extra").to_pylist()
    words: list[int | None] = [None] * len(extras)
    changed = False
    for i, extra in enumerate(extras):
        if extra is None or _CARRIED not in extra:
            continue
        values = json.loads(extra)
        count = values.pop(WORD_COUNT_KEY, None)
        words[i] = count if isinstance(count, int) else None
        extras[i] = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str) if values else None
        changed = True
    if not changed:
        return table, words
    fields = [general.field(f.name) if f.name != "extra" else pa.array(extras, pa.string()) for f in GENERAL_METADATA]
    mask = pa.array(~validity(general)) if general.null_count else None
    rebuilt = pa.StructArray.from_arrays(fields, fields=list(GENERAL_METADATA), mask=mask)
    return table.set_column(table.schema.get_field_index("general_metadata"), "general_metadata", rebuilt), words


def _add_distributions(distributions: Distributions, table: pa.Table, words: list[int | None]) -> None:
    """Add each row as :meth:`Distributions.add` adds its document."""
    general = table.column("general_metadata").combine_chunks()
    domains, languages = general.field("domain").to_pylist(), general.field("language").to_pylist()  # as written
    images = table.column("images").to_pylist()
    metadata = table.column("metadata").combine_chunks()
    offsets = metadata.offsets.to_numpy()
    meta = metadata.values
    valid = validity(meta)
    formats, widths, heights = (meta.field(name).to_pylist() for name in ("format", "width", "height"))
    for i, row_images in enumerate(images):
        count = words[i]
        if count is None:
            count = document_of(table, i).analysis.word_count
        values = []
        first, end = int(offsets[i]), int(offsets[i + 1])
        for j, url in enumerate(row_images or ()):
            if url is None:
                continue
            k = first + j
            values.append((formats[k], widths[k], heights[k]) if k < end and valid[k] else (None, None, None))
        distributions.add_values(count, values, languages[i], domains[i])

