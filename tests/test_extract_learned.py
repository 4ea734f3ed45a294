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
