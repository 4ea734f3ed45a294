"""Lexbor's fixed numeric tag ids. The walk, the scan, scoring and cleaning compare ``node.tag_id``
(an int) where reading ``node.tag`` would decode a new string on each read."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

_FACTORY = LexborHTMLParser("")
TEXT_ID = LexborHTMLParser("<p>x</p>").css_first("p").first_child.tag_id  # a text node's
DOCUMENT_ID = _FACTORY.root.parent.tag_id  # the document node's


def id_of_tag(name: str) -> int:
    """Lexbor's id of the HTML tag ``name`` (the same in every document)."""
    return _FACTORY.create_node(name).tag_id
