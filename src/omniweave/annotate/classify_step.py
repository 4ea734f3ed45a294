"""The ``doc_classifier`` step: a document-level classifier's probabilities in ``Document.metadata``.

Writes ``metadata[name] = {label: probability}`` (``general_metadata.extra`` in the layout) for
every document with text; ``name`` defaults to the model file's or folder's name. Use the step
once per classifier (fluency, advertisement, toxicity, ...). Counters: ``texts_scored``,
``ms_texts``, ``ms_total``, ``no_text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from pydantic import Field

from omniweave.annotate.classifiers import (
    DocumentClassifier,
    FastTextClassifier,
    HuggingFaceClassifier,
    Kind,
    resolve_kind,
)
from omniweave.annotate.runtime import Device, ModelParams, batched, timed
from omniweave.document import Document
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.step import Step


class DocClassifierParams(ModelParams):
    """Recipe keys of ``doc_classifier``."""

    model: str = Field(description="fastText model file, or a Hugging Face classifier folder / cached hub id")
    kind: Kind = Field("auto", description="auto: a file is fastText, anything else Hugging Face")
    name: str | None = Field(None, min_length=1, description="metadata key; default: the model's file/folder name")
    labels: list[str] | None = Field(None, description="write only these labels; None: all")
    max_chars: int = Field(10_000, gt=0, description="characters of the document text given to the model")
    max_tokens: int = Field(512, gt=0, description="Hugging Face only: tokens per text")
    digits: int = Field(4, ge=1, le=8, description="probabilities rounded to this many decimals")


@lru_cache(maxsize=4)
def _load(source: str, kind: str, device: Device, half: bool | None, batch_size: int, max_tokens: int,
          step: str) -> DocumentClassifier:
    if kind == "fasttext":
        return FastTextClassifier(source, step)
    return HuggingFaceClassifier(source, device, half, batch_size, max_tokens, step)


class DocClassifier(Step):
    """Document classifier probabilities into metadata (see the module docstring)."""

    name = "doc_classifier"
    Params = DocClassifierParams
    params: DocClassifierParams

    def __init__(self, params: DocClassifierParams | None = None, label: str | None = None) -> None:
        super().__init__(params, label)
        p = self.params
        self.kind = resolve_kind(self.label, p.model, p.kind)
        path = Path(p.model.rstrip("/"))
        self.key = p.name or (path.stem if path.is_file() else path.name)

    def setup(self, ctx: TaskContext) -> None:
        p = self.params
        self.model = _load(p.model, self.kind, p.device, p.half, p.batch_size, p.max_tokens, self.label)

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        counts = ctx.counts(self.label)
        p = self.params
        for batch in batched(docs, p.docs_per_batch):
            with timed(counts, "ms_total"):
                todo = [(doc, doc.text[: p.max_chars]) for doc in batch]
                todo = [(doc, text) for doc, text in todo if text.strip()]
                counts["no_text"] += len(batch) - len(todo)
                with timed(counts, "ms_texts"):
                    results = self.model.predict([text for _, text in todo]) if todo else []
                for (doc, _), probs in zip(todo, results):
                    doc.metadata[self.key] = {k: round(v, p.digits) for k, v in probs.items()
                                              if p.labels is None or k in p.labels}
                counts["texts_scored"] += len(todo)
            counts["in"] += len(batch)
            counts["kept"] += len(batch)
            yield from batch
