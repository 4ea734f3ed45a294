"""clip_score / image_score_filter on tiny random CLIP models (real formats), real images and real WARC pages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from omniweave.annotate.assign import assign
from omniweave.node_positions import decode_matrix
from omniweave.annotate.clip import ClipEncoder
from omniweave.annotate.heads import HeadParams, ScoreHead
from omniweave.annotate.image_filter import ImageScoreFilter
from omniweave.annotate.imagebytes import decode_rgb, store_location
from omniweave.annotate.random_models import save_random_clip, save_random_head
from omniweave.document import ImageNode, TextNode
from omniweave.images.store import StoreReader
from omniweave.layout import table_to_documents
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.recipe import RecipeError, parse_recipe
from omniweave.pipeline.rundir import RunDir
from omniweave.run import run_recipe

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
IMAGES = DATA / "images"
WARCS = [DATA / "warc/node-warc/books.toscrape.warc", DATA / "warc/servo-warc-tests"]
PHOTOS = [IMAGES / "scikit-image-samples" / f for f in ("chelsea.png", "coffee.png", "astronaut.png")] + [
    IMAGES / "sharp-fixtures/Portrait_6.jpg", IMAGES / "imagededup-ukbench/formats_images/ukbench09380.png"]


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    return {
        "clip": str(save_random_clip(root / "clip", "tiny")),
        "unsafe": str(save_random_head(root / "unsafe.pth", [16, 1], seed=1)),  # LAION linear head
        "aesthetic": str(save_random_head(root / "aesthetic.safetensors", [16, 64, 16, 1], seed=2)),  # MLP head
        "wide": str(save_random_head(root / "wide.pth", [768, 1])),
    }


def _images():
    return [decode_rgb(p.read_bytes(), 64) for p in PHOTOS]


def test_encoder_unit_vectors_independent_of_batching(models):
    enc = ClipEncoder(models["clip"], device="cpu")
    images = _images()
    whole = enc.encode_images(images)
    one_by_one = np.concatenate([enc.encode_images([im]) for im in images])
    assert whole.shape == (5, 16) and np.allclose(np.linalg.norm(whole, axis=1), 1, atol=1e-5)
    assert np.allclose(whole, one_by_one, atol=1e-5)
    assert not np.allclose(whole[0], whole[1])  # different photos, different embeddings
    texts = ["A cat on a sofa.", "Coffee", "an astronaut in a white suit standing in front of a flag " * 20]
    padded = enc.encode_texts(texts)  # padded to the longest, which is cut to 77 tokens
    assert np.allclose(padded, np.concatenate([enc.encode_texts([t]) for t in texts]), atol=1e-5)
    assert enc.encode_texts([]).shape == (0, 16)


def test_decode_rgb_handles_exif_alpha_and_animation():
    rotated = decode_rgb((IMAGES / "sharp-fixtures/Portrait_6.jpg").read_bytes(), 64)
    assert rotated.mode == "RGB" and rotated.height > rotated.width  # stored landscape, EXIF orientation 6
    transparent = decode_rgb((IMAGES / "sharp-fixtures/full-transparent.png").read_bytes(), 64)
    assert transparent.getpixel((0, 0)) == (255, 255, 255)
    assert decode_rgb((IMAGES / "sharp-fixtures/animated-loop-3.gif").read_bytes(), 64).mode == "RGB"


def test_heads_load_linear_and_mlp_files(models, tmp_path):
    emb = ClipEncoder(models["clip"], device="cpu").encode_images(_images())
    import torch

    lin = torch.nn.Linear(16, 1)
    lin.load_state_dict(torch.load(models["unsafe"], weights_only=True))
    with torch.no_grad():
        expected = torch.sigmoid(lin(torch.from_numpy(emb))).numpy()[:, 0]
    assert np.allclose(ScoreHead(HeadParams(path=models["unsafe"]), "s", "unsafe")(emb), expected, atol=1e-5)
    probs = ScoreHead(HeadParams(path=models["aesthetic"], activation="relu"), "s", "aesthetic")(emb)
    assert probs.shape == (5,) and ((probs > 0) & (probs < 1)).all()
    softmax = save_random_head(tmp_path / "two.pth", [16, 2])
    two = ScoreHead(HeadParams(path=str(softmax), output="softmax", positive_index=0), "s", "unsafe")(emb)
    assert ((two > 0) & (two < 1)).all()
    with pytest.raises(RecipeError, match=r"s.unsafe.path: output 'sigmoid' needs one output"):
        ScoreHead(HeadParams(path=str(softmax)), "s", "unsafe")
    with pytest.raises(RecipeError, match="not found"):
        ScoreHead(HeadParams(path=str(tmp_path / "none.pth")), "s", "unsafe")


def _recipe(out, steps, inputs=WARCS):
    return parse_recipe({"input": {"paths": [str(p) for p in inputs]}, "output": {"dir": str(out)},
                         "steps": steps, "executor": {"workers": 1}})


def test_missing_or_wrong_weights_stop_before_any_task(models, tmp_path):
    with pytest.raises(RecipeError, match=r"steps\[0\]\.clip_score\.model: Field required"):
        _recipe(tmp_path / "a", [{"clip_score": {}}])
    with pytest.raises(RecipeError, match="nothing to score"):
        _recipe(tmp_path / "a", [{"clip_score": {"model": models["clip"], "similarity": False}}])
    for params, message in [
        ({"model": str(tmp_path / "nowhere")}, r"clip_score\.model: no model config at"),
        ({"model": models["clip"], "unsafe": {"path": models["wide"]}},
         r"clip_score\.unsafe\.path: head takes 768-d embeddings, .* makes 16-d ones"),
        ({"model": models["clip"], "aesthetic": {"path": str(tmp_path / "a.pth")}}, r"clip_score\.aesthetic\.path: .*not found"),
    ]:
        recipe = _recipe(tmp_path / "b", [{"images": {"sources": ["warc"]}}, {"clip_score": params}])
        with pytest.raises(RecipeError, match=message):
            run_recipe(recipe, progress=False)
        assert not (tmp_path / "b" / "stages").exists()


def test_pipeline_scores_assigns_and_filters(models, tmp_path):
    steps = [{"images": {"sources": ["warc"], "filter": {"min_side": 100}}},
             {"clip_score": {"model": models["clip"], "batch_size": 4, "docs_per_batch": 2, "min_similarity": -1.0,
                             "unsafe": {"path": models["unsafe"]}, "aesthetic": {"path": models["aesthetic"]}}}]
    summary = run_recipe(_recipe(tmp_path / "out", steps), progress=False)
    assert summary.ok
    stats = summary.stats["steps"]["clip_score"]
    docs = table_to_documents(pq.read_table(tmp_path / "out" / "corpus"))
    images = [im for d in docs for im in d.images]
    assert len(docs) >= 2 and len(images) == stats["images_scored"] == summary.stats["steps"]["images"]["images_kept"]
    assert stats["texts_scored"] == sum(1 for d in docs for t in d.texts if t.text.strip())
    assert stats["ms_total"] >= stats["ms_images"] > 0 and "images_undecodable" not in stats

    enc = ClipEncoder(models["clip"], device="cpu")
    unsafe = ScoreHead(HeadParams(path=models["unsafe"]), "s", "unsafe")
    for doc in docs:
        clip = doc.metadata["clip"]
        sim = decode_matrix(clip["similarity"])
        assert sim.shape == (len(doc.images), len(clip["texts"])) == tuple(clip["similarity"]["shape"])
        assert [type(doc.nodes[p]) for p in clip["images"]] == [ImageNode] * len(doc.images)
        assert all(isinstance(doc.nodes[p], TextNode) for p in clip["texts"])
        # the stored matrix is what the model gives for the stored bytes and the document's texts
        with StoreReader() as reader:
            pixels = [decode_rgb(reader.read(*store_location(im)), enc.image_side) for im in doc.images]
        img_emb = enc.encode_images(pixels)
        expected = img_emb @ enc.encode_texts([doc.nodes[p].text for p in clip["texts"]]).T
        assert np.allclose(sim, expected, atol=2e-3)
        for im, row, prob in zip(doc.images, sim, unsafe(img_emb)):
            assert im.extra["clip_similarity"] == pytest.approx(float(row.max()), abs=2e-3)
            assert im.extra["unsafe_prob"] == pytest.approx(float(prob), abs=1e-3)
            assert 0 < im.extra["aesthetic_prob"] < 1
        # floor -1: every image has a text, each text once, and together they are a best assignment of the
        # stored matrix (its float16 rounding may break ties between repeated images another way)
        column = {position: j for j, position in enumerate(clip["texts"])}
        chosen = [column[im.extra["assigned_text_index"]] for im in doc.images]
        best = assign(sim, -1.0)
        assert None not in best and len(set(chosen)) == len(chosen)
        total = sum(float(sim[i, j]) for i, j in enumerate(chosen))
        assert total == pytest.approx(sum(float(sim[i, j]) for i, j in enumerate(best)), abs=2e-3 * len(chosen))
    assert stats["images_assigned"] == len(images)

    # image_score_filter: a threshold between the scores removes the lower half and rewrites positions
    scores = sorted(im.extra["aesthetic_prob"] for im in images)
    cut = scores[len(scores) // 2]
    step = ImageScoreFilter(ImageScoreFilter.Params(min_aesthetic_prob=cut))
    ctx = TaskContext("t", 0, RunDir(str(tmp_path / "f")))
    assigned = {id(im): d.nodes[im.extra["assigned_text_index"]] for d in docs for im in d.images}
    clip_texts = {d.id: [d.nodes[p] for p in d.metadata["clip"]["texts"]] for d in docs}
    kept = list(step.run(docs, ctx))
    counts = ctx.counts(step.label)
    assert counts["removed_images:aesthetic"] == sum(s < cut for s in scores)
    survivors = [im for d in kept for im in d.images]
    assert len(survivors) == len(images) - counts["removed_images:aesthetic"]
    assert all(im.extra["aesthetic_prob"] >= cut for im in survivors)
    assert counts["in"] == len(docs) == counts["kept"] + counts.get("dropped:all_images_removed", 0)
    for doc in kept:
        clip = doc.metadata["clip"]
        assert [doc.nodes[p] for p in clip["images"]] == doc.images
        assert decode_matrix(clip["similarity"]).shape == (len(doc.images), len(clip["texts"]))
        assert [doc.nodes[p] for p in clip["texts"]] == clip_texts[doc.id]
        for im in doc.images:  # still the same paragraph as before the removal
            assert doc.nodes[im.extra["assigned_text_index"]] is assigned[id(im)]


def test_image_score_filter_unscored_and_validation(tmp_path):
    from omniweave.document import Document

    doc = Document("d", nodes=[TextNode("t"), ImageNode("u1", extra={"unsafe_prob": 0.9}), ImageNode("u2")])
    ctx = TaskContext("t", 0, RunDir(str(tmp_path)))
    keep = ImageScoreFilter(ImageScoreFilter.Params(max_unsafe_prob=0.5))
    assert [im.url for d in keep.run([doc], ctx) for im in d.images] == ["u2"]
    doc = Document("e", nodes=[TextNode("t"), ImageNode("u2")])
    remove = ImageScoreFilter(ImageScoreFilter.Params(max_unsafe_prob=0.5, unscored="remove"), label="f2")
    assert list(remove.run([doc], ctx)) == []
    assert ctx.counts("f2") == {"in": 1, "removed_images:unscored": 1, "dropped:all_images_removed": 1}
    with pytest.raises(RecipeError, match="set at least one of"):
        parse_recipe({"input": {"paths": ["x"]}, "output": {"dir": "y"}, "steps": [{"image_score_filter": {}}]})
