"""The learned content-root choice: a model's pick is what gets extracted; without one, the rules'."""

from __future__ import annotations

import math

import numpy as np
import pytest
from selectolax.lexbor import LexborHTMLParser

from omniweave import extract_html
from omniweave.document import ImageNode
from omniweave.extract import learned

URL = "http://example.com/a"
_SENTENCE = "A sentence of article text, with a comma, long enough to count as prose here. "
PAGE = (
    "<html><body><div class='top'><p>" + "Menu words and a short blurb about the site, with a comma. " * 3 + "</p></div>"
    "<div class='story'>" + "".join(f"<p>{_SENTENCE * 2}</p>" for _ in range(4)) + "</div></body></html>"
)


@pytest.fixture
def restore_model():
    yield
    learned.set_model(learned.LinearModel.load(learned.MODEL_PATH, learned.FEATURES) if learned.MODEL_PATH.exists() else None)


def test_without_a_model_the_rules_choose():
    learned.set_model(None)
    try:
        assert not learned.enabled()
        assert "blurb about the site" not in extract_html(PAGE, url=URL).text
    finally:
        learned.set_model(learned.LinearModel.load(learned.MODEL_PATH, learned.FEATURES) if learned.MODEL_PATH.exists() else None)


def _model_preferring(feature: str) -> learned.LinearModel:
    n = len(learned.FEATURES)
    weights = np.zeros(n)
    weights[learned.FEATURES.index(feature)] = 10.0
    return learned.LinearModel(np.zeros(n), np.ones(n), weights)


def test_the_models_pick_is_extracted(restore_model, tmp_path):
    learned.set_model(_model_preferring("is_rule"))
    assert "blurb about the site" not in extract_html(PAGE, url=URL).text
    learned.set_model(_model_preferring("is_body"))
    assert "blurb about the site" in extract_html(PAGE, url=URL).text
    path = tmp_path / "m.npz"
    _model_preferring("is_body").save(path, learned.FEATURES)
    learned.set_model(learned.LinearModel.load(path, learned.FEATURES))
    assert "blurb about the site" in extract_html(PAGE, url=URL).text


def test_the_model_is_asked_only_where_the_rules_winner_holds_little_of_the_page(restore_model, tmp_path):
    """The gate: on a page whose rule winner holds most of the text (an article) the model is not
    asked and the rule's winner stands, whatever the model would pick; the gate travels in the file."""
    model = _model_preferring("is_body")
    model.gate = 0.5  # the story holds about 3/4 of this page's text
    path = tmp_path / "m.npz"
    model.save(path, learned.FEATURES)
    learned.set_model(learned.LinearModel.load(path, learned.FEATURES))
    assert "blurb about the site" not in extract_html(PAGE, url=URL).text
    model.gate = 0.9
    learned.set_model(model)
    assert "blurb about the site" in extract_html(PAGE, url=URL).text


def test_the_shipped_root_model_leaves_articles_to_the_rules(restore_model):
    """The packaged root model loads (its features are this extractor's) and its gate keeps it off a
    page whose rule winner holds most of the text."""
    learned.ROOT_MODEL.reset()
    model = learned.shipped_model()
    assert model is not None and 0.0 < model.gate <= 0.5
    assert "blurb about the site" not in extract_html(PAGE, url=URL).text


def test_the_models_pick_must_outscore_the_rules_by_its_margin(restore_model):
    model = _model_preferring("is_body")  # the body scores 10 over the rule's winner
    model.threshold = 11.0
    learned.set_model(model)
    assert "blurb about the site" not in extract_html(PAGE, url=URL).text
    model.threshold = 9.0
    assert "blurb about the site" in extract_html(PAGE, url=URL).text


@pytest.fixture
def restore_block_models():
    yield
    learned.BLOCK_MODEL.reset()
    learned.GATE_MODEL.reset()


ARTICLE_WITH_COOKIES = (f"<html><body><article>{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(4))}"
                        "<p>We use cookies to improve your visit.</p></article></body></html>")


def test_the_block_models_drops_are_left_out(restore_block_models):
    learned.set_block_model(_cookie_dropper())
    learned.set_gate_model(None)  # no gate: the block model decides on every page
    text = extract_html(ARTICLE_WITH_COOKIES, url=URL).text
    assert "A sentence of article text" in text and "cookies" not in text
    learned.set_block_model(None)
    assert "We use cookies" in extract_html(ARTICLE_WITH_COOKIES, url=URL).text


def _stump(feature: str, threshold: float) -> learned.LinearModel:
    n = len(learned.GATE_FEATURES)
    weights = np.zeros(n)
    weights[learned.GATE_FEATURES.index(feature)] = 1.0
    return learned.LinearModel(np.zeros(n), np.ones(n), weights, threshold)


def _cookie_dropper() -> learned.LinearModel:
    n = len(learned.BLOCK_FEATURES)
    weights = np.zeros(n)
    weights[learned.BLOCK_FEATURES.index("bias")] = 1.0
    weights[learned.BLOCK_FEATURES.index("cue_cookie")] = -10.0
    return learned.LinearModel(np.zeros(n), np.ones(n), weights, threshold=0.0)


def test_the_gate_leaves_the_rules_blocks_where_it_stays_shut(restore_block_models):
    learned.set_block_model(_cookie_dropper())
    learned.set_gate_model(_stump("link_chars", 0.5))  # an article: no link text, the gate stays shut
    assert "We use cookies" in extract_html(ARTICLE_WITH_COOKIES, url=URL).text
    learned.set_gate_model(_stump("link_chars", 0.0))  # opens on every page
    assert "We use cookies" not in extract_html(ARTICLE_WITH_COOKIES, url=URL).text


def _recorded_blocks(page: str) -> tuple[list, np.ndarray, dict[int, int]]:
    """The text blocks of the page's last learned pass, their feature rows, and each block's link characters."""
    seen = []
    learned.set_block_recorder(lambda texts, x: seen.append((texts, x)))
    try:
        extract_html(page, url=URL)
    finally:
        learned.set_block_recorder(None)
    texts, x = seen[-1]
    links = {id(t): round(s * len(t.text)) for t, s in zip(texts, x[:, learned.BLOCK_FEATURES.index("link_share")])}
    return texts, x, links


def test_the_gates_figures_are_the_ones_it_was_trained_on():
    """At run time the gate measures the page from its text blocks; training derives the same
    figures from the blocks' feature rows: both must agree."""
    cards = "".join(f"<li><a href='/p/{i}'>Product card number {i}</a> <span>$ {i}.99</span></li>" for i in range(12))
    page = (f"<html><body><h1>Shop</h1><p>{_SENTENCE}</p><ul>{cards}</ul><article>"
            f"{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(3))}<h2>More</h2></article></body></html>")
    texts, x, links = _recorded_blocks(page)
    pruned = x[:, learned.BLOCK_FEATURES.index("pruned")] > 0
    kept = {id(t) for t, p in zip(texts, pruned) if not p}
    np.testing.assert_allclose(learned.gate_features(texts, links, kept), learned.page_features_of_blocks(x))


def test_a_listings_cards_are_its_content(restore_block_models):
    """The shipped block model and gate (they must load: their features are this extractor's) keep
    the cards of a category page that the rules prune as links, and leave the footer out."""
    assert learned.shipped_block_model() is not None and learned.shipped_gate_model() is not None
    cards = "".join(
        f"<li class='card'><a href='/recipes/{i}'><h3>Slow-cooked bean stew number {i}</h3></a><a href='/recipes/{i}'>"
        f"<p>A warming winter dish with smoked paprika, {i} kinds of beans and crusty bread.</p></a></li>"
        for i in range(1, 26)
    )
    page = ("<html><body><nav><a href='/'>Home</a> <a href='/about'>About</a></nav><main><h1>Winter recipes</h1>"
            "<p>Our favourite dishes for the cold months, picked by the editors from the readers' letters of "
            "the last three winters.</p>"  # long enough not to be rescued (extract_html's RESCUE_BELOW)
            f"<ul class='cards'>{cards}</ul></main><footer><p>© 2024 Kitchen Co. All rights reserved.</p></footer>"
            "</body></html>")
    text = extract_html(page, url=URL).text
    assert text.count("Slow-cooked bean stew") == 25 and text.count("A warming winter dish") == 25
    assert "All rights reserved" not in text
    learned.set_block_model(None)
    assert "bean stew" not in extract_html(page, url=URL).text  # the rules alone keep only the intro


@pytest.fixture
def restore_tail_model():
    yield
    learned.TAIL_MODEL.reset()


def _related_cutter() -> learned.LinearModel:
    n = len(learned.TAIL_FEATURES)
    weights = np.zeros(n)
    weights[learned.TAIL_FEATURES.index("first_related")] = 10.0
    return learned.LinearModel(np.zeros(n), np.ones(n), weights, threshold=5.0)


ARTICLE_WITH_RELATED = (
    f"<html><body><article><h1>Title</h1>{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(4))}"
    "<h3>Related stories</h3><p>Another story worth a read, about beans.</p>"
    "<p>And one more teaser, about bread.</p></article></body></html>"
)


def test_the_tail_models_cut_drops_the_run_after_the_content(restore_tail_model):
    learned.set_tail_model(_related_cutter())
    text = extract_html(ARTICLE_WITH_RELATED, url=URL).text
    assert text.count("A sentence of article text") == 8 and "Related stories" not in text and "bread" not in text
    learned.set_tail_model(None)
    assert "about bread" in extract_html(ARTICLE_WITH_RELATED, url=URL).text
    learned.set_tail_model(_related_cutter())  # a picture closing the article stays, the teasers' go
    page = ARTICLE_WITH_RELATED.replace("<h3>", "<img src='/end.jpg'><h3>").replace("</p></article>", "<img src='/t.jpg'></p></article>")
    images = [n.url for n in extract_html(page, url=URL).nodes if isinstance(n, ImageNode)]
    assert images == ["http://example.com/end.jpg"]


def test_the_tail_model_cuts_only_at_a_section_boundary(restore_tail_model):
    n = len(learned.TAIL_FEATURES)
    longest = np.eye(n)[learned.TAIL_FEATURES.index("log_cut")]
    learned.set_tail_model(learned.LinearModel(np.zeros(n), np.ones(n), longest, -1.0))  # the longest cut it may
    page = ARTICLE_WITH_RELATED.replace("<h3>Related stories</h3>", "")
    text = extract_html(page, url=URL).text  # the last block holds a cue word ("more"): the only boundary
    assert text.count("A sentence of article text") == 8 and "about beans" in text and "about bread" not in text


def test_the_tail_figures_are_the_ones_it_was_trained_on():
    """At run time the tail model measures the kept text blocks; training derives the same figures
    from the blocks' feature rows: both must agree."""
    texts, x, links = _recorded_blocks(ARTICLE_WITH_RELATED)
    kept = x[:, learned.BLOCK_FEATURES.index("pruned")] == 0
    kept_texts = [t for t, k in zip(texts, kept) if k]
    np.testing.assert_allclose(learned.tail_features_of_texts(kept_texts, links), learned.tail_features_of_blocks(x[kept]))


def test_the_run_time_cut_scorer_equals_the_features_it_was_trained_on():
    """trim_tail scores the cuts that start a section one by one; training scores the rows of
    tail_features kept by tail_boundaries: same best cut and score, whatever the model."""
    links = "".join(f"<li><a href='/s/{i}'>Story number {i} in the list</a></li>" for i in range(4))
    page = ARTICLE_WITH_RELATED.replace("</article>", f"<h3>More</h3><ul>{links}</ul><p>{_SENTENCE}</p></article>")
    texts, x, links_of = _recorded_blocks(page)
    n = len(learned.TAIL_FEATURES)
    rng = np.random.default_rng(0)
    for _ in range(5):
        model = learned.LinearModel(rng.normal(size=n), rng.uniform(0.5, 2.0, size=n), rng.normal(size=n))
        rows = learned.tail_features_of_texts(texts, links_of)
        scores = np.where(learned.tail_boundaries(rows), model.scores(rows), -np.inf)
        total = sum(len(t.text) for t in texts)
        best, cut = learned._best_cut(learned._tail_blocks(texts, links_of), total, sum(links_of.values()), len(texts), model)
        assert cut == int(np.argmax(scores)) + 1 and best == pytest.approx(float(scores.max()))



def test_the_gates_plain_score_equals_numpys_on_real_pages(shared_data):
    """gate_open scores the page's one row in plain arithmetic: on real pages the very score (to
    the bit) numpy gives the row, and the sentence ends counted as ``str.rstrip().endswith`` does."""
    gate = learned.shipped_gate_model()
    assert gate is not None
    rows, texts = [], []
    values = learned._gate_values

    def recorded(blocks, *rest):
        texts.extend(t.text for t in blocks)
        rows.append(values(blocks, *rest))
        return rows[-1]

    try:
        learned._gate_values = recorded
        for path in sorted((shared_data / "html" / "readability-test-pages").rglob("source.html"))[:60]:
            extract_html(path.read_bytes(), url=URL)
    finally:
        learned._gate_values = values
    assert len(rows) >= 50
    for row in rows:
        assert gate.score(row) == float(gate.scores(np.array([row]))[0])
    texts += ["", " ", "end.\u3000\n", "quote”\x1c", "no end \u00a0", "?\t"]
    for text in texts:
        assert learned._ends_sentence(text) == text.rstrip().endswith(learned._SENTENCE_END), text


def test_the_h1_paragraph_and_item_counts_are_the_css_queries(shared_data):
    """A candidate's h1, p and li figures, read in one query, are those of the three queries."""
    checked = 0
    for path in sorted((shared_data / "html" / "readability-test-pages").rglob("source.html"))[:40]:
        tree = LexborHTMLParser(path.read_bytes())
        for node in [tree.body, *tree.css("div, ul, li, p, td")[::7]]:
            expected = (float(node.css_first("h1") is not None), math.log1p(len(node.css("p"))),
                        math.log1p(len(node.css("li"))))
            assert learned._h1_paragraphs_items(node) == expected, path
            checked += 1
    assert checked >= 500
