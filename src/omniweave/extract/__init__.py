"""Main-body extraction: HTML in, :class:`~omniweave.document.Document` out."""

from __future__ import annotations

import hashlib

from selectolax.lexbor import LexborHTMLParser

from omniweave.document import Document, Source, make_doc_id
from omniweave.extract.simple import base_href, extract_nodes, page_title
from omniweave.io.decode import decode_html

__all__ = ["extract_html"]


def extract_html(
    html: str | bytes,
    url: str | None = None,
    *,
    doc_id: str | None = None,
    http_charset: str | None = None,
    source: Source | None = None,
) -> Document:
    """Extract a page's main body as text and image nodes in reading order.

    ``html`` may be bytes (decoded with ``http_charset``, ``<meta charset>``, then detection) or text.
    ``doc_id`` defaults to a digest of the URL and the page bytes. The decoding used is recorded in
    ``metadata["charset"]``.
    """
    metadata = {}
    if isinstance(html, bytes):
        raw = html
        html, charset = decode_html(html, http_charset)
        metadata["charset"] = charset
    else:
        raw = html.encode("utf-8", "surrogatepass")
    if doc_id is None:
        doc_id = make_doc_id("html", url, hashlib.sha256(raw).hexdigest())
    tree = LexborHTMLParser(html)
    return Document(
        id=doc_id,
        url=url,
        nodes=extract_nodes(tree, base_href(tree, url)),
        title=page_title(tree),
        source=source or Source(format="html"),
        metadata=metadata,
    )
