"""Words of texts holding a Han run are kept for texts seen again: the same words as segmenting
anew, within a bounded number of words."""

from __future__ import annotations

import pytest

from omniweave.text import words as words_module
from omniweave.text.words import _RecentWords, forget_segmented, words_each


@pytest.fixture(scope="module")
def chinese_lines(shared_data) -> list[str]:
    lines = []
    for path in sorted((shared_data / "html" / "chinese-web-content-extraction" / "cleaned").glob("*.txt")):
        lines += filter(None, map(str.strip, path.read_text(encoding="utf-8").splitlines()))
    return lines


@pytest.fixture()
def fresh_cache(monkeypatch):
    cache = _RecentWords(words_module.HAN_CACHE_WORDS)
    monkeypatch.setattr(words_module, "_HAN_CACHE", cache)
    return cache


def test_texts_seen_again_get_the_words_of_segmenting_anew(chinese_lines, fresh_cache):
    first = words_each(chinese_lines)
    assert fresh_cache.current  # kept
    again = words_each(chinese_lines[::-1] + ["新的一段文字，没有见过。", *chinese_lines[:50]])
    assert again[:len(chinese_lines)] == first[::-1]
    assert again[len(chinese_lines) + 1:] == first[:50]
    forget_segmented()
    assert not fresh_cache.current and not fresh_cache.previous and fresh_cache.held == 0
    assert words_each(chinese_lines) == first
    assert all(found is first[i] or found == first[i] for i, found in enumerate(words_each(chinese_lines)))


def test_a_text_repeated_within_one_call_gets_its_words_at_each_place(chinese_lines, fresh_cache):
    texts = [chinese_lines[3], "abc", chinese_lines[3], chinese_lines[4], chinese_lines[3]]
    out = words_each(texts)
    assert out[0] == out[2] == out[4] == words_each([chinese_lines[3]])[0]
    assert out[1] == ("abc",)


def test_kept_words_stay_within_the_limit(chinese_lines):
    cache = _RecentWords(400)
    for line in (line for line in chinese_lines if len(line) <= 200):  # half the limit at most: kept
        cache.put(line, tuple(line))
        held = sum(map(len, cache.current.values())) + sum(map(len, cache.previous.values()))
        assert held <= 400
        assert cache.get(line) == tuple(line)
    assert cache.held == sum(map(len, cache.current.values()))
    long_text = "长" * 300
    cache.put(long_text, tuple(long_text))  # over half the limit: not kept
    assert cache.get(long_text) is None
