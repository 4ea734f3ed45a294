"""What a data card shows, gathered from a run folder: funnel with images, distributions, samples.

The distributions come from ``stats.json`` (counted by the tasks while they wrote the corpus, see
:mod:`omniweave.pipeline.distributions`); only a run folder written before that is read again.

Images per step are counted backwards from the corpus: a step's images in = its images out + the
images of the documents it dropped (read from ``stages/*/dropped``, so only with
``output.keep_dropped``) + its ``removed_images:<reason>`` counts. Without dropped documents on
disk, the images of a step that dropped documents (and of every step before it) are unknown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from omniweave import counters
from omniweave.io.output import read_json
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.distributions import (
    IMAGE_BINS,
    SIDE_BINS,
    WORD_BINS,
    Distributions,
    bucket,
    bucket_labels,
    keep_heaviest,
)
from omniweave.text.words import words

__all__ = ["IMAGE_BINS", "SIDE_BINS", "WORD_BINS", "RunData", "bucket", "bucket_labels", "collect"]


@dataclass
class StepRow:
    """One funnel row: documents and (when known) images in and out, drops by reason."""

    step: str
    docs_in: int
    docs_out: int
    images_in: int | None = None
    images_out: int | None = None
    reasons: list[tuple[str, int, int | None]] = field(default_factory=list)  # (reason, documents, images)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(kw_only=True)
class RunData(Distributions):
    """A run's figures for the card: its distributions (the base's counters) and what the run says."""

    root: str
    info: dict[str, Any]
    stats: dict[str, Any]
    funnel: list[StepRow]
    words_sampled: int = 0
    removed_text: Counter[tuple[str, str]] = field(default_factory=Counter)  # (step, "paragraphs: reason") -> n
    keep_dropped: bool = False


def non_null_per_row(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Number of non-null items in each row of a list column."""
    import pyarrow.compute as pc  # only for dropped documents and old run folders (a run loads it seldom)

    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    parents = pc.list_parent_indices(column).to_numpy(zero_copy_only=False)
    valid = pc.is_valid(pc.list_flatten(column)).to_numpy(zero_copy_only=False)
    return np.bincount(parents[valid], minlength=len(column)) if len(column) else np.zeros(0, int)


def _read(run: RunDir, path: str, columns: list[str]) -> pa.Table:
    with run.fs.open(path, "rb") as fh:
        return pq.read_table(fh, columns=columns)


def dropped_by_step(run: RunDir) -> tuple[bool, Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """(any dropped files, documents and images per (step, reason)) from ``stages/*/dropped``."""
    docs: Counter[tuple[str, str]] = Counter()
    images: Counter[tuple[str, str]] = Counter()
    files = run.parquet_files(run.all_dropped)
    for path in files:
        table = _read(run, path, ["images", "drop_step", "drop_reason"])
        counts = non_null_per_row(table["images"])
        for step, reason, n in zip(table["drop_step"].to_pylist(), table["drop_reason"].to_pylist(), counts):
            docs[(step, reason)] += 1
            images[(step, reason)] += int(n)
    return bool(files), docs, images


@dataclass
class DroppedExample:
    """A dropped document as the card shows it: where it came from and how it began."""

    id: str
    url: str | None
    title: str | None
    text: str
    detail: str | None


def dropped_examples(run: RunDir, per_reason: int = 2, chars: int = 280) -> dict[tuple[str, str], list[DroppedExample]]:
    """Up to ``per_reason`` dropped documents per (step, reason), from ``stages/*/dropped`` (keep_dropped)."""
    out: dict[tuple[str, str], list[DroppedExample]] = {}
    for path in run.parquet_files(run.all_dropped):
        table = _read(run, path, ["id", "texts", "general_metadata", "drop_step", "drop_reason", "drop_detail"])
        gm = table["general_metadata"].combine_chunks()
        urls, titles = gm.field("url").to_pylist(), gm.field("title").to_pylist()
        for i, (doc_id, step, reason, detail) in enumerate(zip(
                *(table[c].to_pylist() for c in ("id", "drop_step", "drop_reason", "drop_detail")))):
            examples = out.setdefault((step, reason), [])
            if len(examples) < per_reason:
                text = " ".join(t for t in table["texts"][i].as_py() or [] if t)
                examples.append(DroppedExample(doc_id, urls[i], titles[i], text[:chars], detail))
    return out


def build_funnel(stats: dict[str, Any], images_out: int, dropped_images: Counter[tuple[str, str]] | None) -> list[StepRow]:
    """Funnel rows of ``stats.json`` with images counted backwards from ``images_out``."""
    rows = [StepRow(r["step"], r["in"], r["out"], counts=dict(r.get("counts") or {})) for r in stats.get("funnel", [])]
    known: int | None = images_out
    for row, raw in zip(reversed(rows), reversed(stats.get("funnel", []))):
        row.images_out = known
        removed = counters.reasons(row.counts, counters.REMOVED_IMAGES)
        reasons = dict(raw.get("dropped") or {})
        if row.step == "read":
            row.reasons = [(r, n, None) for r, n in sorted(reasons.items(), key=lambda kv: -kv[1])]
            row.images_in = None
            continue
        total: int | None = sum(removed.values())
        for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            imgs = dropped_images.get((row.step, reason)) if dropped_images is not None else None
            row.reasons.append((reason, n, imgs))
            total = None if imgs is None or total is None else total + imgs
        for reason, n in sorted(removed.items(), key=lambda kv: -kv[1]):
            row.reasons.append((f"image removed: {reason}", 0, n))
        known = None if known is None or total is None else known + total
        row.images_in = known
    return rows


def _corpus_distributions(run: RunDir, data: RunData, max_word_docs: int) -> None:
    import pyarrow.compute as pc

    columns = ["texts", "images", "metadata", "general_metadata"]
    for path in run.parquet_files(run.corpus):
        table = _read(run, path, columns)
        n_images = non_null_per_row(table["images"])
        data.documents += table.num_rows
        data.images += int(n_images.sum())
        data.images_per_doc.update(bucket(int(n), IMAGE_BINS) for n in n_images)
        gm = table["general_metadata"].combine_chunks()
        data.languages.update(lang or "unknown" for lang in gm.field("language").to_pylist())
        data.domains.update(d or "unknown" for d in gm.field("domain").to_pylist())
        keep_heaviest(data.domains)
        meta = pc.list_flatten(table["metadata"].combine_chunks())
        meta = meta.filter(pc.is_valid(meta))
        for w, h, fmt in zip(meta.field("width").to_pylist(), meta.field("height").to_pylist(), meta.field("format").to_pylist()):
            data.formats[fmt or "unknown"] += 1
            data.image_sides[bucket(min(w, h), SIDE_BINS) if w and h else "unknown"] += 1
        for texts in table["texts"].to_pylist():
            if data.words_sampled >= max_word_docs:
                break
            data.words[bucket(sum(len(words(t)) for t in texts if t), WORD_BINS)] += 1
            data.words_sampled += 1


def collect(root: str, max_word_docs: int = 5000) -> RunData:
    """Everything the data card of the run at ``root`` shows (in a run folder without counted
    distributions, words are counted on the first ``max_word_docs`` documents)."""
    run = RunDir(root)
    if not run.fs.exists(run.stats_json):
        raise FileNotFoundError(f"{root}: no stats.json (not a run folder, or the run has not finished a pass)")
    stats = read_json(run.fs, run.stats_json)
    info = read_json(run.fs, run.run_json) if run.fs.exists(run.run_json) else {}
    data = RunData(root=root, info=info, stats=stats, funnel=[])
    if "distributions" in stats:
        counted = Distributions.merged([stats["distributions"]])
        for f in fields(Distributions):
            setattr(data, f.name, getattr(counted, f.name))
        data.words_sampled = counted.documents
    else:
        _corpus_distributions(run, data, max_word_docs)
    has_dropped, _, dropped_images = dropped_by_step(run)
    data.keep_dropped = has_dropped or bool(((info.get("recipe") or {}).get("output") or {}).get("keep_dropped"))
    data.funnel = build_funnel(stats, data.images, dropped_images if data.keep_dropped else None)
    for row in data.funnel:  # removed_paragraphs:<reason>, removed_lines:<reason>, ...
        for key, n in row.counts.items():
            what, reason = counters.parse(key)
            if what.startswith("removed_") and what != counters.REMOVED_IMAGES and reason:
                data.removed_text[(row.step, f"{what.removeprefix('removed_')}: {reason}")] += n
    return data
