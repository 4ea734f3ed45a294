"""The words of a text without Han or kana from one loop over its characters equal those of the
token pattern, on real pages' text in many scripts and on crafted edge cases."""

from __future__ import annotations

import json
import re

import pytest

from omniweave.text.words import _TOKEN, _alnum_words, _chunk_words, words

EDGES = [
    "", " ", "'", "’", "a", "a'", "'a", "a'b", "a''b", "a' b", "a'’b", "a’b’c d'e'", "rock 'n' roll", "l'été",
    "snake_case__words", "x2 ² ½ Ⅻ 𝐀𝐁𝐂 😀 ok", "naïve café — “quoted” text…", "Привет, мир! Ελληνικά; عربى ١٢٣",
    "tab\tsep\x0bvert\x1cfs\u00a0nbsp", "end.", "a\u2019", "don't won’t it's", "한국어 텍스트", "𝐀'𝐁",
]


@pytest.fixture(scope="module")
def page_texts(shared_data) -> list[str]:
    """Ground-truth texts of real pages (Latin and other scripts), without Han or kana."""
    texts = []
    for path in sorted((shared_data / "html" / "wcxb-dev" / "ground-truth").glob("*.json"))[:150]:
        truth = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]
        texts += (truth.get("main_content") or "").split("\n\n") + [str(truth.get("without") or "")]
    for path in sorted((shared_data / "html" / "readability-test-pages").glob("*/expected.html"))[:40]:
        texts.append(path.read_text(encoding="utf-8"))
    return [t for t in texts if not re.search("[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]", t)]


def test_character_loop_finds_the_words_of_the_token_pattern(page_texts):
    assert sum(not t.isascii() for t in page_texts) > 100
    for text in [*EDGES, *page_texts]:
        expected = tuple(_TOKEN.findall(text))
        assert _alnum_words(text) == expected, text[:80]
        assert _chunk_words(text) == expected, text[:80]
        assert words(text) == expected, text[:80]

