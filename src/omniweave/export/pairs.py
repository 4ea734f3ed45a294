"""``pairs`` export: one image-text pair per image, its caption chosen by named strategies.

Strategies, tried in the order given (default: similarity, figcaption, alt, adjacent):

- ``similarity``: the text node an image matches best by a model score (CLIP, issue 9). Read from
  the image's ``extra["matched_text"]`` (index among the document's text nodes) with its score in
  ``extra["clip_similarity"]``, else from a per-document matrix ``general_metadata.extra
  ["similarity"]`` (one row per image in document order, one column per text node: the best
  column wins). The score is written in ``score``; other strategies have no score.
- ``figcaption``: the image's ``<figcaption>`` (``caption``).
- ``alt``: the image's alt text.
- ``adjacent``: the nearest text node (the one after the image first, then the one before).

Every image is written; one no strategy captions has ``strategy = "none"`` and no caption.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from omniweave.document import Document, ImageNode, TextNode
from omniweave.export.sinks import RowFormat, row_writer
from omniweave.export.source import ExportError, ExportResult
from omniweave.io.output import filesystem

STRATEGIES = ("similarity", "figcaption", "alt", "adjacent")
PAIRS_SCHEMA = pa.schema(
    [("url", pa.string()), ("caption", pa.string()), ("width", pa.int32()), ("height", pa.int32()),
     ("strategy", pa.string()), ("score", pa.float64()), ("id", pa.string()), ("position", pa.int32()),
     ("doc_url", pa.string()), ("sha256", pa.string())]
)

Caption = tuple[str, float | None]


def _clean(text: str | None) -> str | None:
    text = " ".join(text.split()) if text else ""
    return text or None


def _similarity(doc: Document, image_index: int, image: ImageNode) -> Caption | None:
    texts = doc.texts
    matched, score = image.extra.get("matched_text"), image.extra.get("clip_similarity")
    if isinstance(matched, int) and 0 <= matched < len(texts) and isinstance(score, (int, float)):
        return texts[matched].text, float(score)
    matrix = doc.metadata.get("similarity")
    if isinstance(matrix, list) and image_index < len(matrix):
        row = matrix[image_index]
        if isinstance(row, list) and row and len(row) == len(texts):
            best = max(range(len(row)), key=lambda j: row[j])
            return texts[best].text, float(row[best])
    return None


def _adjacent(doc: Document, position: int) -> Caption | None:
    nodes = doc.nodes
    for distance in range(1, len(nodes)):
        for i in (position + distance, position - distance):
            if 0 <= i < len(nodes) and isinstance(nodes[i], TextNode) and _clean(nodes[i].text):
                return nodes[i].text, None
    return None


def choose_caption(doc: Document, position: int, image_index: int, strategies: Iterable[str]) -> tuple[str, Caption | None]:
    """(strategy, (caption, score)) for the image at node ``position``; ("none", None) if none fits."""
    image = doc.nodes[position]
    assert isinstance(image, ImageNode)
    for strategy in strategies:
        if strategy == "similarity":
            found = _similarity(doc, image_index, image)
        elif strategy == "figcaption":
            found = (image.caption, None) if _clean(image.caption) else None
        elif strategy == "alt":
            found = (image.alt, None) if _clean(image.alt) else None
        else:
            found = _adjacent(doc, position)
        if found is not None:
            return strategy, (_clean(found[0]) or "", found[1])
    return "none", None


def check_strategies(strategies: list[str]) -> None:
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown or not strategies:
        raise ExportError(f"unknown pair strategies {unknown}; choose from {', '.join(STRATEGIES)}")


def pair_rows(doc: Document, strategies: list[str]) -> list[dict[str, Any]]:
    rows, image_index = [], 0
    for position, node in enumerate(doc.nodes):
        if not isinstance(node, ImageNode):
            continue
        strategy, found = choose_caption(doc, position, image_index, strategies)
        rows.append({"url": node.url, "caption": found[0] if found else None, "width": node.width,
                     "height": node.height, "strategy": strategy, "score": found[1] if found else None,
                     "id": doc.id, "position": position, "doc_url": doc.url, "sha256": node.sha256})
        image_index += 1
    return rows


def export_pairs(docs: Iterable[Document], dest: str, result: ExportResult, *, fmt: RowFormat = "parquet",
                 strategies: list[str] | None = None, max_rows: int = 100_000) -> None:
    strategies = list(strategies or STRATEGIES)
    check_strategies(strategies)
    fs, path = filesystem(dest)
    writer = row_writer(fs, path, PAIRS_SCHEMA, fmt, max_rows)
    for doc in docs:
        for row in pair_rows(doc, strategies):
            writer.write(row)
            result.counts["images"] += 1
            result.counts[f"strategy:{row['strategy']}"] += 1
    result.files = writer.commit()
