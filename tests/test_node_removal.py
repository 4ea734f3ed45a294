"""The node-removal base: positions recorded by clip_score follow any removal, removed images are
recorded with their reasons, and every removing step counts the same way."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds

from omniweave import counters
from omniweave.annotate.image_filter import ImageScoreFilter, ImageScoreFilterParams
from omniweave.document import Document, ImageNode, TextNode
from omniweave.filters.quality import ParagraphQuality
from omniweave.node_positions import decode_matrix, encode_matrix, moved_positions
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.recipe import parse_recipe
from omniweave.pipeline.rundir import RunDir
from omniweave.run import run_recipe

WARC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "warc"


def test_moved_positions_kept_edited_merged():
    a, b, c, d, e = (TextNode(t) for t in "abcde")
    b2, cd = TextNode("b!"), TextNode("c d")
    # a kept, b edited in place, c+d merged, e kept
    assert moved_positions([a, b, c, d, e], [a, b2, cd, e]) == {0: 0, 4: 3}
    assert moved_positions([a, b, c], [a, b2, c]) == {0: 0, 1: 1, 2: 2}
    assert moved_positions([a, b, c, e], [a, b2, e]) == {0: 0, 3: 2}  # b edited and c removed: ambiguous
    assert moved_positions([a, b, c], [c]) == {2: 0}


def _scored_document() -> Document:
    """A document as clip_score leaves it: positions of images and texts, a matrix, assignments."""
    nodes = [TextNode("Tide pools hold anemones, crabs and small fish between the rocks at low water."),
             ImageNode("http://x.test/1.jpg", extra={"assigned_text_index": 0, "clip_similarity": 0.3}),
             TextNode("ok ok"),  # too short for the paragraph rule below
             TextNode("Sea stars cling to the rocks and feed on mussels when the tide is out again."),
             ImageNode("http://x.test/2.jpg", extra={"assigned_text_index": 3, "clip_similarity": 0.05})]
    sim = np.array([[0.3, 0.1, 0.2], [0.0, 0.02, 0.05]], np.float32)
    doc = Document(id="d", url="http://x.test/", nodes=nodes)
    doc.metadata["clip"] = {"model": "m", "images": [1, 4], "texts": [0, 2, 3], "similarity": encode_matrix(sim)}
    return doc


def _run(step, docs, tmp_path):
    ctx = TaskContext(task_id="t", pass_index=0, run=RunDir(str(tmp_path)))
    return list(step.run(docs, ctx)), ctx.stats[step.label]


def test_text_removal_after_clip_score_keeps_positions(tmp_path):
    doc = _scored_document()
    step = ParagraphQuality(ParagraphQuality.Params(min_words=3))
    (kept,), counts = _run(step, [doc], tmp_path)
    assert [type(n) for n in kept.nodes] == [TextNode, ImageNode, TextNode, ImageNode]
    clip = kept.metadata["clip"]
    assert clip["images"] == [1, 3] and clip["texts"] == [0, 2]
    assert all(isinstance(kept.nodes[p], ImageNode) for p in clip["images"])
    assert [kept.nodes[p].text[:3] for p in clip["texts"]] == ["Tid", "Sea"]
    sim = decode_matrix(clip["similarity"])
    assert sim.shape == (2, 2) and np.allclose(sim, [[0.3, 0.2], [0.0, 0.05]], atol=1e-3)
    assert [im.extra["assigned_text_index"] for im in kept.images] == [0, 2]
    assert sum(counters.reasons(counts, counters.REMOVED_PARAGRAPHS).values()) == 1 and counts["kept"] == 1


def test_image_removal_keeps_positions_and_drops_imageless(tmp_path):
    step = ImageScoreFilter(ImageScoreFilterParams(min_clip_similarity=0.1))
    (kept,), counts = _run(step, [_scored_document()], tmp_path)
    assert [im.url for im in kept.images] == ["http://x.test/1.jpg"]
    clip = kept.metadata["clip"]
    assert clip["images"] == [1] and clip["texts"] == [0, 2, 3] and decode_matrix(clip["similarity"]).shape == (1, 3)
    assert counts[counters.removed_images("clip_similarity")] == 1
    strict = ImageScoreFilter(ImageScoreFilterParams(min_clip_similarity=0.9))
    assert _run(strict, [_scored_document()], tmp_path)[0] == []


def test_removed_images_are_recorded_with_reasons(tmp_path):
    recipe = parse_recipe({
        "input": {"paths": [str(WARC / "node-warc" / "books.toscrape.warc")]},
        "output": {"dir": str(tmp_path / "out"), "keep_dropped": True},
        "steps": [{"image_dedup": {"max_documents_per_url": None}},
                  {"images": {"sources": ["warc"], "filter": {"min_side": 100}}}],
        "executor": {"workers": 1},
    })
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    run = RunDir(str(tmp_path / "out"))
    rows = ds.dataset(run.parquet_files(run.all_dropped_images), format="parquet").to_table().to_pylist()
    recorded = Counter((r["drop_step"], r["drop_reason"]) for r in rows)
    counted = Counter({(step, reason): n for step, c in summary.stats["steps"].items() for k, n in c.items()
                       for kind, reason in [counters.parse(k)] if kind == counters.REMOVED_IMAGES})
    assert recorded == counted and sum(recorded.values()) > 0
    assert all(r["image_url"].startswith("http") and r["id"] for r in rows)
