"""Gated rule patterns (omniweave.text.patterns) answer exactly as the plain regex does."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from omniweave.filters import boilerplate, omnicorpus_rules
from omniweave.text.patterns import AnyPattern, fold, literals_in, required_literals

PATTERNS = {
    **{name: p for name, p in vars(omnicorpus_rules).items() if isinstance(p, AnyPattern)},
    **{f"boilerplate.{rule}": p for rule, p in boilerplate._COMPILED.items()},
}
CRAFTED = [
    "Copyright © 2024 Example Inc. All rights reserved.", "COPYRIGHT 2020", "Contact US", "Privacy  Policy",
    "ſhare this article", "Read more", "Download link: https://x.example/file", "call 555-123-4567",
    "Tel: +44 20 7946 0958", "see (Smith, 2019).", "Smith et al., Nature, 2019", "1. Smith, J. A paper.",
    "[12] A reference", "^ Retrieved 3 May 2020", "DOI: 10.1000/182", "版权所有 © 2023", "点击下载", "扫码关注我们",
    "Please enable JavaScript to view this page", "README", "İnstructions: do this", "Posted by Jane Doe",
    "Photo: Getty Images", "12 comments", "Advertisement", "", " ", "plain prose with nothing to see",
    "We use cookies to improve your experience", "Share on Facebook Twitter Email", "12 hours ago", "Sign in",
    "References", "3.2k likes", "1,204 views", "Continue reading", "By John Smith", "May 3, 2021", "---", "@omniweave",
    "Follow us on Twitter", "Sponsored by Acme", "Posted on 2021-05-03 10:00", "Image courtesy of NASA",
]


def test_fold_keeps_length_and_every_case_insensitive_match():
    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert len(fold(everything)) == len(everything)
    chars = {c for p in PATTERNS.values() for ids, _ in p.gated for c in _literals_of(ids)}
    assert len(chars) > 30
    for char in sorted(chars):
        for match in re.findall(re.escape(char), everything, re.IGNORECASE):
            assert fold(match) == fold(char), (char, match)


def _literals_of(ids: frozenset[int]) -> str:
    from omniweave.text.patterns import _LITERALS

    return "".join(k for k, i in _LITERALS.items() if i in ids)


def test_required_literals():
    assert required_literals(r"\bcopyright\b|all rights reserved", re.IGNORECASE) == {"copyright", "all rights reserved"}
    assert required_literals(r"\bclick (on )?(the|this) link\b", re.IGNORECASE) in ({"click "}, {" link"})
    assert required_literals(r"(share|share this|tweet)\b", re.IGNORECASE) == {"share", "tweet"}  # "share this" holds "share"
    assert required_literals(r"^\d{1,3}\.\s+[A-Z]", 0) == {"."}
    assert required_literals(r"\d+|x", 0) is None  # a branch without a literal: no gate
    assert required_literals(r"(ab)?c*", 0) is None  # nothing required


def test_literals_in_finds_overlapping_literals():
    AnyPattern(r"photograph", r"photo\b", r"graph")
    found = literals_in("a photograph")
    from omniweave.text.patterns import _LITERALS

    assert {_LITERALS["photograph"], _LITERALS["photo"], _LITERALS["graph"]} <= found


@pytest.fixture(scope="module")
def texts(shared_data) -> list[tuple[str, frozenset[int]]]:
    """Crafted lines and the short paragraphs (what the rules judge) of real pages, with their literals."""
    lines = []
    for path in sorted((shared_data / "html" / "chinese-web-content-extraction" / "cleaned").glob("*.txt")):
        lines += path.read_text(encoding="utf-8").splitlines()
    for path in sorted((shared_data / "html" / "wcxb-dev-subset" / "ground-truth").glob("*.json")):
        truth = json.loads(path.read_text())["ground_truth"]
        lines += (truth.get("main_content") or "").splitlines() if isinstance(truth, dict) else str(truth).split("\\n")
    collapsed = {" ".join(t.split()) for t in lines}
    short = [t for t in sorted(collapsed) if len(t.split()) <= 80]
    return [(t, literals_in(fold(t))) for t in [*CRAFTED, *short[:: max(1, len(short) // 4000)]]]


def test_gated_search_agrees_with_the_plain_regex(texts):
    assert len(texts) > 1000
    for name, gated in PATTERNS.items():
        plain = re.compile("|".join(f"(?:{a})" for a in gated.alternatives), gated.flags)
        hits = 0
        for text, literals in texts:
            expected = bool(plain.search(text))
            assert gated.search(text, literals) is expected, (name, text[:200])
            hits += expected
        assert 0 < hits < len(texts), name


def test_alternatives_searched_only_in_texts_holding_a_digit_match_only_there(texts):
    from re import _parser as sre_parse

    from omniweave.text.patterns import AnyPattern, _needs_digit

    def needs(pattern: str) -> bool:
        return _needs_digit(sre_parse.parse(pattern, re.IGNORECASE))

    assert needs(r"\d+") and needs(r"^(on )?\d{1,2}月") and needs(r"(?:a\d|\d{2}b)") and needs(r"[\d]")
    assert not needs(r"a\d?") and not needs(r"(\d|x)") and not needs(r"[^\d]") and not needs(r"[\dx]")
    dated = AnyPattern(r"^(posted )?(\d{1,2}[./]\d{1,2}|(jan|feb)[a-z]*\s+\d{1,2})$")
    assert dated.with_digit is not None and dated.ungated is None
    for text in ["２０.１２", "Posted jan 5", "posted jan", "٣/٤"]:  # digits of other scripts are digits too
        assert dated.search(text) is bool(re.search(dated.alternatives[0], text, re.IGNORECASE)), text
    for name, gated in PATTERNS.items():
        for alternative in gated.alternatives:
            if needs(alternative):
                plain = re.compile(alternative, gated.flags)
                assert all(re.search(r"\d", m.group()) for t, _ in texts if (m := plain.search(t))), (name, alternative)


def test_a_pattern_anchored_at_the_start_is_matched_there_only():
    from omniweave.text.patterns import anchored

    assert anchored(r"^(by|written by)\s") and anchored(r"\Afoo") and anchored(r"(?:^a)|(?:^b)")
    assert not anchored(r"^a|b") and not anchored(r"(?m)^a") and not anchored(r"^a", re.MULTILINE)
    assert not anchored(r"a^") and not anchored("")
    for name, gated in PATTERNS.items():  # every alternative: the answer of its own search
        for alternative in gated.alternatives:
            if anchored(alternative, gated.flags):
                plain = re.compile(alternative, gated.flags)
                for text in CRAFTED:
                    assert bool(plain.match(text)) is bool(plain.search(text)), (name, alternative, text)


def test_an_alternative_is_compiled_when_a_text_first_gets_past_its_gate():
    pattern = AnyPattern(r"\bzebras?\b", r"^quokka\w*", r"\d+ wombats")
    compiled = lambda: [isinstance(getattr(search, "__self__", None), re.Pattern) for _, search in pattern.gated]
    assert compiled() == [False, False, False]  # the literals are known, nothing is compiled
    assert pattern.search("Quokkas, at dawn") and not pattern.search("a quokka")  # anchored: matched at the start
    assert compiled() == [False, True, False]
    assert pattern.search_each(["zebra crossing", "3 wombats"], {}, np.array([True, True])).tolist() == [False, False]
    assert compiled() == [False, True, False]  # no text holds their literals: still not compiled
    assert not pattern.search("zebrafish") and pattern.search("12 wombats")
    assert compiled() == [True, True, True]
