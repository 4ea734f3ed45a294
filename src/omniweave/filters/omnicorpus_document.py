"""OmniCorpus's document gates that omniweave's Gopher rules do not already hold (step
``omnicorpus_document``): flagged-word share, words per image, and a paragraph-length check.

An image counts towards words per image once its size is known (declared in the HTML, or measured
by the ``images`` step) and its shorter side is at least ``min_image_side``; each URL counts once.
OmniCorpus applies the gate after its image filters; before omniweave's ``images`` step an image of
unknown size may be a spacer or a decoration, so it does not count. Put the preset after ``images``
for the released behaviour on every image.

The released gates on size (50-100,000 words), mean word length (3-10), alphabetic words (>= 0.8)
and stop words (>= 2) are exactly ``gopher_quality``'s; the ``omnicorpus-en`` preset runs both.
"""

from __future__ import annotations

from pydantic import Field

from omniweave.document import Document
from omniweave.filters.wordlists import flagged_in
from omniweave.pipeline.step import Filter, StepParams


class OmnicorpusDocumentParams(StepParams):
    max_flagged_word_ratio: float | None = Field(0.02, ge=0, le=1, description="dropped above this share")
    min_words_per_image: float | None = Field(50, ge=0, description="words / images, checked above images_over")
    images_over: int = Field(2, ge=0, description="check words per image only with more images than this")
    min_image_side: int = Field(100, ge=0, description="smaller images (icons, spacers) are not counted")
    min_longest_paragraph_words: int | None = Field(
        10, ge=1, description="a document whose longest paragraph is shorter is a listing, not prose")


class OmnicorpusDocument(Filter):
    name = "omnicorpus_document"
    Params = OmnicorpusDocumentParams

    def keep(self, doc: Document) -> bool | str:
        p: OmnicorpusDocumentParams = self.params  # type: ignore[assignment]
        text = doc.analysis
        n_words = len(text.words)
        n_images = len(self.counted_images(doc))
        if p.min_words_per_image is not None and n_images > p.images_over and n_words / n_images < p.min_words_per_image:
            return "omnicorpus_few_words_per_image"
        if p.min_longest_paragraph_words is not None and max((len(a.words) for a in text.paragraphs), default=0) < p.min_longest_paragraph_words:
            return "omnicorpus_no_long_paragraph"
        if p.max_flagged_word_ratio is not None and n_words:
            if flagged_in(text, doc.language or "en") / n_words > p.max_flagged_word_ratio:
                return "omnicorpus_flagged_words"
        return True

    def counted_images(self, doc: Document) -> set[str]:
        """URLs of the images the words-per-image gate counts (see the module docstring)."""
        side = self.params.min_image_side  # type: ignore[attr-defined]
        out = set()
        for im in doc.images:
            w, h = im.width or im.declared_width, im.height or im.declared_height
            if w and h and min(w, h) >= side:
                out.add(im.url)
        return out
