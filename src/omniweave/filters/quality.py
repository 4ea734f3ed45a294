"""OBELICS-style quality rules (Laurençon et al. 2023): per paragraph, then per document.

The same measures are used at both levels with different thresholds (a paragraph is judged
with looser repetition limits than a whole document). Stop-word and flagged-word ratios use the
word lists of the document's language (``filters/data``; English when the language is unknown)
and are skipped for languages without a list. Every threshold may be ``null`` to switch it off.
"""

from __future__ import annotations

from pydantic import Field

from omniweave.document import Document, TextNode
from omniweave.filters.paragraphs_base import ParagraphParams, ParagraphStep
from omniweave.filters.wordlists import flagged_in, stopwords_in, word_list
from omniweave.pipeline.step import Filter, StepParams
from omniweave.text.analysis import TextAnalysis, measure_nodes_each


class TextRules(StepParams):
    """Thresholds shared by the paragraph and document rules."""

    min_words: int | None = Field(None, ge=0)
    max_words: int | None = Field(None, gt=0)
    char_repetition_n: int = Field(10, gt=0)
    max_char_repetition_ratio: float | None = Field(None, ge=0, le=1)
    word_repetition_n: int = Field(5, gt=0)
    max_word_repetition_ratio: float | None = Field(None, ge=0, le=1)
    max_special_char_ratio: float | None = Field(None, ge=0, le=1)
    min_stopword_ratio: float | None = Field(None, ge=0, le=1)
    max_flagged_word_ratio: float | None = Field(None, ge=0, le=1)
    min_punctuation_ratio: float | None = Field(None, ge=0, description="punctuation marks per word")
    min_words_for_punctuation: int = Field(0, ge=0, description="check punctuation only from this many words")


def judge_text(a: TextAnalysis, lang: str | None, p: TextRules, prefix: str) -> str | None:
    """The first rule the analysed text fails (``<prefix>_<rule>``), or None."""
    n = len(a.words)
    lang = lang or "en"
    if p.min_words is not None and n < p.min_words:
        return f"{prefix}_too_few_words"
    if p.max_words is not None and n > p.max_words:
        return f"{prefix}_too_many_words"
    if not n:
        return None
    if p.max_char_repetition_ratio is not None:
        if a.char_repetition(p.char_repetition_n) > p.max_char_repetition_ratio:
            return f"{prefix}_char_repetition"
    if p.max_word_repetition_ratio is not None:
        if a.word_repetition(p.word_repetition_n) > p.max_word_repetition_ratio:
            return f"{prefix}_word_repetition"
    if p.max_special_char_ratio is not None and a.special_chars / len(a.text) > p.max_special_char_ratio:
        return f"{prefix}_special_chars"
    if p.min_stopword_ratio is not None and word_list("stopwords", lang):
        if stopwords_in(a, lang) / n < p.min_stopword_ratio:
            return f"{prefix}_few_stopwords"
    if p.max_flagged_word_ratio is not None and flagged_in(a, lang) / n > p.max_flagged_word_ratio:
        return f"{prefix}_flagged_words"
    if p.min_punctuation_ratio is not None and n >= p.min_words_for_punctuation:
        if a.punctuation / n < p.min_punctuation_ratio:
            return f"{prefix}_little_punctuation"
    return None


class ParagraphQualityParams(ParagraphParams, TextRules):
    kinds: list[str] = Field(default_factory=lambda: ["paragraph", "list_item", "quote"])


class ParagraphQuality(ParagraphStep):
    """Remove paragraphs that fail the OBELICS node-level rules (defaults: OBELICS' thresholds)."""

    name = "paragraph_quality"
    Params = ParagraphQualityParams

    ahead = 8  # documents whose paragraphs are measured together (see prepare)

    def prepare(self, docs: list[Document]) -> None:
        """Measure the paragraphs of the next documents at once (:func:`measure_nodes_each`)."""
        p = self.params
        measure_nodes_each([doc.analysis for doc in docs],
                           p.char_repetition_n if p.max_char_repetition_ratio is not None else None,
                           p.word_repetition_n if p.max_word_repetition_ratio is not None else None)

    def judge(self, doc: Document, node: TextNode) -> str | None:
        return judge_text(node.analysis, doc.language, self.params, "paragraph")


class DocumentQualityParams(TextRules):
    min_words_per_image: float | None = Field(None, ge=0, description="words / images, for documents with images")
    min_paragraphs: int | None = Field(None, ge=0, description="text nodes (any kind)")
    min_mean_paragraph_words: float | None = Field(None, ge=0)


class DocumentQuality(Filter):
    """Judge a whole document after paragraph cleaning: size, words per image, paragraph shape,
    repetition, special characters, stop words, flagged words, punctuation."""

    name = "document_quality"
    Params = DocumentQualityParams

    def keep(self, doc: Document) -> bool | str:
        p = self.params
        a = doc.analysis
        n_words = len(a.words)
        n_images = len(doc.images)
        if p.min_words_per_image is not None and n_images and n_words / n_images < p.min_words_per_image:
            return "document_few_words_per_image"
        if p.min_paragraphs is not None and len(a.nodes) < p.min_paragraphs:
            return "document_few_paragraphs"
        if p.min_mean_paragraph_words is not None and a.nodes and n_words / len(a.nodes) < p.min_mean_paragraph_words:
            return "document_short_paragraphs"
        return judge_text(a, doc.language, p, "document") or True
