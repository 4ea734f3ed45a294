"""The document model: an ordered list of text and image nodes plus document metadata.

Conversion to and from the interleaved column layout lives in :mod:`omniweave.layout`
(``document_to_row``, ``row_to_document``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from omniweave.text.analysis import DocumentAnalysis, TextAnalysis

TEXT_KINDS: tuple[str, ...] = ("heading", "paragraph", "list_item", "table", "code", "quote", "caption")
_ANALYSIS_TYPES: tuple[type[TextAnalysis], type[DocumentAnalysis]] | None = None


def _analysis_types() -> tuple[type[TextAnalysis], type[DocumentAnalysis]]:
    """The text analysis classes, imported on first use (an import statement costs ~1 us on every
    run, and a node's analysis is made once per paragraph)."""
    global _ANALYSIS_TYPES
    if _ANALYSIS_TYPES is None:
        from omniweave.text.analysis import DocumentAnalysis, TextAnalysis

        _ANALYSIS_TYPES = (TextAnalysis, DocumentAnalysis)
    return _ANALYSIS_TYPES


@dataclass
class TextNode:
    """A block of text in reading order (paragraph, heading, list item, table as text, ...)."""

    text: str
    kind: str = "paragraph"
    _analysis: TextAnalysis | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def analysis(self) -> TextAnalysis:
        """What the text rules measure on this text, computed once (:mod:`omniweave.text.analysis`)."""
        if self._analysis is None or self._analysis.text is not self.text:
            self._analysis = _analysis_types()[0](self.text)
        return self._analysis


@dataclass
class ImageNode:
    """An image in reading order.

    ``url`` is absolute. ``declared_*`` come from the HTML; ``width``/``height``/``format`` and the
    hashes are filled by the image stage once the bytes are known. ``extra`` holds any further
    per-image fields (scores, store location, ...) and round-trips through the layout as JSON.
    """

    url: str
    alt: str | None = None
    title: str | None = None
    caption: str | None = None
    declared_width: int | None = None
    declared_height: int | None = None
    width: int | None = None
    height: int | None = None
    format: str | None = None
    sha256: str | None = None
    phash: str | None = None
    dhash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


Node = TextNode | ImageNode


@dataclass
class Source:
    """Where a document came from: enough to find the raw record again."""

    file: str | None = None  # WARC/ARC/HTML file (path or URL as given)
    offset: int | None = None  # byte offset of the record in the (compressed) file
    length: int | None = None  # record length in bytes, when known
    record_id: str | None = None  # WARC-Record-ID
    format: str | None = None  # warc | arc | html | parquet | jsonl


@dataclass
class Document:
    """One web page (or video, ...) as interleaved nodes, with its metadata."""

    id: str
    url: str | None = None
    nodes: list[Node] = field(default_factory=list)
    date: datetime | None = None  # capture date (timezone-aware, UTC)
    language: str | None = None
    language_score: float | None = None
    title: str | None = None
    source: Source = field(default_factory=Source)
    metadata: dict[str, Any] = field(default_factory=dict)
    _analysis: DocumentAnalysis | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def analysis(self) -> DocumentAnalysis:
        """What the text rules measure on the document's text, computed once while its text nodes
        stay the same (:mod:`omniweave.text.analysis`)."""
        texts = self.texts
        if self._analysis is None or not self._analysis.is_of(texts):
            self._analysis = _analysis_types()[1](texts)
        return self._analysis

    def shed_analysis(self) -> None:
        """Forget the text measures but each node's word count (what the data card reads): a step that
        holds many documents at once (a dedup batch) holds their text, not their words and arrays."""
        self._analysis = None
        for node in self.nodes:
            if isinstance(node, TextNode) and node._analysis is not None:
                node._analysis = node._analysis.counted_only()

    @property
    def texts(self) -> list[TextNode]:
        return [n for n in self.nodes if isinstance(n, TextNode)]

    @property
    def images(self) -> list[ImageNode]:
        return [n for n in self.nodes if isinstance(n, ImageNode)]

    @property
    def text(self) -> str:
        """All text nodes joined by blank lines (what text filters look at)."""
        return "\n\n".join(n.text for n in self.nodes if isinstance(n, TextNode))

    def text_head(self, limit: int) -> str:
        """``text[:limit]``, joining only the text nodes it reaches."""
        parts, size = [], -2
        for node in self.nodes:
            if isinstance(node, TextNode):
                parts.append(node.text)
                size += len(node.text) + 2  # the length of ``parts`` joined
                if size >= limit:
                    break
        return "\n\n".join(parts)[:limit]


def make_doc_id(*parts: str | int | None) -> str:
    """Stable document id: 128-bit hex digest of the identifying parts of the input record.

    Callers pass what identifies the record independently of run order and executor, e.g. the
    WARC file's base name and the WARC-Record-ID (or the record offset when there is none).
    """
    key = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
