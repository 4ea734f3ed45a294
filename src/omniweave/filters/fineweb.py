"""FineWeb line rules (Penedo et al. 2024) over the lines of a document's text nodes."""

from __future__ import annotations

from pydantic import Field

from omniweave.document import Document
from omniweave.pipeline.step import Filter, StepParams
from omniweave.text.repetition import duplicates
from omniweave.text.words import ends_sentence


class FineWebQualityParams(StepParams):
    min_punctuated_lines_ratio: float | None = Field(0.12, ge=0, le=1, description="lines ending in terminal punct.")
    max_short_lines_ratio: float | None = Field(0.67, ge=0, le=1)
    short_line_chars: int = Field(30, gt=0, description="a line this long or shorter is short")
    max_dup_line_char_ratio: float | None = Field(0.01, ge=0, le=1, description="characters in repeated lines / all")
    max_newline_word_ratio: float | None = Field(0.3, ge=0, description="line breaks per word (list-like pages)")


class FineWebQuality(Filter):
    """Drop documents whose lines look like lists, menus or repeated boilerplate."""

    name = "fineweb_quality"
    Params = FineWebQualityParams

    def keep(self, doc: Document) -> bool | str:
        p = self.params
        a = doc.analysis
        ls = a.lines
        if not ls:
            return "fineweb_no_lines"
        if p.min_punctuated_lines_ratio is not None:
            if sum(1 for s in ls if ends_sentence(s)) / len(ls) < p.min_punctuated_lines_ratio:
                return "fineweb_line_punctuation"
        if p.max_short_lines_ratio is not None:
            if sum(1 for s in ls if len(s) <= p.short_line_chars) / len(ls) >= p.max_short_lines_ratio:
                return "fineweb_short_lines"
        if p.max_dup_line_char_ratio is not None:
            if duplicates(ls)[1] / sum(map(len, ls)) >= p.max_dup_line_char_ratio:
                return "fineweb_dup_line_chars"
        if p.max_newline_word_ratio is not None:
            n_words = a.word_count
            if not n_words or (len(ls) - 1) / n_words > p.max_newline_word_ratio:
                return "fineweb_list_like"
        return True
