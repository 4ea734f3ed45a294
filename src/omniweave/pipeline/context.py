"""What a step sees of the task it runs in: counters, the drop sink, its work folders, progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from omniweave.document import Document, ImageNode
from omniweave.io.output import ShardWriter
from omniweave.layout import SCHEMA, document_to_row
from omniweave.pipeline.rundir import RunDir

DROPPED_SCHEMA = pa.schema(
    [*SCHEMA, pa.field("drop_step", pa.string()), pa.field("drop_reason", pa.string()), pa.field("drop_detail", pa.string())]
)

DROPPED_PARAGRAPH_SCHEMA = pa.schema(
    [("id", pa.string()), ("url", pa.string()), ("drop_step", pa.string()), ("drop_reason", pa.string()), ("text", pa.string())]
)

DROPPED_IMAGE_SCHEMA = pa.schema(
    [("id", pa.string()), ("url", pa.string()), ("drop_step", pa.string()), ("drop_reason", pa.string()),
     ("image_url", pa.string()), ("alt", pa.string()), ("status", pa.string())]
)


@dataclass
class TaskContext:
    task_id: str
    pass_index: int
    run: RunDir
    stats: dict[str, Counter[str]] = field(default_factory=dict)
    dropped: ShardWriter | None = None
    dropped_paragraphs: ShardWriter | None = None
    dropped_images: ShardWriter | None = None
    progress: Callable[[int], None] = lambda n: None  # documents written (the task batches the reports)

    def counts(self, label: str) -> Counter[str]:
        """The counter of one step (created on first use; merged into stats.json)."""
        return self.stats.setdefault(label, Counter())

    def drop(self, doc: Document, step: str, reason: str, detail: str | None = None) -> None:
        """Record a dropped document (written only when the recipe keeps dropped documents);
        ``detail`` says more, e.g. which document was kept in its place."""
        if self.dropped is not None:
            self.dropped.write({**document_to_row(doc), "drop_step": step, "drop_reason": reason, "drop_detail": detail})

    def drop_paragraph(self, doc: Document, step: str, reason: str, text: str) -> None:
        """Record a text node a step removed from a kept document (written with keep_dropped)."""
        if self.dropped_paragraphs is not None:
            self.dropped_paragraphs.write({"id": doc.id, "url": doc.url, "drop_step": step, "drop_reason": reason, "text": text})

    def drop_image(self, doc: Document, step: str, reason: str, node: ImageNode) -> None:
        """Record an image node a step removed from a kept document (written with keep_dropped)."""
        if self.dropped_images is not None:
            self.dropped_images.write({"id": doc.id, "url": doc.url, "drop_step": step, "drop_reason": reason,
                                       "image_url": node.url, "alt": node.alt, "status": node.extra.get("status")})

    def map_dir(self, label: str) -> str:
        """Folder for a global step's per-task map output in this pass."""
        return self.run.global_map(self.pass_index, label)

    def reduce_dir(self, label: str, pass_index: int | None = None) -> str:
        """Folder holding a global step's reduced decision files (written after ``pass_index``)."""
        return self.run.global_reduce(self.pass_index - 1 if pass_index is None else pass_index, label)


def _serial_map(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    return [fn(x) for x in items]


@dataclass
class ReduceContext:
    """What a global step's reduce gets: its map files, its output folder, and ``map`` to run
    independent pieces in parallel on whatever executor runs the pipeline (threads or Ray tasks)."""

    label: str
    run: RunDir
    map_dir: str
    out_dir: str
    workers: int = 1
    map: Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]] = _serial_map
