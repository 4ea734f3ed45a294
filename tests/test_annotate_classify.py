"""doc_classifier with a fastText model trained here and a tiny random BERT, over real page texts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from omniweave.document import Document, TextNode
from omniweave.layout import documents_to_table, table_to_documents
from omniweave.pipeline.recipe import RecipeError, parse_recipe
from omniweave.run import run_recipe

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WCXB = DATA / "html/wcxb-dev-subset/ground-truth"


def _pages() -> list[tuple[str, str, str]]:
    """(file id, page type, main text) of the WCXB pages, in file order."""
    out = []
    for path in sorted(WCXB.glob("*.json")):
        page = json.loads(path.read_text(encoding="utf-8"))
        out.append((path.stem, page["_internal"]["page_type"]["primary"], page["ground_truth"]["main_content"]))
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The first 24 pages as documents in a Parquet file, plus one without text."""
    pages = _pages()[:24]
    docs = [Document(pid, f"https://example.org/{pid}", [TextNode(p) for p in text.split("\n\n") if p.strip()])
            for pid, _, text in pages]
    docs.append(Document("empty", "https://example.org/empty", []))
    path = tmp_path_factory.mktemp("corpus") / "docs.parquet"
    pq.write_table(documents_to_table(docs), path)
    return path, docs


def _run(tmp_path, corpus_path, params, label="doc_classifier"):
    recipe = parse_recipe({"input": {"paths": [str(corpus_path)]}, "output": {"dir": str(tmp_path / "out")},
                           "steps": [{label: params}], "executor": {"workers": 1}})
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    return summary.stats["steps"][label], {d.id: d for d in table_to_documents(pq.read_table(tmp_path / "out" / "corpus"))}


def test_fasttext_classifier_probabilities_by_hand(tmp_path, corpus):
    fasttext = pytest.importorskip("fasttext")
    from omniweave.annotate.random_models import save_random_fasttext

    # this wheel's train_supervised hits NaN at random, so the model file is written with known weights
    words = sorted({w for d in corpus[1] for w in d.text.split()})[::3]
    labels = ["fluent", "advertisement", "toxic", "porn"]
    model_path = save_random_fasttext(tmp_path / "quality.ftz", labels, words, dim=8)
    stats, out = _run(tmp_path, corpus[0], {"model": str(model_path), "docs_per_batch": 5, "max_chars": 3000})
    assert stats["texts_scored"] == 24 and stats["no_text"] == 1 and stats["in"] == stats["kept"] == 25
    assert "quality" not in out["empty"].metadata

    model = fasttext.load_model(str(model_path))
    inputs, outputs = model.get_input_matrix(), model.get_output_matrix()
    index = {w: i for i, w in enumerate(model.words)}
    for doc in corpus[1][:24]:
        # fastText: mean of the known words' input rows plus the end-of-line token, softmax over labels
        ids = [index[w] for w in doc.text[:3000].split() if w in index] + [index["</s>"]]
        logits = outputs @ inputs[ids].mean(axis=0)
        expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        written = out[doc.id].metadata["quality"]
        assert list(written) != [] and set(written) == set(labels)
        assert np.allclose([written[lab] for lab in labels], expected, atol=2e-4)


def test_huggingface_classifier_matches_a_direct_forward_pass(tmp_path, corpus):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from omniweave.annotate.random_models import save_random_text_classifier

    labels = ["fluent", "advertisement", "toxic"]
    model_dir = save_random_text_classifier(tmp_path / "quality", labels, [d.text for d in corpus[1]])
    stats, out = _run(tmp_path, corpus[0], {"model": str(model_dir), "batch_size": 4, "docs_per_batch": 7,
                                            "max_chars": 2000, "max_tokens": 64, "labels": ["fluent", "toxic"]})
    assert stats["texts_scored"] == 24 and stats["ms_texts"] > 0
    model = transformers.BertForSequenceClassification.from_pretrained(model_dir).eval()
    tok = transformers.AutoTokenizer.from_pretrained(model_dir)
    for doc in corpus[1][:8]:  # one document at a time, no padding: same probabilities as the batched step
        with torch.no_grad():
            logits = model(**tok(doc.text[:2000], truncation=True, max_length=64, return_tensors="pt")).logits
        probs = logits.softmax(-1)[0].numpy()
        written = out[doc.id].metadata["quality"]
        assert set(written) == {"fluent", "toxic"}
        assert np.allclose([written["fluent"], written["toxic"]], probs[[0, 2]], atol=2e-4)


def test_missing_model_stops_the_run(tmp_path, corpus):
    with pytest.raises(RecipeError, match=r"doc_classifier\.model: Field required"):
        parse_recipe({"input": {"paths": ["x"]}, "output": {"dir": "y"}, "steps": [{"doc_classifier": {}}]})
    for params, message in [({"model": str(tmp_path / "gone.bin"), "kind": "fasttext"}, "fastText model file .* not found"),
                            ({"model": str(tmp_path / "gone")}, "no model config at")]:
        with pytest.raises(RecipeError, match=rf"doc_classifier\.model: {message}"):
            _run(tmp_path, corpus[0], params)
        assert not (tmp_path / "out" / "stages").exists()
