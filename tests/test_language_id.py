"""Language identification: the bundled py3langid model, a fastText model given by path, and
agreement with the labelled languages of the shared HTML pages."""

from __future__ import annotations

import gzip
import importlib.util
import sys
from pathlib import Path

import pytest

from omniweave.document import Document, TextNode
from omniweave.layout import document_to_row
from omniweave.filters.langid import LanguageId, load_language_model, normalize_label
from omniweave.pipeline.context import TaskContext

BENCH = Path(__file__).resolve().parents[1] / "bench" / "filters.py"

SAMPLES = {
    "en": "The committee met on Tuesday to discuss the budget for the coming year and the repairs.",
    "zh": "近年来，我省积极把握制造业发展趋势，加速向智能制造、绿色制造方向转型升级。",
    "fr": "Le comité s'est réuni mardi pour discuter du budget de l'année prochaine et des travaux.",
    "de": "Der Ausschuss traf sich am Dienstag, um den Haushalt für das kommende Jahr zu besprechen.",
    "ja": "委員会は火曜日に会合を開き、来年度の予算について話し合いました。",
}


def bench_module():
    spec = importlib.util.spec_from_file_location("omniweave_bench_filters", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def ctx() -> TaskContext:
    return TaskContext(task_id="t", pass_index=0, run=None)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_py3langid_identifies_and_scores(lang):
    doc = Document(id=lang, nodes=[TextNode(SAMPLES[lang])])
    assert LanguageId().keep(doc) is True
    assert doc.language == lang and 0.5 < doc.language_score <= 1.0


def test_language_filter_drops_and_records():
    step = LanguageId(LanguageId.Params(languages=["en"], min_score=0.9))
    docs = [Document(id=k, nodes=[TextNode(v)]) for k, v in SAMPLES.items()]
    docs.append(Document(id="empty", nodes=[]))
    docs.append(Document(id="mixed", nodes=[TextNode("ok ok 123 xyz")]))
    c = ctx()
    kept = list(step.run(docs, c))
    assert [d.id for d in kept] == ["en"]
    counts = c.stats["language_id"]
    assert counts["dropped:wrong_language"] + counts["dropped:low_language_score"] == 5
    assert counts["dropped:no_text"] == 1 and docs[-2].language == "und"
    # the language lands in general_metadata
    assert document_to_row(kept[0])["general_metadata"]["language"] == "en"


def test_labels_are_normalised():
    assert normalize_label("__label__en") == "en"
    assert normalize_label("__label__zho_Hans") == "zh"
    assert normalize_label("__label__cmn_Hani") == "zh"
    assert normalize_label("__label__srp_Cyrl") == "srp"


def test_fasttext_model_from_path(tmp_path):
    pytest.importorskip("fasttext")
    import numpy as np

    from omniweave.annotate.random_models import save_random_fasttext

    # a real fastText file with known weights (training with this wheel hits NaN at random):
    # each word votes for its language, so the language with most words in a line wins
    langs = {"eng_Latn": "en", "fra_Latn": "fr", "deu_Latn": "de"}
    words = {lab: SAMPLES[code].split() for lab, code in langs.items()}
    vocab = ["</s>", *dict.fromkeys(w for ws in words.values() for w in ws)]
    inputs = np.zeros((len(vocab), len(langs)))
    for j, lab in enumerate(langs):
        for w in words[lab]:
            inputs[vocab.index(w), j] += 4.0
    path = save_random_fasttext(tmp_path / "lid.bin", list(langs), vocab[1:], dim=len(langs),
                                matrices=(inputs, np.eye(len(langs))))
    step = LanguageId(LanguageId.Params(fasttext_model=str(path), languages=["fr"]))
    step.setup(ctx())
    doc = Document(id="fr", nodes=[TextNode(SAMPLES["fr"].replace(" pour ", "\npour "))])  # one line for fastText
    assert step.keep(doc) is True and doc.language == "fr" and 0 < doc.language_score <= 1
    assert step.keep(Document(id="de", nodes=[TextNode(SAMPLES["de"])])) == "wrong_language"


def test_missing_fasttext_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        load_language_model(str(tmp_path / "nope.bin"))


def test_agreement_with_labelled_pages(shared_data):
    bench = bench_module()
    pages = [p for p in bench.labelled_pages() if not p.synthetic and p.doc.text.strip()]
    model = load_language_model()
    agree = sum(model.predict(p.doc.text[:5000])[0] == p.lang for p in pages)
    assert len(pages) >= 120
    assert agree / len(pages) >= 0.95
    assert {p.lang for p in pages} >= {"en", "zh", "fr", "de", "ja"}


def test_cached_py3langid_model_scores_like_the_packed_one(tmp_path, monkeypatch):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from omniweave.filters.langid import Py3LangidModel

    monkeypatch.setenv("OMNIWEAVE_CACHE", str(tmp_path))
    packed = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    first, again = Py3LangidModel(), Py3LangidModel()  # unpacks into the cache, then maps it
    assert sorted(p.name for p in next(tmp_path.iterdir()).iterdir()) == [
        "base.npy", "check.npy", "classes.npy", "depth.npy", "feature.npy", "negative_normal.npy", "pc.npy", "ptc.npy"]
    for text in [*SAMPLES.values(), "", "1234 !!!"]:
        lang, score = packed.classify(text)
        assert first.predict(text) == again.predict(text) == (normalize_label(lang), pytest.approx(float(score), abs=1e-6))


def test_vectorised_automaton_scores_exactly_as_py3langid(shared_data):
    """The bundled model walks py3langid's automaton in numpy (omniweave.filters.langid): the same
    language and the same score as py3langid's own byte loop, on real pages in many languages."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    reference = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    model = load_language_model()
    pages = sorted((shared_data / "html" / "trafilatura-eval-subset" / "html").glob("*.html.gz"))[:40]
    pages += sorted((shared_data / "html" / "chinese-web-content-extraction" / "original").glob("*.html"))[:10]
    texts = [*SAMPLES.values(), "", "x", "ÀÉÎ 漢字 ΣΑΣ İı ſ 🙂"]
    for page in pages:
        data = gzip.decompress(page.read_bytes()) if page.suffix == ".gz" else page.read_bytes()
        texts += [data.decode("utf-8", errors="replace")[i:i + 5000] for i in (0, 20000)]
    texts.append(" ".join(texts)[:40000])  # over 2**15 bytes: the 64-bit sort keys
    for text in texts:
        assert model._model.classify(text) == reference.classify(text), text[:80]


def test_the_text_looked_at_is_the_documents_text_cut_to_max_chars():
    from omniweave.document import ImageNode

    doc = Document(id="d", nodes=[ImageNode(url="u"), TextNode("ab"), TextNode(""), ImageNode(url="v"), TextNode("cde")])
    assert [doc.text_head(n) for n in range(1, 12)] == [doc.text[:n] for n in range(1, 12)]
    assert Document(id="e").text_head(5) == ""


def test_float16_rows_are_widened_to_the_same_float32_bits():
    """The model's rows (negative normal float16 numbers) are widened with integer shifts; any other
    bit pattern through a lookup table: both give numpy's own float32 of each."""
    import numpy as np

    model = load_language_model()._model
    every = np.arange(1 << 16, dtype=np.uint16)
    assert model.nb_ptc.view(np.uint16).min() >= 0x8400 and model.nb_ptc.view(np.uint16).max() <= 0xFBFF
    for bits in (every[0x8400:0xFC00].reshape(-1, 8), every.reshape(-1, 8), model.nb_ptc.view(np.uint16)[:50]):
        expected = bits.view(np.float16).astype(np.float32)
        assert np.array_equal(model._widen(bits).view(np.uint32), expected.view(np.uint32))


def test_feature_loops_count_as_the_numpy_walk(shared_data):
    """The walk in loops (C in the compiled build) finds the same features, in the same first-seen
    order and with the same counts, as the numpy walk over every byte at once."""
    import numpy as np

    from omniweave.filters.langid import _first_seen_counts
    from omniweave.filters.langid_trie import feature_counts, node_slots

    model = load_language_model()._model
    base, check, feature, depth = model.walk
    tally = np.zeros(len(model.nb_ptc), dtype=np.int32)
    pages = sorted((shared_data / "html" / "chinese-web-content-extraction" / "original").glob("*.html"))[:3]
    texts = [*SAMPLES.values(), "", "x", "ÀÉÎ 漢字 ΣΑΣ İı ſ 🙂", *(p.read_text(errors="replace")[:3000] for p in pages)]
    for text in texts:
        data = text.encode()
        features = feature[node_slots(base, check, data, depth)]
        seen, counts = _first_seen_counts(features[features >= 0], len(model.nb_ptc))
        looped = feature_counts(base, check, feature, data, depth, tally)
        assert np.array_equal(looped[0], seen) and np.array_equal(looped[1], counts)
        assert not tally.any()  # given back zeroed


def test_a_trie_the_loops_could_overrun_is_refused():
    import numpy as np

    from omniweave.filters.langid_trie import check_walk

    base, check, feature = (np.zeros(300, np.int32) for _ in range(3))
    check_walk(base, check, feature, 1)
    with pytest.raises(ValueError, match="outside"):
        check_walk(base + 100, check, feature, 1)
    with pytest.raises(ValueError, match="beyond"):
        check_walk(base, check, feature + 5, 5)
    with pytest.raises(ValueError, match="int32"):
        check_walk(base.astype(np.int64), check, feature, 1)


def test_rows_are_gathered_and_widened_as_numpy_does():
    import numpy as np

    from omniweave.filters.langid import _shift_widen
    from omniweave.filters.langid_trie import widened_rows

    bits = load_language_model()._model.nb_ptc.view(np.uint16)
    rows = np.array([5, 0, 99_999, 5, 1234], dtype=np.int32)
    out = np.empty((8, bits.shape[1]), np.uint32)
    assert np.array_equal(widened_rows(bits, rows, out), _shift_widen(bits[rows]).view(np.uint32))
    with pytest.raises(ValueError, match="index"):
        widened_rows(bits, np.array([len(bits)], dtype=np.int32), out)
    with pytest.raises(ValueError, match="out"):
        widened_rows(bits, rows, out[:2])
