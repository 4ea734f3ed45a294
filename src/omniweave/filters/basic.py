"""Size filters on what a document holds: characters of text and number of images."""

from __future__ import annotations

from pydantic import Field

from omniweave.document import Document
from omniweave.pipeline.step import Filter, StepParams


class TextLengthParams(StepParams):
    min_chars: int = Field(1, ge=0)
    max_chars: int | None = Field(None, gt=0)


class TextLength(Filter):
    """Drop documents whose text (all text nodes) is shorter or longer than the bounds."""

    name = "text_length"
    Params = TextLengthParams

    def keep(self, doc: Document) -> bool | str:
        n = sum(len(t.text) for t in doc.texts)
        if n < self.params.min_chars:
            return "too_short"
        if self.params.max_chars is not None and n > self.params.max_chars:
            return "too_long"
        return True


class ImageCountParams(StepParams):
    min_images: int = Field(0, ge=0)
    max_images: int | None = Field(None, ge=0)


class ImageCount(Filter):
    """Drop documents with fewer or more images than the bounds."""

    name = "image_count"
    Params = ImageCountParams

    def keep(self, doc: Document) -> bool | str:
        n = len(doc.images)
        if n < self.params.min_images:
            return "too_few_images"
        if self.params.max_images is not None and n > self.params.max_images:
            return "too_many_images"
        return True
