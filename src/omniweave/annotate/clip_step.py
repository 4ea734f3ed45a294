"""The ``clip_score`` step: CLIP embeddings of a document's images and texts, similarities, assignment, heads.

Runs after the ``images`` step (it reads each image's bytes from the image store through
``extra["store"]``) and best after the text filters, since it records node positions. Per image
it writes ``extra["clip_similarity"]`` (best cosine similarity to any text node of its document),
``extra["assigned_text_index"]`` (position in the document of the text node the MMC4-style
assignment gave it, see :mod:`omniweave.annotate.assign`; absent when none) and, with heads
configured, ``extra["unsafe_prob"]`` / ``extra["aesthetic_prob"]``. Per document,
``metadata["clip"]`` holds the model, the image and text positions and the similarity matrix
(base64 float16 with its shape). Images without stored bytes or that do not decode are counted
and get no score. Documents are gathered ``docs_per_batch`` at a time so images and texts of
many documents share forward passes. Counters: ``images_scored``, ``texts_scored``,
``ms_images``, ``ms_texts``, ``ms_total`` (throughput = count / ms), ``images_assigned``,
``images_without_bytes``, ``images_unreadable``, ``images_undecodable``.
"""

from __future__ import annotations

import logging
import tarfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from pydantic import Field, model_validator

from omniweave.annotate.assign import assign
from omniweave.node_positions import encode_matrix
from omniweave.annotate.clip import ClipEncoder, clip_config, load_clip
from omniweave.annotate.heads import HeadParams, ScoreHead
from omniweave.annotate.imagebytes import store_location
from omniweave.annotate.runtime import ModelParams, batched, timed
from omniweave.document import Document, ImageNode, TextNode
from omniweave.images.store import StoreReader
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.recipe import RecipeError
from omniweave.pipeline.step import Step

log = logging.getLogger(__name__)

HEAD_KEYS = {"unsafe": "unsafe_prob", "aesthetic": "aesthetic_prob"}


class ClipScoreParams(ModelParams):
    """Recipe keys of ``clip_score``."""

    model: str = Field(description="CLIP model: folder written by save_pretrained, or a hub id in the local cache")
    similarity: bool = Field(True, description="embed text nodes: similarities, matrix and assignment")
    min_similarity: float = Field(0.15, ge=-1, le=1, description="assignment floor (cosine similarity)")
    store_matrix: bool = Field(True, description="write the similarity matrix into metadata['clip']")
    text_batch_size: int = Field(256, gt=0)
    decode_threads: int = Field(4, ge=0, description="threads decoding and preprocessing images (0 or 1: none)")
    unsafe: HeadParams | None = Field(None, description="NSFW head: writes extra['unsafe_prob']")
    aesthetic: HeadParams | None = Field(None, description="aesthetic head: writes extra['aesthetic_prob']")

    @model_validator(mode="after")
    def _something_to_do(self) -> ClipScoreParams:
        if not self.similarity and self.unsafe is None and self.aesthetic is None:
            raise ValueError("similarity is off and no head (unsafe, aesthetic) is set: nothing to score")
        return self


@dataclass
class _Image:
    doc: int
    position: int
    node: ImageNode


class ClipScore(Step):
    """CLIP image-text similarity, MMC4-style assignment, and image score heads (see the module docstring)."""

    name = "clip_score"
    Params = ClipScoreParams
    params: ClipScoreParams

    def __init__(self, params: ClipScoreParams | None = None, label: str | None = None) -> None:
        super().__init__(params, label)
        p = self.params
        config = clip_config(self.label, p.model)
        self.heads: dict[str, ScoreHead] = {}
        for key, out_key in HEAD_KEYS.items():
            head_params = getattr(p, key)
            if head_params is None:
                continue
            head = ScoreHead(head_params, self.label, key)
            if head.in_dim != config.projection_dim:
                raise RecipeError(f"{self.label}.{key}.path: head takes {head.in_dim}-d embeddings, "
                                  f"{p.model!r} makes {config.projection_dim}-d ones")
            self.heads[out_key] = head

    def setup(self, ctx: TaskContext) -> None:
        p = self.params
        self.encoder: ClipEncoder = load_clip(p.model, p.device, p.half, self.label)
        self._pool = ThreadPoolExecutor(p.decode_threads) if p.decode_threads > 1 else None

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        try:
            yield from self._run(docs, ctx)
        finally:
            if self._pool is not None:
                self._pool.shutdown()

    def _run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        counts = ctx.counts(self.label)
        for batch in batched(docs, self.params.docs_per_batch):
            with timed(counts, "ms_total"):
                self._score(batch, counts)
            counts["in"] += len(batch)
            counts["kept"] += len(batch)
            yield from batch

    def _score(self, docs: list[Document], counts: Counter[str]) -> None:
        images: list[_Image] = []
        for d, doc in enumerate(docs):
            for pos, node in enumerate(doc.nodes):
                if isinstance(node, ImageNode):
                    if store_location(node) is None:
                        counts["images_without_bytes"] += 1
                    else:
                        images.append(_Image(d, pos, node))
        with timed(counts, "ms_images"):
            images, image_emb = self._embed_images(images, counts)
        for out_key, head in self.heads.items():
            probs = head(image_emb) if len(images) else []
            for im, prob in zip(images, probs):
                im.node.extra[out_key] = round(float(prob), 4)
        if not self.params.similarity:
            return
        texts = [(d, pos, node.text) for d, doc in enumerate(docs) for pos, node in enumerate(doc.nodes)
                 if isinstance(node, TextNode) and node.text.strip()]
        with timed(counts, "ms_texts"):
            text_emb = np.concatenate(
                [self.encoder.encode_texts([t for _, _, t in b]) for b in batched(texts, self.params.text_batch_size)]
                or [np.zeros((0, self.encoder.dim), np.float32)]
            )
        counts["texts_scored"] += len(texts)
        for d, doc in enumerate(docs):
            rows = [i for i, im in enumerate(images) if im.doc == d]
            cols = [j for j, t in enumerate(texts) if t[0] == d]
            if rows and cols:
                self._annotate(doc, [images[i] for i in rows], [texts[j][1] for j in cols],
                               image_emb[rows] @ text_emb[cols].T, counts)

    def _embed_images(self, images: list[_Image], counts: Counter[str]) -> tuple[list[_Image], np.ndarray]:
        """The images that decoded, and their embeddings (decoded in threads, encoded in batches)."""
        kept: list[_Image] = []
        parts: list[np.ndarray] = []
        with StoreReader() as reader:
            for chunk in batched(images, self.params.batch_size):
                blobs: list[bytes] = []
                readable = []
                for im in chunk:
                    try:
                        blobs.append(reader.read(*store_location(im.node)))  # type: ignore[misc]
                        readable.append(im)
                    except (OSError, tarfile.TarError) as exc:
                        counts["images_unreadable"] += 1
                        log.warning("%s: cannot read image %s from the store: %s", self.label, im.node.url, exc)
                pixels = []
                for im, result in zip(readable, self.encoder.prepare_many(blobs, self._pool)):
                    if isinstance(result, Exception):
                        counts["images_undecodable"] += 1
                        log.warning("%s: cannot decode image %s: %s", self.label, im.node.url, result)
                    else:
                        pixels.append(result)
                        kept.append(im)
                parts.append(self.encoder.encode_pixels(np.stack(pixels) if pixels else np.zeros((0,))))
        counts["images_scored"] += len(kept)
        return kept, np.concatenate(parts) if parts else np.zeros((0, self.encoder.dim), np.float32)

    def _annotate(self, doc: Document, images: list[_Image], text_pos: list[int], sim: np.ndarray,
                  counts: Counter[str]) -> None:
        for im, row, col in zip(images, sim, assign(sim, self.params.min_similarity)):
            im.node.extra["clip_similarity"] = round(float(row.max()), 4)
            im.node.extra.pop("assigned_text_index", None)
            if col is not None:
                im.node.extra["assigned_text_index"] = text_pos[col]
                counts["images_assigned"] += 1
        if self.params.store_matrix:
            doc.metadata["clip"] = {"model": self.params.model, "images": [im.position for im in images],
                                    "texts": text_pos, "similarity": encode_matrix(sim)}
