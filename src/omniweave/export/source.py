"""Where exports read from: the documents of a run (or of an interleaved export), and the filters.

``RUN_DIR`` may be a run's output folder (its ``corpus/`` is read) or any folder or file of
Parquet in :data:`omniweave.layout.SCHEMA` (e.g. an ``interleaved`` export), so one export can
feed another. Local paths and fsspec URLs both work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import fsspec
import pyarrow.parquet as pq

from omniweave.document import Document, TextNode
from omniweave.layout import SCHEMA, row_to_document
from omniweave.pipeline.rundir import RunDir
from omniweave.text.words import words


class ExportError(ValueError):
    """An export that cannot run (no corpus, bad option); the message says why."""


def corpus_files(source: str) -> tuple[fsspec.AbstractFileSystem, list[str]]:
    """The Parquet files holding the documents of ``source`` (a run folder, a folder, or a file)."""
    run = RunDir(source)
    fs = run.fs
    if not fs.exists(run.path):
        raise ExportError(f"{source}: no such file or folder")
    if fs.isfile(run.path):
        return fs, [run.path]
    files = run.parquet_files(run.corpus if fs.isdir(run.corpus) else run.path)
    if not files:
        raise ExportError(f"{source}: no Parquet documents (expected a run folder with corpus/*.parquet)")
    return fs, files


def run_root_of(source: str) -> str | None:
    """``source`` when it is a run folder (it has ``corpus/``), else None."""
    run = RunDir(source)
    return source if run.fs.isdir(run.corpus) else None


def iter_documents(source: str, batch_size: int = 256) -> Iterator[Document]:
    """Every document of ``source`` in file order, read in batches."""
    fs, files = corpus_files(source)
    for path in files:
        with fs.open(path, "rb") as fh:
            for batch in pq.ParquetFile(fh).iter_batches(batch_size=batch_size, columns=SCHEMA.names):
                for row in batch.to_pylist():
                    yield row_to_document(row)


def word_count(doc: Document) -> int:
    """Words of the document's text nodes (script-aware, as the text filters count them)."""
    return sum(len(words(n.text)) for n in doc.nodes if isinstance(n, TextNode))


@dataclass
class DocFilter:
    """Which documents an export keeps; ``None``/0 means no limit."""

    languages: list[str] | None = None
    min_images: int = 0
    max_images: int | None = None
    min_words: int = 0

    def reason(self, doc: Document) -> str | None:
        """Why ``doc`` is left out of the export (None: it is exported)."""
        if self.languages and (doc.language or "") not in self.languages:
            return "language"
        n_images = len(doc.images)
        if n_images < self.min_images:
            return "too_few_images"
        if self.max_images is not None and n_images > self.max_images:
            return "too_many_images"
        if self.min_words and word_count(doc) < self.min_words:
            return "too_few_words"
        return None


@dataclass
class ExportResult:
    """What an export wrote: documents read and exported, skips by reason, items, files."""

    format: str
    dest: str
    documents_in: int = 0
    documents_out: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    files: list[str] = field(default_factory=list)

    def summary(self) -> str:
        skipped = ", ".join(f"{k}={v}" for k, v in sorted(self.skipped.items())) or "none"
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return (f"{self.format}: {self.documents_out} of {self.documents_in} documents -> {self.dest} "
                f"({len(self.files)} files); skipped: {skipped}; {counts}")


def filtered(source: str, doc_filter: DocFilter, result: ExportResult) -> Iterator[Document]:
    """Documents of ``source`` that pass ``doc_filter``, counted in ``result``."""
    for doc in iter_documents(source):
        result.documents_in += 1
        reason = doc_filter.reason(doc)
        if reason:
            result.skipped[reason] += 1
            continue
        result.documents_out += 1
        yield doc
