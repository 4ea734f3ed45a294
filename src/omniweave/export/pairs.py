"""``pairs`` export: one image-text pair per image, its caption chosen by named strategies.

Strategies, tried in the order given (default: similarity, figcaption, alt, adjacent):

- ``similarity``: the text node the ``clip_score`` step (:mod:`omniweave.annotate.clip_step`)
  assigned to the image, MMC4-style: its node position in ``extra["assigned_text_index"]``; the
  score is that pair's cosine similarity from the stored matrix ``metadata["clip"]`` (None when the
  step ran with ``store_matrix: false``). An image the assignment left out gets no caption here.
- ``figcaption``: the image's ``<figcaption>`` (``caption``).
- ``alt``: the image's alt text.
- ``adjacent``: the nearest text node (the one after the image first, then the one before).

Every image is written; one no strategy captions has ``strategy = "none"`` and no caption.
Asking for ``similarity`` on documents the ``clip_score`` step never annotated is an
:class:`ExportError` (:func:`require_clip_scores`), not a column of empty captions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from omniweave.node_positions import decode_matrix
from omniweave.document import Document, ImageNode, TextNode
from omniweave.export.sinks import RowFormat, row_writer
from omniweave.export.source import ExportError, ExportResult, iter_documents
from omniweave.io.output import filesystem, read_json
from omniweave.pipeline.rundir import RunDir

log = logging.getLogger(__name__)

STRATEGIES = ("similarity", "figcaption", "alt", "adjacent")
PAIRS_SCHEMA = pa.schema(
    [("url", pa.string()), ("caption", pa.string()), ("width", pa.int32()), ("height", pa.int32()),
     ("strategy", pa.string()), ("score", pa.float64()), ("id", pa.string()), ("position", pa.int32()),
     ("doc_url", pa.string()), ("sha256", pa.string())]
)

Caption = tuple[str, float | None]
Similarities = tuple[list[int], list[int], np.ndarray]


def _clean(text: str | None) -> str | None:
    text = " ".join(text.split()) if text else ""
    return text or None



def clip_similarities(doc: Document) -> Similarities | None:
    """(image positions, text positions, matrix) stored by the clip_score step, or None."""
    clip = doc.metadata.get("clip")
    if not isinstance(clip, dict) or not isinstance(clip.get("similarity"), dict):
        return None
    try:
        matrix = decode_matrix(clip["similarity"])
        rows, cols = list(clip["images"]), list(clip["texts"])
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("document %s: unreadable similarity matrix: %s", doc.id, exc)
        return None
    return (rows, cols, matrix) if matrix.shape == (len(rows), len(cols)) else None


def _similarity(doc: Document, position: int, sims: Similarities | None) -> Caption | None:
    image = doc.nodes[position]
    assigned = image.extra.get("assigned_text_index") if isinstance(image, ImageNode) else None
    if not isinstance(assigned, int) or not 0 <= assigned < len(doc.nodes) or not isinstance(doc.nodes[assigned], TextNode):
        return None
    score = None
    if sims is not None and position in sims[0] and assigned in sims[1]:
        score = float(sims[2][sims[0].index(position), sims[1].index(assigned)])
    text = doc.nodes[assigned]
    return (text.text, score) if isinstance(text, TextNode) else None


def _adjacent(doc: Document, position: int) -> Caption | None:
    nodes = doc.nodes
    for distance in range(1, len(nodes)):
        for i in (position + distance, position - distance):
            node = nodes[i] if 0 <= i < len(nodes) else None
            if isinstance(node, TextNode) and _clean(node.text):
                return node.text, None
    return None


def choose_caption(doc: Document, position: int, strategies: Iterable[str],
                   sims: Similarities | None = None) -> tuple[str, Caption | None]:
    """(strategy, (caption, score)) for the image at node ``position``; ("none", None) if none fits."""
    image = doc.nodes[position]
    assert isinstance(image, ImageNode)
    for strategy in strategies:
        if strategy == "similarity":
            found = _similarity(doc, position, sims)
        elif strategy == "figcaption":
            found = (image.caption, None) if image.caption and _clean(image.caption) else None
        elif strategy == "alt":
            found = (image.alt, None) if image.alt and _clean(image.alt) else None
        else:
            found = _adjacent(doc, position)
        if found is not None:
            return strategy, (_clean(found[0]) or "", found[1])
    return "none", None


def check_strategies(strategies: list[str]) -> None:
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown or not strategies:
        raise ExportError(f"unknown pair strategies {unknown}; choose from {', '.join(STRATEGIES)}")


def _clip_in_recipe(source: str) -> bool | None:
    """Whether the run at ``source`` had a ``clip_score`` step (None: not a run folder)."""
    run = RunDir(source)
    if not run.fs.isfile(run.run_json):
        return None
    steps = (read_json(run.fs, run.run_json).get("recipe") or {}).get("steps") or []
    return any(isinstance(s, dict) and s.get("name") == "clip_score" for s in steps)


def _has_clip_scores(doc: Document) -> bool:
    return "clip" in doc.metadata or any("clip_similarity" in n.extra for n in doc.images)


def require_clip_scores(source: str) -> None:
    """Raise :class:`ExportError` when no document of ``source`` carries ``clip_score`` annotations."""
    in_recipe = _clip_in_recipe(source)
    if in_recipe or (in_recipe is None and any(_has_clip_scores(d) for d in iter_documents(source))):
        return
    raise ExportError(f"{source}: --strategy similarity needs image-text similarities, but the run has no "
                      "clip_score step; add clip_score to the recipe, or use figcaption, alt or adjacent")


def pair_rows(doc: Document, strategies: list[str]) -> list[dict[str, Any]]:
    rows = []
    sims = clip_similarities(doc) if "similarity" in strategies else None
    for position, node in enumerate(doc.nodes):
        if not isinstance(node, ImageNode):
            continue
        strategy, found = choose_caption(doc, position, strategies, sims)
        rows.append({"url": node.url, "caption": found[0] if found else None, "width": node.width,
                     "height": node.height, "strategy": strategy, "score": found[1] if found else None,
                     "id": doc.id, "position": position, "doc_url": doc.url, "sha256": node.sha256})
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
