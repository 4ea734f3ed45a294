"""The data card's per-rule section: every text rule's removals (and merges, splits, joined lines)
in recipe order, and the domains a domain-level step removed most site boilerplate from."""

from __future__ import annotations

from html import escape
from typing import Any

from omniweave import counters
from omniweave.pipeline.stats import rule_rows


def rules_section(stats: dict[str, Any]) -> str:
    """``<section id="rules">``, or '' when no step removed text by rule."""
    rows = rule_rows(stats)
    if not rows:
        return ""
    body = "".join(f"<tr><td>{escape(step)}</td><td class=\"reason\">{escape(counter)}</td><td>{n:,}</td></tr>"
                   for step, counter, n in rows)
    html = ('<section id="rules"><h2>Text rules</h2><table class="removed-text"><thead><tr><th>step</th>'
            f'<th class="reason">rule</th><th>paragraphs or lines</th></tr></thead><tbody>{body}</tbody></table>')
    for row in stats.get("funnel", []):
        domains = sorted(counters.domain_removals(row["counts"]).items(),
                         key=lambda kv: (-kv[1], kv[0]))
        if domains:
            cells = "".join(f"<tr><td>{escape(d)}</td><td>{n:,}</td></tr>" for d, n in domains)
            html += (f'<h3>{escape(row["step"])}: site boilerplate removed per domain (most first)</h3>'
                     f'<table class="removed-text"><thead><tr><th>domain</th><th>paragraphs removed</th></tr></thead>'
                     f"<tbody>{cells}</tbody></table>")
    return html + "</section>"
