"""C4 rules (Raffel et al. 2020), adapted to interleaved documents.

Line rules act on the lines of the text nodes of ``kinds`` (headings, tables, code and image
captions are left alone): remove lines without terminal punctuation, with fewer than
``min_words_per_line`` words, mentioning javascript, or cookie/privacy/terms notices. Document
rules: drop on "lorem ipsum", on a curly bracket (code), or with fewer than ``min_sentences``
sentences left. Removed lines are counted as ``removed_lines:<reason>``.
"""

from __future__ import annotations

import re

from pydantic import Field

from omniweave import counters
from omniweave.document import Document, TextNode
from omniweave.filters.paragraphs_base import ParagraphParams, ParagraphStep
from omniweave.text.words import ends_sentence, words

POLICY_PHRASES = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies",
                  "隐私政策", "使用条款", "使用cookie", "使用 cookie")
_SENTENCE_END = re.compile(r"[。！？]+|[.!?]+(?=\s|$|[\"'”’」』）)])")


def sentence_count(text: str) -> int:
    """Sentences in ``text``: runs of full-width terminal punctuation, or of ``.!?`` followed by a
    space, a quote or the end (so "3.5" and "e.g.x" are not sentence ends)."""
    return len(_SENTENCE_END.findall(text))


class C4Params(ParagraphParams):
    kinds: list[str] = Field(default_factory=lambda: ["paragraph", "list_item", "quote"])
    require_terminal_punctuation: bool = True
    min_words_per_line: int | None = Field(3, ge=0)
    max_word_length: int | None = Field(1000, gt=0, description="drop lines with a longer word")
    remove_javascript_lines: bool = True
    remove_policy_lines: bool = True
    drop_lorem_ipsum: bool = True
    drop_curly_bracket: bool = True
    min_sentences: int | None = Field(5, ge=0, description="sentences left in the document's text")


class C4(ParagraphStep):
    """C4 line and document rules."""

    name = "c4"
    Params = C4Params
    counter = counters.REMOVED_LINES

    def line_reason(self, line: str) -> str | None:
        p = self.params
        lower = line.lower()
        if p.remove_javascript_lines and "javascript" in lower:
            return "c4_javascript"
        if p.remove_policy_lines and any(s in lower for s in POLICY_PHRASES):
            return "c4_policy"
        if p.require_terminal_punctuation and not ends_sentence(line):
            return "c4_no_terminal_punctuation"
        ws = words(line)
        if p.min_words_per_line is not None and len(ws) < p.min_words_per_line:
            return "c4_few_words"
        if p.max_word_length is not None and any(len(w) > p.max_word_length for w in ws):
            return "c4_long_word"
        return None

    def edit(self, doc: Document, node: TextNode) -> tuple[str, list[tuple[str, str]]]:
        kept, removed = [], []
        for line in node.text.splitlines():
            stripped = line.strip()
            if not stripped:
                continue
            reason = self.line_reason(stripped)
            if reason:
                removed.append((stripped, reason))
            else:
                kept.append(line)
        return ("\n".join(kept) if removed else node.text), removed

    def check_document(self, doc: Document) -> bool | str:
        p = self.params
        text = doc.text
        if p.drop_lorem_ipsum and "lorem ipsum" in text.lower():
            return "c4_lorem_ipsum"
        if p.drop_curly_bracket and "{" in text:
            return "c4_curly_bracket"
        if p.min_sentences is not None and sentence_count(text) < p.min_sentences:
            return "c4_too_few_sentences"
        return True
