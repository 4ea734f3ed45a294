"""Small inline SVG charts (no scripts, no external files): horizontal bars and the funnel."""

from __future__ import annotations

from html import escape

ROW, LABEL_W, BAR_W, PAD = 22, 170, 320, 6


def _label(text: str, limit: int = 23) -> str:
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def bar_chart(key: str, title: str, items: list[tuple[str, int]], unit: str = "") -> str:
    """A titled horizontal bar chart of ``(label, value)`` items, as ``<figure class="chart">``."""
    top = max((v for _, v in items), default=0) or 1
    total = sum(v for _, v in items) or 1
    height = ROW * max(len(items), 1) + PAD * 2
    width = LABEL_W + BAR_W + 90
    parts = [(f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
              f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">')]
    for i, (label, value) in enumerate(items):
        y = PAD + i * ROW
        w = max(1, round(BAR_W * value / top)) if value else 0
        share = f"{100 * value / total:.0f}%"
        parts.append(
            f'<g class="bar"><title>{escape(label)}: {value}{unit} ({share})</title>'
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{_label(label)}</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{w}" height="{ROW - 6}" rx="2"/>'
            f'<text x="{LABEL_W + w + 5}" y="{y + 15}" class="value">{value}{unit}</text></g>'
        )
    if not items:
        parts.append(f'<text x="{LABEL_W}" y="{PAD + 15}" class="value">no data</text>')
    parts.append("</svg>")
    return f'<figure class="chart" data-chart="{escape(key)}"><figcaption>{escape(title)}</figcaption>{"".join(parts)}</figure>'


def funnel_chart(rows: list[tuple[str, int, int]]) -> str:
    """Documents in (light) and out (dark) per step, as ``<figure class="chart" data-chart="funnel">``."""
    top = max((r[1] for r in rows), default=0) or 1
    height = ROW * max(len(rows), 1) + PAD * 2
    width = LABEL_W + BAR_W + 120
    parts = [('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="document funnel" '
              f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">')]
    for i, (step, docs_in, docs_out) in enumerate(rows):
        y = PAD + i * ROW
        w_in, w_out = round(BAR_W * docs_in / top), round(BAR_W * docs_out / top)
        parts.append(
            f'<g class="bar"><title>{escape(step)}: {docs_in} in, {docs_out} out</title>'
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end">{_label(step)}</text>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{w_in}" height="{ROW - 6}" class="in" rx="2"/>'
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{w_out}" height="{ROW - 6}" rx="2"/>'
            f'<text x="{LABEL_W + w_in + 5}" y="{y + 15}" class="value">{docs_out} / {docs_in}</text></g>'
        )
    parts.append("</svg>")
    return ('<figure class="chart" data-chart="funnel"><figcaption>Documents out / in per step</figcaption>'
            f'{"".join(parts)}</figure>')
