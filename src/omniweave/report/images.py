"""Why images were lost: the data card's image table (per status, and the domains with most
failures) and the success rate that ``omniweave stats`` prints.

The table reads the ``images`` step's ``images/*.parquet`` (one row per URL used, with its status
and the number of documents holding it); the success rate reads the step's counts in
``stats.json``. A status is ``ok``, a filter's reason (the image was there, and removed), or
why it could not be had (``not_captured``, ``http_404``, ``timeout``, ``blocked``, ...).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlsplit

import pyarrow.parquet as pq

from omniweave import counters
from omniweave.images import FILTER_REASONS, RESULT_DIR
from omniweave.pipeline.rundir import RunDir

TOP_DOMAINS = 20


@dataclass
class ImageTable:
    """URLs and documents per status; failed URLs per domain (``failed``: neither ok nor filtered)."""

    urls: Counter[str] = field(default_factory=Counter)
    documents: Counter[str] = field(default_factory=Counter)
    domain_failed: Counter[str] = field(default_factory=Counter)
    domain_urls: Counter[str] = field(default_factory=Counter)
    domain_statuses: dict[str, Counter[str]] = field(default_factory=dict)


def is_failure(status: str) -> bool:
    return status != "ok" and status not in FILTER_REASONS


def _domain(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "unknown").lower()
    except ValueError:
        return "unknown"


def image_table(run: RunDir) -> ImageTable | None:
    """The image table of a run (every images step together); None when no step reduced images."""
    paths = sorted(run.fs.glob(run.join(f"stages/*/global/*/reduce/{RESULT_DIR}/*.parquet")))
    if not paths:
        return None
    table = ImageTable()
    for path in paths:
        with run.fs.open(path, "rb") as fh:
            rows = pq.read_table(fh, columns=["url", "status", "url_doc_count"]).to_pylist()
        for row in rows:
            status, domain = row["status"] or "unknown", _domain(row["url"])
            table.urls[status] += 1
            table.documents[status] += row["url_doc_count"] or 0
            table.domain_urls[domain] += 1
            if is_failure(status):
                table.domain_failed[domain] += 1
                table.domain_statuses.setdefault(domain, Counter())[status] += 1
    return table


def images_section(table: ImageTable | None) -> str:
    """The data card's ``Images`` section (empty without an images step)."""
    if table is None:
        return ""
    total = sum(table.urls.values()) or 1
    rows = "".join(
        f'<tr><td>{escape(s)}</td><td>{_kind(s)}</td><td>{n:,}</td><td>{n / total:.1%}</td>'
        f"<td>{table.documents[s]:,}</td></tr>"
        for s, n in sorted(table.urls.items(), key=lambda kv: (kv[0] != "ok", -kv[1], kv[0]))
    )
    statuses = ('<table class="image-status"><thead><tr><th>status</th><th>kind</th><th>image URLs</th><th>share</th>'
                f"<th>documents holding them</th></tr></thead><tbody>{rows}</tbody></table>")
    domains = ""
    if table.domain_failed:
        drows = "".join(
            f"<tr><td>{escape(d)}</td><td>{n:,}</td><td>{table.domain_urls[d]:,}</td>"
            f'<td class="reason">{escape(", ".join(f"{s} {k}" for s, k in table.domain_statuses[d].most_common(3)))}</td></tr>'
            for d, n in table.domain_failed.most_common(TOP_DOMAINS)
        )
        domains = (f'<h3>The {TOP_DOMAINS} domains with most failures</h3><table class="image-domains"><thead><tr>'
                   '<th>domain</th><th>failed URLs</th><th>image URLs</th><th class="reason">main causes</th></tr>'
                   f"</thead><tbody>{drows}</tbody></table>")
    return (f'<section id="images"><h2>Images</h2><p class="note">{success_line_of(table)}</p>'
            f"{statuses}{domains}</section>")


def _kind(status: str) -> str:
    return "kept" if status == "ok" else "filtered" if status in FILTER_REASONS else "failed"


def success_line_of(table: ImageTable) -> str:
    total = sum(table.urls.values())
    ok, filtered = table.urls["ok"], sum(n for s, n in table.urls.items() if s in FILTER_REASONS)
    return (f"{ok:,} of {total:,} image URLs kept ({ok / max(total, 1):.1%}); {filtered:,} filtered out, "
            f"{total - ok - filtered:,} could not be had.")


def image_success_line(stats: dict[str, Any]) -> str | None:
    """``images: kept K of N (x%) ...`` from the counts of the images steps in ``stats.json``; None without one."""
    kept = removed = 0
    unavailable: Counter[str] = Counter()
    found = False
    for row in stats.get("funnel", []):
        counts = row.get("counts") or {}
        if counters.reduce("urls") not in counts:
            continue
        found = True
        kept += counts.get("images_kept", 0)
        for key, n in counts.items():
            kind, reason = counters.parse(key)
            if kind == counters.REMOVED_IMAGES and reason is not None:
                removed += n
                if is_failure(reason):
                    unavailable[reason] += n
    if not found:
        return None
    total = kept + removed
    causes = ", ".join(f"{s}={n}" for s, n in unavailable.most_common(5))
    return (f"images: {kept:,} of {total:,} kept ({kept / max(total, 1):.1%} success); "
            f"{sum(unavailable.values()):,} could not be had" + (f" ({causes})" if causes else ""))
