"""One base for every step that removes text or image nodes from the documents it keeps.

A subclass says, per node, keep (None) or a reason (:meth:`NodeRemovalStep.judge_node`), or edits a
whole document itself (:meth:`NodeRemovalStep.remove`: merging, splitting, removing lines). The
base then, per document:

- keeps the positions the document records (``clip_score``'s assignments and matrix) pointing
  at the same nodes (:func:`omniweave.node_positions.follow_removal`), whatever the step order;
- counts each removal (``removed_paragraphs:<reason>``, or the step's ``counter``, and
  ``removed_images:<reason>``) and hands it to the task (written with ``keep_dropped``: text to
  ``dropped_paragraphs``, images to ``dropped_images``);
- drops a document left without nodes (``empty_after_<step>``), or left without an image when
  the step's ``imageless`` parameter says ``drop`` (``all_images_removed``; ``no_image`` for a
  document that had none, for steps that require images), else asks :meth:`check_document`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

from omniweave import counters
from omniweave.document import Document, ImageNode, Node, TextNode
from omniweave.node_positions import follow_removal
from omniweave.pipeline.step import Step

if TYPE_CHECKING:
    from omniweave.pipeline.context import TaskContext

Removal = tuple[Node | str, str]  # a removed node (or a piece of a text node's text) and why


class NodeRemovalStep(Step):
    """Removes nodes from documents (see the module docstring)."""

    counter: ClassVar[str] = counters.REMOVED_PARAGRAPHS
    requires_images: ClassVar[bool] = False  # with ``imageless: drop``, also drop documents that had none

    def judge_node(self, doc: Document, index: int, node: Node) -> str | None:
        """Why ``doc.nodes[index]`` is removed (None: kept). Only nodes :meth:`looks_at` are judged."""
        return None

    def looks_at(self, doc: Document, index: int, node: Node) -> bool:
        """Whether :meth:`judge_node` is asked about this node (others are kept)."""
        return True

    def remove(self, doc: Document) -> list[Removal]:
        """Remove nodes from ``doc`` in place; returns what was removed, with reasons."""
        kept: list[Node] = []
        removed: list[Removal] = []
        for i, node in enumerate(doc.nodes):
            reason = self.judge_node(doc, i, node) if self.looks_at(doc, i, node) else None
            if reason is None:
                kept.append(node)
            else:
                removed.append((node, reason))
        if removed:
            doc.nodes = kept
        return removed

    def document_verdict(self, doc: Document) -> tuple[str, str | None] | None:
        """A reason (and detail) to drop the whole document before its nodes are looked at."""
        return None

    def counts_as_image(self, node: ImageNode) -> bool:
        """Whether a remaining image keeps the document from being imageless."""
        return True

    def check_document(self, doc: Document) -> bool | str:
        """Document-level decision after removal: True or a drop reason."""
        return True

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        counts = self.counts = ctx.counts(self.label)  # also for subclasses' own counters
        for doc in docs:
            counts["in"] += 1
            whole = self.document_verdict(doc)
            if whole is not None:
                self.decide(doc, whole[0], counts, ctx, detail=whole[1])
                continue
            before = doc.nodes
            had_images = any(isinstance(n, ImageNode) for n in before)
            removed = self.remove(doc)
            if doc.nodes is not before:
                follow_removal(doc, before)
            for what, reason in removed:
                self._record(doc, what, reason, counts, ctx)
            if self.decide(doc, self._verdict(doc, had_images), counts, ctx):
                yield doc

    def _record(self, doc: Document, what: Node | str, reason: str, counts: Counter[str], ctx: TaskContext) -> None:
        if isinstance(what, ImageNode):
            counts[counters.removed_images(reason)] += 1
            ctx.drop_image(doc, self.label, reason, what)
        else:
            counts[counters.key(self.counter, reason)] += 1
            ctx.drop_paragraph(doc, self.label, reason, what.text if isinstance(what, TextNode) else what)

    def _verdict(self, doc: Document, had_images: bool) -> bool | str:
        if not doc.nodes:
            return f"empty_after_{self.name}"
        if getattr(self.params, "imageless", "keep") == "drop" and (had_images or self.requires_images) and not any(
                isinstance(n, ImageNode) and self.counts_as_image(n) for n in doc.nodes):
            return "all_images_removed" if had_images else "no_image"
        return self.check_document(doc)
