"""Base for steps that remove text nodes (or lines of them) from documents they keep.

Built on :class:`omniweave.pipeline.node_removal.NodeRemovalStep`, which counts each removed
piece as ``<counter>:<reason>`` (``removed_paragraphs`` by default), records it, keeps
recorded positions right and drops a document left without any node (``empty_after_<step>``).
A step that measures many paragraphs faster at once sets ``ahead``: it is handed that many
documents at a time (:meth:`ParagraphStep.prepare`) before the first of them is cleaned.
A caption that belongs to an image (a ``caption`` node right before or after an image) is never
touched, so an image never loses its caption while staying.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field, field_validator

from omniweave.document import TEXT_KINDS, Document, TextNode
from omniweave.filters.paragraph_rows import judged_rows, without_rows
from omniweave.pipeline.node_removal import NodeRemovalStep, Removal
from omniweave.pipeline.step import StepParams

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


class ParagraphStep(NodeRemovalStep):
    """Removes text nodes (or pieces of them) judged noise; subclasses implement :meth:`judge`
    (a reason per node) or :meth:`edit` (a node's new text), or override :meth:`clean`; the
    counter is ``removed_paragraphs`` unless a subclass sets ``counter``."""

    ahead: ClassVar[int] = 1  # documents handed to :meth:`prepare` together (1: none read ahead)

    def prepare(self, docs: list[Document]) -> None:
        """Measure at once what :meth:`clean` will ask of the next ``ahead`` documents, so that each
        numpy, pattern or segmenter call serves many documents (the answers must be those each
        document's would be alone)."""

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        """Clean the documents, ``ahead`` at a time, each batch :meth:`prepare`-d first."""
        if self.ahead <= 1:
            yield from super().run(docs, ctx)
            return
        chunks = iter(docs)
        while chunk := list(islice(chunks, self.ahead)):
            self.prepare(chunk)
            yield from super().run(chunk, ctx)

    def judge(self, doc: Document, node: TextNode) -> str | None:
        """A reason to remove the whole node, or None to keep it."""
        raise NotImplementedError

    def edit(self, doc: Document, node: TextNode) -> tuple[str, list[tuple[str, str]]]:
        """The node's new text ('' removes it) and the removed pieces as (text, reason)."""
        reason = self.judge(doc, node)
        return ("", [(node.text, reason)]) if reason else (node.text, [])

    def clean(self, doc: Document) -> list[tuple[str, str]]:
        """Remove noise from ``doc`` in place; returns the removed (text, reason) pieces."""
        nodes = list(doc.nodes)
        removed_all: list[tuple[str, str]] = []
        gone: list[int] = []
        for i in judged_rows(nodes, frozenset(self.params.kinds)):
            node: TextNode = nodes[i]  # type: ignore[assignment]
            text, removed = self.edit(doc, node)
            removed_all.extend(removed)
            if not text.strip():
                gone.append(i)
            elif text != node.text:
                nodes[i] = TextNode(text, node.kind)
        doc.nodes = without_rows(nodes, gone) if gone else nodes
        return removed_all

    def remove(self, doc: Document) -> list[Removal]:
        return list(self.clean(doc))
