"""HTML for one document as it reads (text and images interleaved), shared by the card and viewer."""

from __future__ import annotations

import base64
import io
import json
import logging
from html import escape

from omniweave.document import Document, ImageNode, TextNode
from omniweave.export.images import ImageStore

log = logging.getLogger(__name__)

TAGS = {"heading": "h4", "list_item": "li", "quote": "blockquote", "code": "pre", "table": "pre", "caption": "p"}


def image_info(node: ImageNode) -> dict[str, object]:
    """The metadata shown on hover (only fields that are set)."""
    info = {"url": node.url, "alt": node.alt, "title": node.title, "caption": node.caption,
            "size": f"{node.width}×{node.height}" if node.width and node.height else None,
            "declared": f"{node.declared_width}×{node.declared_height}" if node.declared_width and node.declared_height else None,
            "format": node.format, "sha256": node.sha256, "phash": node.phash}
    info.update({k: v for k, v in node.extra.items() if k not in ("store", "img_url_sha")})
    return {k: v for k, v in info.items() if v not in (None, "")}


def thumbnail_uri(data: bytes, node: ImageNode, max_side: int = 320) -> str | None:
    """A small data URI of the image (re-encoded thumbnail); None when it does not decode."""
    from PIL import Image, UnidentifiedImageError  # only a card with fetched images needs Pillow

    try:
        with Image.open(io.BytesIO(data)) as im:
            im.thumbnail((max_side, max_side))
            alpha = im.mode in ("RGBA", "LA", "P")
            out = io.BytesIO()
            (im.convert("RGBA") if alpha else im.convert("RGB")).save(out, "PNG" if alpha else "JPEG", quality=80)
        return f"data:image/{'png' if alpha else 'jpeg'};base64,{base64.b64encode(out.getvalue()).decode()}"
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        log.info("no thumbnail for %s: %s", node.url, exc)
        return None


def image_html(node: ImageNode, src: str | None) -> str:
    """An ``<img>`` (``src``: data URI or viewer URL) with its metadata, or a link when no bytes."""
    meta = json.dumps(image_info(node), ensure_ascii=False, default=str)
    title = "\n".join(f"{k}: {v}" for k, v in image_info(node).items())
    if src:
        return (f'<figure class="doc-image"><img src="{escape(src)}" alt="{escape(node.alt or "")}" '
                f'title="{escape(title)}" data-meta="{escape(meta)}"></figure>')
    return (f'<figure class="doc-image missing" title="{escape(title)}" data-meta="{escape(meta)}">'
            f'<a href="{escape(node.url)}" rel="noreferrer">image (not stored): {escape(node.alt or node.url)}</a></figure>')


def document_html(doc: Document, store: ImageStore | None, *, max_chars: int | None = None,
                  max_images: int | None = None) -> str:
    """The document's nodes in order, cut after ``max_chars`` of text or ``max_images`` images;
    images inlined as thumbnails when the store has them."""
    parts, used, shown = [], 0, 0
    for node in doc.nodes:
        full = (max_chars is not None and used >= max_chars) if isinstance(node, TextNode) else (
            max_images is not None and shown >= max_images)
        if full:
            left = len(doc.images) - shown
            parts.append(f'<p class="more">… ({left} more images)</p>' if left else '<p class="more">…</p>')
            break
        if isinstance(node, TextNode):
            text = node.text if max_chars is None else node.text[: max_chars - used]
            used += len(text)
            tag = TAGS.get(node.kind, "p")
            parts.append(f'<{tag} class="node {escape(node.kind)}">{escape(text)}</{tag}>')
        else:
            shown += 1
            data = store.get(node) if store is not None else None
            parts.append(image_html(node, thumbnail_uri(data, node) if data else None))
    return "\n".join(parts)

