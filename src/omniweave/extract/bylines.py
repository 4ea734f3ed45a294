"""Bylines and datelines at the head of an article ("By Jane Doe", "本报记者 王燕平", "Last updated:
January 7, 2025", "2022.01.20 16:31 来源：河南日报客户端"): page metadata, not body text. Readability's
output and the hand-made ground truth of the Chinese suite both leave them out."""

from __future__ import annotations

import re

from omniweave.document import Node, TextNode
from omniweave.text.metadata_lines import BYLINES, DATE, TIME
from omniweave.text.words import CJK_CHARS

LEAD_END = 100  # the head of an article ends at its first block (other than a heading) this long,
LEAD_BLOCKS = 8  # or after this many blocks
DATELINE_MAX, BYLINE_MAX = 80, 40  # longer blocks are text that mentions a date or an author
DATELINE_WORDS = 5  # words a dateline may hold besides its date and time (a CJK character counts half)

_DATE = re.compile(DATE, re.IGNORECASE)
_TIME = re.compile(TIME, re.IGNORECASE)
_BYLINE = re.compile("|".join(f"(?:{p})" for p in BYLINES), re.IGNORECASE)
_DIGIT = re.compile(r"\d")  # every date holds one: a 0.2 us test before the 5 us search for a date
_LETTERS = re.compile(r"[^\W\d_]+")
_CJK = re.compile(f"[{CJK_CHARS}]")


def drop_leading_bylines(nodes: list[Node]) -> list[Node]:
    """``nodes`` without the bylines and datelines at the article's head: among the first
    :data:`LEAD_BLOCKS` text blocks, before the first long one."""
    out: list[Node] = []
    seen = 0
    for i, node in enumerate(nodes):
        if type(node) is TextNode and node.kind != "heading":
            text = node.text
            seen += 1
            if len(text) >= LEAD_END or seen > LEAD_BLOCKS:
                return out + nodes[i:]
            if is_dateline(text) or is_byline(text):
                continue
        out.append(node)
    return out


def is_dateline(text: str) -> bool:
    """A short block that is a date (and time) with at most :data:`DATELINE_WORDS` other words:
    "Updated: Dec 9, 2024", "Mittwoch, 26.01.2022 - 14:30", "2003-7-24 钱江晚报"."""
    if len(text) > DATELINE_MAX or _DIGIT.search(text) is None or _DATE.search(text) is None:
        return False
    words = 0.0
    for word in _LETTERS.findall(_TIME.sub(" ", _DATE.sub(" ", text))):
        cjk = len(_CJK.findall(word))
        words += cjk / 2 + (cjk < len(word))
    return words <= DATELINE_WORDS


def is_byline(text: str) -> bool:
    """A short block that names the author: "By Jane Doe", "Reviewed by ...", "本报记者 王燕平",
    "作者：流泉" (:data:`~omniweave.text.metadata_lines.BYLINES`)."""
    return len(text) <= BYLINE_MAX and _BYLINE.search(" ".join(text.split())) is not None
