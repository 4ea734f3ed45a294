"""The learned content-root choice: a model's pick is what gets extracted; without one, the rules'."""

from __future__ import annotations

import numpy as np
import pytest

from omniweave import extract_html
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


def test_the_block_models_drops_are_left_out():
    n = len(learned.BLOCK_FEATURES)
    weights = np.zeros(n)
    weights[learned.BLOCK_FEATURES.index("bias")] = 1.0
    weights[learned.BLOCK_FEATURES.index("cue_cookie")] = -10.0
    page = (f"<html><body><article>{''.join(f'<p>{_SENTENCE * 2}</p>' for _ in range(4))}"
            "<p>We use cookies to improve your visit.</p></article></body></html>")
    try:
        learned.set_block_model(learned.LinearModel(np.zeros(n), np.ones(n), weights, threshold=0.0))
        text = extract_html(page, url=URL).text
        assert "A sentence of article text" in text and "cookies" not in text
    finally:
        shipped = learned.BLOCK_MODEL_PATH
        learned.set_block_model(learned.LinearModel.load(shipped, learned.BLOCK_FEATURES) if shipped.exists() else None)
    learned.set_block_model(None)
    try:
        assert "We use cookies" in extract_html(page, url=URL).text
    finally:
        shipped = learned.BLOCK_MODEL_PATH
        learned.set_block_model(learned.LinearModel.load(shipped, learned.BLOCK_FEATURES) if shipped.exists() else None)
