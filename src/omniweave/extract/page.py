"""Page-level facts read from ``<head>``: title, description, canonical URL and the base for relative links.

Each takes the page's ``title``/``meta``/``link``/``base`` elements in document order (from
:func:`omniweave.extract.scan.scan`) and, like a CSS query, uses the first that matches.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from selectolax.lexbor import LexborNode

_WS = re.compile(r"\s+")


def _first(
    head: list[LexborNode], tag: str, attr: str, value: str | None = None, fold: bool = False
) -> LexborNode | None:
    """The first ``tag`` with attribute ``attr`` (equal to ``value`` when given; ``fold``: case-blind)."""
    for node in head:
        if node.tag == tag:
            found = node.attributes.get(attr, False)
            if found is False:
                continue
            if value is None or found == value or (fold and (found or "").lower() == value):
                return node
    return None


def page_title(head: list[LexborNode]) -> str | None:
    node = next((n for n in head if n.tag == "title"), None)
    title = _WS.sub(" ", node.text()).strip() if node is not None else ""
    if not title:
        node = _first(head, "meta", "property", "og:title")
        title = _WS.sub(" ", node.attributes.get("content") or "").strip() if node is not None else ""
    return title or None


def page_description(head: list[LexborNode]) -> str | None:
    """The page's summary from its description metas (``og:description``, ``twitter:description``,
    ``description``): the longest, as sites often cut the plain one shorter than the social ones."""
    found = [
        _WS.sub(" ", node.attributes.get("content") or "").strip()
        for tag, key, value in (("meta", "property", "og:description"), ("meta", "name", "twitter:description"),
                                ("meta", "name", "description"))
        if (node := _first(head, tag, key, value, True)) is not None
    ]
    return max(found, key=len, default="") or None


def canonical_url(head: list[LexborNode]) -> str | None:
    """The page's own absolute URL from ``<link rel=canonical>`` or ``og:url``, if it declares one."""
    for tag, key, value, fold, attr in (
        ("link", "rel", "canonical", True, "href"),
        ("meta", "property", "og:url", False, "content"),
    ):
        node = _first(head, tag, key, value, fold)
        found = (node.attributes.get(attr) or "").strip() if node is not None else ""
        if found.startswith(("http://", "https://")):
            return found
    return None


def base_href(head: list[LexborNode], url: str | None) -> str | None:
    """The URL relative links resolve against: ``<base href>`` joined to the page URL."""
    node = _first(head, "base", "href")
    href = (node.attributes.get("href") or "").strip() if node is not None else ""
    if href:
        try:
            return urljoin(url, href) if url else href
        except ValueError:  # a base the URL parser rejects: links resolve against the page URL
            return url
    return url
