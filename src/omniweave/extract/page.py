"""Page-level facts read from ``<head>``: title, canonical URL and the base for relative links."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

_WS = re.compile(r"\s+")


def page_title(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("title")
    title = _WS.sub(" ", node.text()).strip() if node is not None else ""
    if not title:
        node = tree.css_first("meta[property='og:title']")
        title = _WS.sub(" ", node.attributes.get("content") or "").strip() if node is not None else ""
    return title or None


def canonical_url(tree: LexborHTMLParser) -> str | None:
    """The page's own absolute URL from ``<link rel=canonical>`` or ``og:url``, if it declares one."""
    for selector, attr in (("link[rel=canonical i]", "href"), ("meta[property='og:url']", "content")):
        node = tree.css_first(selector)
        value = (node.attributes.get(attr) or "").strip() if node is not None else ""
        if value.startswith(("http://", "https://")):
            return value
    return None


def base_href(tree: LexborHTMLParser, url: str | None) -> str | None:
    """The URL relative links resolve against: ``<base href>`` joined to the page URL."""
    node = tree.css_first("base[href]")
    href = (node.attributes.get("href") or "").strip() if node is not None else ""
    if href:
        return urljoin(url, href) if url else href
    return url
