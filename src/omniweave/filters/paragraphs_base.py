"""Base for steps that remove text nodes (or lines of them) from documents they keep.

Each removed piece is counted as ``<counter>:<reason>`` (``removed_paragraphs`` by default) and
handed to ``ctx.drop_paragraph``. A caption that belongs to an image (a ``caption`` node right
before or after an image) is never touched, so an image never loses its caption while staying.
A document left without any node is dropped as ``empty_after_<step name>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, field_validator

from omniweave import counters
from omniweave.document import TEXT_KINDS, Document, ImageNode, Node, TextNode
from omniweave.pipeline.step import Step, StepParams

if TYPE_CHECKING:
    from omniweave.pipeline.context import TaskContext

DEFAULT_KINDS = ["paragraph", "list_item", "quote", "heading"]


class ParagraphParams(StepParams):
    kinds: list[str] = Field(default_factory=lambda: list(DEFAULT_KINDS), description="text kinds the rules look at")

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(TEXT_KINDS))
        if unknown:
            raise ValueError(f"unknown text kind(s) {unknown}; known: {', '.join(TEXT_KINDS)}")
        return value


def is_image_caption(nodes: list[Node], i: int) -> bool:
    """True when ``nodes[i]`` is a caption node next to an image."""
    node = nodes[i]
    if not isinstance(node, TextNode) or node.kind != "caption":
        return False
    return any(0 <= j < len(nodes) and isinstance(nodes[j], ImageNode) for j in (i - 1, i + 1))


class ParagraphStep(Step):
    """Removes text nodes judged noise; subclasses implement :meth:`judge` (or :meth:`edit`)."""

    counter: ClassVar[str] = counters.REMOVED_PARAGRAPHS

    def judge(self, doc: Document, node: TextNode) -> str | None:
        """A reason to remove the whole node, or None to keep it."""
        raise NotImplementedError

    def edit(self, doc: Document, node: TextNode) -> tuple[str, list[tuple[str, str]]]:
        """The node's new text ('' removes it) and the removed pieces as (text, reason)."""
        reason = self.judge(doc, node)
        return ("", [(node.text, reason)]) if reason else (node.text, [])

    def check_document(self, doc: Document) -> bool | str:
        """Document-level decision after removal: True or a drop reason."""
        return True

    def clean(self, doc: Document) -> list[tuple[str, str]]:
        """Remove noise from ``doc`` in place; returns the removed (text, reason) pieces."""
        kinds = set(self.params.kinds)
        kept: list[Node] = []
        removed_all: list[tuple[str, str]] = []
        for i, node in enumerate(doc.nodes):
            if not isinstance(node, TextNode) or node.kind not in kinds or is_image_caption(doc.nodes, i):
                kept.append(node)
                continue
            text, removed = self.edit(doc, node)
            removed_all.extend(removed)
            if text.strip():
                kept.append(node if text == node.text else TextNode(text, node.kind))
        doc.nodes = kept
        return removed_all

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        counts = ctx.counts(self.label)
        for doc in docs:
            counts["in"] += 1
            for text, reason in self.clean(doc):
                counts[counters.key(self.counter, reason)] += 1
                ctx.drop_paragraph(doc, self.label, reason, text)
            verdict = self.check_document(doc) if doc.nodes else f"empty_after_{self.name}"
            if self.decide(doc, verdict, counts, ctx):
                yield doc
