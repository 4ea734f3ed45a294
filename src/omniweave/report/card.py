"""The data card: ``report.html``, one self-contained page (inline CSS and SVG, images as data URIs)."""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Iterator
from html import escape
from importlib import resources
from typing import Any

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from omniweave.document import Document
from omniweave.export.images import ImageStore
from omniweave.export.source import corpus_files
from omniweave.io.output import FLUSH_ROWS, filesystem
from omniweave.layout import SCHEMA, row_to_document
from omniweave.report.charts import bar_chart, funnel_chart
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.distributions import domain_count_error
from omniweave.report.data import IMAGE_BINS, SIDE_BINS, WORD_BINS, RunData, bucket_labels, collect, dropped_examples
from omniweave.report.images import image_table, images_section
from omniweave.report.render import document_html
from omniweave.report.rules import rules_section

VIEWER = "http://127.0.0.1:8765/"  # where `omniweave view RUN_DIR` serves by default


def static_text(name: str) -> str:
    return (resources.files("omniweave.report") / "static" / name).read_text(encoding="utf-8")


def _fmt(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _in_order(counter: dict[str, int], labels: list[str]) -> list[tuple[str, int]]:
    items = [(label, counter.get(label, 0)) for label in labels]
    return items + [(k, v) for k, v in counter.items() if k not in labels]


def funnel_section(data: RunData) -> str:
    rows = []
    for r in data.funnel:
        rows.append(f'<tr class="step"><td>{escape(r.step)}</td><td>{_fmt(r.docs_in)}</td><td>{_fmt(r.docs_out)}</td>'
                    f'<td>{_fmt(r.docs_in - r.docs_out)}</td><td>{_fmt(r.images_in)}</td><td>{_fmt(r.images_out)}</td></tr>')
        for reason, docs, images in r.reasons:
            rows.append(f'<tr class="sub"><td class="reason">↳ {escape(reason)}</td><td></td><td></td>'
                        f'<td>{_fmt(docs) if docs else ""}</td><td></td><td>{"−" + _fmt(images) if images else ""}</td></tr>')
    unknown = any(r.images_in is None for r in data.funnel if r.step != "read")
    note = "" if not unknown else (
        '<p class="note">Images in dropped documents are unknown for this run (set <code>output.keep_dropped: true</code>).</p>')
    table = ('<table class="funnel"><thead><tr><th>step / drop reason</th><th>documents in</th><th>documents out</th>'
             '<th>documents dropped</th><th>images in</th><th>images out</th></tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>')
    chart = funnel_chart([(r.step, r.docs_in, r.docs_out) for r in data.funnel])
    removed = ""
    if data.removed_text:
        items = sorted(data.removed_text.items(), key=lambda kv: -kv[1])
        removed = ('<table class="removed-text"><thead><tr><th>step</th><th class="reason">text removed from kept documents'
                   '</th><th>count</th></tr></thead><tbody>' + "".join(
                       f'<tr><td>{escape(s)}</td><td class="reason">{escape(r)}</td><td>{_fmt(n)}</td></tr>'
                       for (s, r), n in items) + "</tbody></table>")
        chart = chart + bar_chart("removed_text", "Text removed from kept documents",
                                  [(f"{s}: {r}", n) for (s, r), n in items[:15]])
    section = f'<section id="funnel"><h2>Funnel</h2><div class="charts">{chart}</div>{table}{note}{removed}</section>'
    return section + rules_section(data.stats)


def distributions_section(data: RunData) -> str:
    sampled = "" if data.words_sampled == data.documents else f" (first {data.words_sampled:,} documents)"
    error = domain_count_error(data.documents, data.domains)
    domains = f"Top domains (counts up to {error:,} short: more domains than the card keeps)" if error else "Top domains"
    charts = [
        bar_chart("words", f"Words per document{sampled}", _in_order(data.words, bucket_labels(WORD_BINS))),
        bar_chart("images", "Images per document", _in_order(data.images_per_doc, bucket_labels(IMAGE_BINS))),
        bar_chart("image_sizes", "Image size (shorter side, px)", _in_order(data.image_sides, bucket_labels(SIDE_BINS))),
        bar_chart("formats", "Image formats", data.formats.most_common(10)),
        bar_chart("languages", "Languages", data.languages.most_common(12)),
        bar_chart("domains", domains, data.domains.most_common(15)),
    ]
    return f'<section id="distributions"><h2>Distributions</h2><div class="charts">{"".join(charts)}</div></section>'


def sample_rank(texts: list[str | None] | None, images: list[str | None] | None) -> tuple[int, int]:
    """A corpus row's place among the samples (smallest first): most images, then most text (the
    length of its document's ``text``, the texts joined by blank lines)."""
    present = [t for t in texts or () if t is not None]
    return -sum(i is not None for i in images or ()), -(sum(map(len, present)) + 2 * max(len(present) - 1, 0))


def pick_samples(root: str, n: int, scan: int = 2000) -> list[Document]:
    """``n`` documents among the first ``scan``: most images first, then most text (ties: the first).
    Ranked from the texts and images columns as the rows stream by; a row becomes a Python row only
    while it is among the ``n`` best, so the scan holds one batch and ``n`` rows."""
    best: list[tuple[tuple[int, int, int, int], dict[str, Any]]] = []  # the n best, worst first (keys negated)
    try:
        fs, files = corpus_files(root)
        for at, texts, images, batch, i in itertools.islice(_corpus_rows(fs, files), scan):
            rank = sample_rank(texts, images)
            key = (-rank[0], -rank[1], -at[0], -at[1])
            if len(best) < n:
                heapq.heappush(best, (key, batch.slice(i, 1).to_pylist()[0]))
            elif best and key > best[0][0]:
                heapq.heapreplace(best, (key, batch.slice(i, 1).to_pylist()[0]))
    except ValueError:  # no corpus
        return []
    return [row_to_document(row) for _, row in sorted(best, reverse=True)]


def _corpus_rows(fs: fsspec.AbstractFileSystem, files: list[str]) -> Iterator[tuple[tuple[int, int], Any, Any, pa.RecordBatch, int]]:
    """((file index, row), texts, images, the row's batch, its index there) of every row of ``files`` in order."""
    for f, path in enumerate(files):
        first = 0
        with fs.open(path, "rb") as fh:
            for batch in pq.ParquetFile(fh).iter_batches(batch_size=FLUSH_ROWS, columns=SCHEMA.names):
                texts, images = batch.column("texts").to_pylist(), batch.column("images").to_pylist()
                for i in range(batch.num_rows):
                    yield (f, first + i), texts[i], images[i], batch, i
                first += batch.num_rows


def samples_section(root: str, n: int) -> str:
    docs = pick_samples(root, n)
    if not docs:
        return '<section id="samples"><h2>Documents</h2><p class="note">The corpus is empty.</p></section>'
    with ImageStore(root) as store:
        articles = [
            f'<article class="doc" data-id="{escape(d.id)}"><h3>{escape(d.title or d.url or d.id)}</h3>'
            f'<div class="url">{escape(d.url or "")} · {escape(d.language or "unknown")} · {len(d.images)} images</div>'
            f'{document_html(d, store, max_chars=1200, max_images=6)}</article>'
            for d in docs
        ]
    return f'<section id="samples"><h2>Documents</h2><div class="samples">{"".join(articles)}</div></section>'


def step_times_section(data: RunData) -> str:
    """Seconds per step, summed over tasks (a global step's map, reduce and apply together)."""
    seconds = data.stats.get("step_seconds") or {}
    if not seconds:
        return ""
    order = [r.step for r in data.funnel]
    items = sorted(seconds.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
    total = sum(seconds.values()) or 1.0
    chart = bar_chart("step_seconds", "Time per step (seconds, all tasks)", [(k, round(v, 2)) for k, v in items], unit=" s")
    rows = "".join(f'<tr><td>{escape(k)}</td><td>{v:,.2f}</td><td>{100 * v / total:.0f}%</td></tr>' for k, v in items)
    table = ('<table class="step-times"><thead><tr><th>step</th><th>seconds</th><th>share</th></tr></thead>'
             f'<tbody>{rows}</tbody></table>')
    return f'<section id="step-times"><h2>Time per step</h2><div class="charts">{chart}</div>{table}</section>'


def dropped_examples_section(root: str, per_reason: int = 2) -> str:
    """A few dropped documents per reason, each linked to the viewer (needs ``output.keep_dropped``)."""
    examples = dropped_examples(RunDir(root), per_reason)
    if not examples:
        return ('<section id="dropped-examples"><h2>Dropped documents</h2><p class="note">No dropped documents on disk '
                '(none were dropped, or the run did not set <code>output.keep_dropped: true</code>).</p></section>')
    blocks = []
    for (step, reason), docs in sorted(examples.items()):
        items = "".join(
            f'<li><a href="{VIEWER}#id/{escape(d.id)}">{escape(d.title or d.url or d.id)}</a>'
            f'<div class="url">{escape(d.url or "")}{" · " + escape(d.detail) if d.detail else ""}</div>'
            f'<div class="excerpt">{escape(d.text) or "<i>no text</i>"}</div></li>' for d in docs)
        blocks.append(f'<div class="reason-examples"><h3>{escape(step)}: {escape(reason)}</h3><ul>{items}</ul></div>')
    return ('<section id="dropped-examples"><h2>Dropped documents</h2><p class="note">The first documents dropped for '
            f'each reason; the links open them in the viewer (<code>omniweave view {escape(root)}</code>).</p>'
            f'{"".join(blocks)}</section>')


def viewer_link(root: str) -> str:
    return (f'<div class="viewer-link">Browse every document, kept and dropped: <code>omniweave view {escape(root)}</code>, '
            f'then <a href="{VIEWER}">{VIEWER}</a></div>')


def build_report(root: str, samples: int = 3) -> str:
    """The data card of the run at ``root`` as one HTML string."""
    data = collect(root)
    info, stats = data.info, data.stats
    # the viewer's header shows the same two figures: documents dropped by steps, records skipped at read
    dropped_docs = sum(n for r in data.funnel if r.step != "read" for _, n, _ in r.reasons)
    skipped = sum(n for r in data.funnel if r.step == "read" for _, n, _ in r.reasons)
    figures = [(data.documents, "documents out"), (data.images, "images out"), (dropped_docs, "documents dropped"),
               (skipped, "records skipped at read"),
               (sum(n for (_, r), n in data.removed_text.items() if r.startswith("paragraphs:")), "paragraphs removed"),
               (stats.get("tasks", {}).get("completed", 0), "task runs completed")]
    figures_html = "".join(f'<div class="figure"><b>{v:,}</b><span>{escape(label)}</span></div>' for v, label in figures)
    recipe = json.dumps(info.get("recipe", {}), indent=2, ensure_ascii=False)
    subtitle = " · ".join(escape(str(x)) for x in (root, info.get("status"), info.get("finished") or info.get("started"),
                                                    f"omniweave {info.get('omniweave_version', '?')}") if x)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f'<title>omniweave data card</title><style>{static_text("report.css")}</style></head><body>'
        f'<header><h1>omniweave data card</h1><div class="sub">{subtitle}</div>{viewer_link(root)}</header><main>'
        f'<section id="summary"><div class="figures">{figures_html}</div></section>'
        f'{funnel_section(data)}{step_times_section(data)}{images_section(image_table(RunDir(root)))}'
        f'{distributions_section(data)}{dropped_examples_section(root)}{samples_section(root, samples)}'
        f'<section id="recipe"><h2>Recipe</h2><details><summary>run.json recipe</summary><pre>{escape(recipe)}</pre>'
        '</details></section></main></body></html>'
    )


def write_report(root: str, dest: str | None = None) -> str:
    """Write the data card (default ``<root>/report.html``, atomically); returns its path."""
    html = build_report(root)
    run = RunDir(root)
    fs, path = filesystem(dest) if dest else (run.fs, run.report_html)
    tmp = f"{path}.tmp"
    with fs.open(tmp, "w", encoding="utf-8") as fh:
        fh.write(html)
    fs.mv(tmp, path)
    return path

