"""The ``image_score_filter`` step: remove images by their model scores, drop documents left without one.

Reads the per-image scores that ``clip_score`` wrote (``unsafe_prob``, ``aesthetic_prob``,
``clip_similarity``). A removed image is counted as ``removed_images:<reason>`` (``unsafe``,
``aesthetic``, ``clip_similarity``, ``unscored``); a document whose images are all removed is
dropped (``dropped:all_images_removed``) unless ``imageless: keep``. An image that lacks a score
a threshold needs is kept or removed as ``unscored`` says; it is never given a default score.
The base (:mod:`omniweave.pipeline.node_removal`) removes, counts, records, rewrites the
positions ``clip_score`` recorded and drops the documents left without an image.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from omniweave.document import Document, ImageNode, Node
from omniweave.pipeline.node_removal import NodeRemovalStep
from omniweave.pipeline.step import StepParams


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


class ImageScoreFilter(NodeRemovalStep):
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

    def looks_at(self, doc: Document, index: int, node: Node) -> bool:
        return isinstance(node, ImageNode)

    def judge_node(self, doc: Document, index: int, node: Node) -> str | None:
        assert isinstance(node, ImageNode)
        return self.reason(node)
