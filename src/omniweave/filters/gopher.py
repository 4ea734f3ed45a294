"""Gopher document rules (Rae et al. 2021, appendix A): quality heuristics and repetition removal.

Both read the document's shared analysis (``doc.analysis``, :mod:`omniweave.text.analysis`).
Words are script-aware (:func:`omniweave.text.words.words`): the word-length rule looks at the words of
space-separated scripts and only when they are most of the document; in documents whose words are
mostly CJK (jieba words average under two characters) every n-gram rule uses ``n * cjk_ngram_scale``
words. The stop-word rule uses the list of the document's language (English when unknown; skipped
for languages without a list).
"""

from __future__ import annotations

from itertools import repeat

from pydantic import Field

from omniweave.document import Document
from omniweave.pipeline.step import Filter, StepParams
from omniweave.text.repetition import duplicates

BULLETS = ("•", "‣", "⁃", "◦", "●", "○", "▪", "■", "□", "-", "*", "·", "–", "—", "→", "►")
ELLIPSES = ("...", "…")
GOPHER_STOP_WORDS = {
    "en": ["the", "be", "to", "of", "and", "that", "have", "with"],
    "zh": ["的", "是", "在", "了", "和", "有", "也", "这", "不", "我", "就", "都"],
}


class GopherQualityParams(StepParams):
    min_words: int | None = Field(50, ge=0)
    max_words: int | None = Field(100_000, gt=0)
    min_avg_word_length: float | None = Field(3, ge=0)
    max_avg_word_length: float | None = Field(10, gt=0)
    max_symbol_word_ratio: float | None = Field(0.1, ge=0, description="('#' + ellipses) / words")
    max_bullet_lines_ratio: float | None = Field(0.9, ge=0, le=1)
    max_ellipsis_lines_ratio: float | None = Field(0.3, ge=0, le=1)
    min_alpha_words_ratio: float | None = Field(0.8, ge=0, le=1, description="words with a letter / words")
    min_stop_words: int | None = Field(2, ge=0)
    stop_words: dict[str, list[str]] = Field(default_factory=lambda: {k: list(v) for k, v in GOPHER_STOP_WORDS.items()})


class GopherQuality(Filter):
    """Gopher quality rules; each failed rule is its own drop reason."""

    name = "gopher_quality"
    Params = GopherQualityParams

    def keep(self, doc: Document) -> bool | str:
        p = self.params
        a = doc.analysis
        n = a.word_count
        if p.min_words is not None and n < p.min_words:
            return "gopher_too_few_words"
        if p.max_words is not None and n > p.max_words:
            return "gopher_too_many_words"
        if n == 0:
            return True
        spaced = n - a.cjk_words
        if spaced >= n / 2:  # word length means little for segmenter output
            avg = a.spaced_word_chars / spaced
            if p.min_avg_word_length is not None and avg < p.min_avg_word_length:
                return "gopher_short_words"
            if p.max_avg_word_length is not None and avg > p.max_avg_word_length:
                return "gopher_long_words"
        if p.max_symbol_word_ratio is not None:
            symbols = a.text.count("#") + a.text.count("...") + a.text.count("…")
            if symbols / n > p.max_symbol_word_ratio:
                return "gopher_symbol_ratio"
        ls = a.lines
        if ls and p.max_bullet_lines_ratio is not None:
            if sum(map(str.startswith, ls, repeat(BULLETS))) / len(ls) > p.max_bullet_lines_ratio:
                return "gopher_bullet_lines"
        if ls and p.max_ellipsis_lines_ratio is not None:
            if sum(map(str.endswith, ls, repeat(ELLIPSES))) / len(ls) > p.max_ellipsis_lines_ratio:
                return "gopher_ellipsis_lines"
        if p.min_alpha_words_ratio is not None and a.alpha_words / n < p.min_alpha_words_ratio:
            return "gopher_non_alpha_words"
        stop = p.stop_words.get(doc.language or "en")
        if p.min_stop_words is not None and stop:
            wanted, found = set(stop), set()
            for part in a.paragraphs:  # up to the paragraph where enough are found
                found |= wanted.intersection(part.lower_words)
                if len(found) >= p.min_stop_words:
                    break
            if len(found) < p.min_stop_words:
                return "gopher_few_stop_words"
        return True


class GopherRepetitionParams(StepParams):
    max_dup_line_ratio: float | None = Field(0.3, ge=0, le=1)
    max_dup_paragraph_ratio: float | None = Field(0.3, ge=0, le=1)
    max_dup_line_char_ratio: float | None = Field(0.2, ge=0, le=1)
    max_dup_paragraph_char_ratio: float | None = Field(0.2, ge=0, le=1)
    max_top_ngram_char_ratio: dict[int, float] = Field(default_factory=lambda: {2: 0.20, 3: 0.18, 4: 0.16})
    max_dup_ngram_char_ratio: dict[int, float] = Field(
        default_factory=lambda: {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}
    )
    cjk_ngram_scale: int = Field(2, ge=1, description="n-gram length factor for mostly-CJK documents")


class GopherRepetition(Filter):
    """Gopher repetition rules: duplicated lines/paragraphs and repeated word n-grams.
    Paragraphs are the document's text nodes; lines are their lines."""

    name = "gopher_repetition"
    Params = GopherRepetitionParams

    def keep(self, doc: Document) -> bool | str:
        p = self.params
        a = doc.analysis
        paragraphs = [node.text.strip() for node in a.nodes]
        if not paragraphs:
            return True
        total_chars = sum(map(len, paragraphs))
        n_dup, dup_chars = duplicates(paragraphs)
        if p.max_dup_paragraph_ratio is not None and n_dup / len(paragraphs) > p.max_dup_paragraph_ratio:
            return "gopher_dup_paragraphs"
        if p.max_dup_paragraph_char_ratio is not None and dup_chars / total_chars > p.max_dup_paragraph_char_ratio:
            return "gopher_dup_paragraph_chars"
        ls = a.lines
        n_dup, dup_chars = duplicates(ls)
        if p.max_dup_line_ratio is not None and n_dup / len(ls) > p.max_dup_line_ratio:
            return "gopher_dup_lines"
        if p.max_dup_line_char_ratio is not None and dup_chars / sum(map(len, ls)) > p.max_dup_line_char_ratio:
            return "gopher_dup_line_chars"
        scale = p.cjk_ngram_scale if a.cjk_words > a.word_count / 2 else 1
        for n, limit in sorted(p.max_top_ngram_char_ratio.items()):
            if a.top_ngram_chars(n * scale) > limit:
                return f"gopher_top_{n}gram"
        dup_limits = sorted(p.max_dup_ngram_char_ratio.items())
        for i, (n, limit) in enumerate(dup_limits):
            ratio = a.duplicate_ngram_chars(n * scale)
            if ratio > limit:
                return f"gopher_dup_{n}gram"
            if ratio <= min((later for _, later in dup_limits[i + 1 :]), default=1.0):
                break  # the words in repeated longer n-grams are among these: every later rule passes
        return True
