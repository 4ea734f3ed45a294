"""Exports of a run's corpus: interleaved Parquet, a text corpus, image-text pairs, WebDataset shards.

``export_run(source, "pairs", dest, DocFilter(min_images=1))`` reads the run's documents (or an
earlier interleaved export), keeps those that pass the filter, and writes ``dest``.
"""

from __future__ import annotations

from typing import Any, Literal

from omniweave.export.source import DocFilter, ExportError, ExportResult, filtered, run_root_of

Format = Literal["interleaved", "text", "pairs", "webdataset"]
FORMATS: tuple[str, ...] = ("interleaved", "text", "pairs", "webdataset")

__all__ = ["FORMATS", "DocFilter", "ExportError", "ExportResult", "export_run"]


def export_run(source: str, fmt: Format, dest: str, doc_filter: DocFilter | None = None, **options: Any) -> ExportResult:
    """Export the documents of ``source`` that pass ``doc_filter`` to ``dest`` as ``fmt``.

    Options: ``row_format`` (parquet | jsonl) and ``image_token`` for text; ``row_format`` and
    ``strategies`` for pairs; ``max_rows`` (per part) for the Parquet/JSONL formats;
    ``max_samples`` (per shard) for webdataset.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; choose from {', '.join(FORMATS)}")
    from omniweave.export.images import ImageStore
    from omniweave.export.interleaved import export_interleaved
    from omniweave.export.pairs import export_pairs, require_clip_scores
    from omniweave.export.text import export_text
    from omniweave.export.webdataset import export_webdataset

    result = ExportResult(format=fmt, dest=dest)
    docs = filtered(source, doc_filter or DocFilter(), result)
    if fmt == "interleaved":
        export_interleaved(docs, dest, result, **options)
    elif fmt == "text":
        export_text(docs, dest, result, **_rename(options))
    elif fmt == "pairs":
        if "similarity" in (options.get("strategies") or []):  # asked for by name, not the default fallback
            require_clip_scores(source)
        export_pairs(docs, dest, result, **_rename(options))
    else:
        with ImageStore(run_root_of(source)) as store:
            export_webdataset(docs, dest, result, store=store, **options)
    return result


def _rename(options: dict[str, Any]) -> dict[str, Any]:
    return {("fmt" if k == "row_format" else k): v for k, v in options.items()}
