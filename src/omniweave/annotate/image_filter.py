"""The ``image_score_filter`` step: remove images by their model scores, drop documents left without one.

Reads the per-image scores that ``clip_score`` wrote (``unsafe_prob``, ``aesthetic_prob``,
``clip_similarity``). A removed image is counted as ``removed_images:<reason>`` (``unsafe``,
``aesthetic``, ``clip_similarity``, ``unscored``); a document whose images are all removed is
dropped (``dropped:all_images_removed``) unless ``imageless: keep``. An image that lacks a score
a threshold needs is kept or removed as ``unscored`` says; it is never given a default score.
Removing nodes shifts positions, so ``assigned_text_index`` and ``metadata["clip"]`` (positions
and matrix rows) are rewritten to match the document that is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

from pydantic import Field, model_validator

from omniweave import counters
from omniweave.annotate.assign import decode_matrix, encode_matrix
from omniweave.document import Document, ImageNode
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.step import Step, StepParams


class ImageScoreFilterParams(StepParams):
    max_unsafe_prob: float | None = Field(None, ge=0, le=1, description="remove images scored above")
    min_aesthetic_prob: float | None = Field(None, ge=0, le=1, description="remove images scored below")
    min_clip_similarity: float | None = Field(None, ge=-1, le=1, description="remove images scored below")
    unscored: Literal["keep", "remove"] = Field("keep", description="images missing a score a threshold needs")
    imageless: Literal["drop", "keep"] = "drop"

    @model_validator(mode="after")
    def _a_threshold(self) -> ImageScoreFilterParams:
        if self.max_unsafe_prob is None and self.min_aesthetic_prob is None and self.min_clip_similarity is None:
            raise ValueError("set at least one of max_unsafe_prob, min_aesthetic_prob, min_clip_similarity")
        return self


class ImageScoreFilter(Step):
    """Remove images whose scores fail the thresholds (see the module docstring)."""

    name = "image_score_filter"
    Params = ImageScoreFilterParams
    params: ImageScoreFilterParams

    def reason(self, node: ImageNode) -> str | None:
        """Why ``node`` is removed (None: kept)."""
        p = self.params
        checks = (("unsafe_prob", p.max_unsafe_prob, "unsafe", lambda v, t: v > t),
                  ("aesthetic_prob", p.min_aesthetic_prob, "aesthetic", lambda v, t: v < t),
                  ("clip_similarity", p.min_clip_similarity, "clip_similarity", lambda v, t: v < t))
        for key, threshold, why, fails in checks:
            if threshold is None:
                continue
            value = node.extra.get(key)
            if value is None:
                if p.unscored == "remove":
                    return "unscored"
            elif fails(float(value), threshold):
                return why
        return None

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        counts = ctx.counts(self.label)
        for doc in docs:
            counts["in"] += 1
            nodes, moved, had_images, kept_images = [], {}, False, 0
            for pos, node in enumerate(doc.nodes):
                if isinstance(node, ImageNode):
                    had_images = True
                    why = self.reason(node)
                    if why is not None:
                        counts[counters.removed_images(why)] += 1
                        continue
                    kept_images += 1
                moved[pos] = len(nodes)
                nodes.append(node)
            if len(nodes) < len(doc.nodes):
                doc.nodes = nodes
                reindex(doc, moved)
            dropped = had_images and not kept_images and self.params.imageless == "drop"
            if self.decide(doc, "all_images_removed" if dropped else True, counts, ctx):
                yield doc


def reindex(doc: Document, moved: dict[int, int]) -> None:
    """Rewrite the positions ``clip_score`` recorded after nodes were removed (``moved``: old -> new)."""
    for node in doc.images:
        old = node.extra.get("assigned_text_index")
        if old is not None:
            node.extra["assigned_text_index"] = moved[old]
    clip = doc.metadata.get("clip")
    if not isinstance(clip, dict) or "images" not in clip:
        return
    rows = [i for i, pos in enumerate(clip["images"]) if pos in moved]
    clip["images"] = [moved[clip["images"][i]] for i in rows]
    clip["texts"] = [moved[pos] for pos in clip["texts"]]
    if "similarity" in clip:
        clip["similarity"] = encode_matrix(decode_matrix(clip["similarity"])[rows])
