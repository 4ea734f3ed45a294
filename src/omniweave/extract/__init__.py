"""Main-body extraction: HTML in, :class:`~omniweave.document.Document` out.

Steps: decode, bound the work (:mod:`.guard`), parse with lexbor, collect head facts and junk in one
query (:mod:`.scan`, :mod:`.page`), remove junk and named boilerplate (:mod:`.clean`), choose the
content subtrees by scoring (:mod:`.score`), walk them emitting text blocks and images in place
(:mod:`.walk`, :mod:`.images`), prune link-heavy leftovers and boilerplate after the content
(:mod:`.learned`), and give back the link lists that are the page's items (:mod:`.items`). A page
whose output is empty or a short notice, while its visible text holds much more, is extracted again
from that text (counted in the document's metadata): a page with visible text never gives nothing;
one whose output is still (nearly) empty, without an image, gives its description meta instead.
"""

from __future__ import annotations

import xxhash
from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser

from omniweave.document import Document, Node, Source, TextNode, make_doc_id
from omniweave.extract.clean import remove_junk, remove_weak
from omniweave.extract.guard import MAX_CHARS, ExtractionRefused, check_size_and_depth
from omniweave.extract.page import base_href, canonical_url, page_description, page_title
from omniweave.extract.scan import Scan, scan
from omniweave.extract.learned import choose_roots, filter_blocks, trim_tail
from omniweave.extract.items import restore_items
from omniweave.extract.score import score_page
from omniweave.extract.walk import prune, walk
from omniweave.io.decode import decode_unless_utf8

__all__ = ["ExtractionRefused", "extract_html"]

RESCUE_BELOW = 100  # characters of output under which the page's visible text is looked at again
RESCUE_RATIO = 10  # ... and taken when, less link lists and furniture, it holds this many times more
DESCRIBED_BELOW = 50  # characters of output (after the rescue, no image) under which the page's description stands in


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
    ``url`` defaults to the page's ``<link rel=canonical>`` / ``og:url``; image URLs are resolved
    against it (and ``<base href>``). ``doc_id`` defaults to a digest of the URL and a 128-bit hash of the page bytes.
    The decoding used is in ``metadata["charset"]``; a page cut to the size bound says so in
    ``metadata["extract_truncated"]``, one whose output was (nearly) empty and was taken from its
    visible text or its description meta instead in ``metadata["extract_rescued"]``. Raises :class:`ExtractionRefused` (with a ``reason``) for a
    page nested too deeply to parse in bounded time.
    """
    metadata: dict[str, str] = {}
    parse_input: str | bytes
    if isinstance(html, bytes):
        raw = html
        text, charset = decode_unless_utf8(raw, http_charset)
        metadata["charset"] = charset
        # plain UTF-8 (no text): the parser takes the bytes as they are, and the guard needs the text
        # only where it may cut it (a page of more characters than MAX_CHARS has more bytes)
        parse_input = raw if text is None else text
        html = text if text is not None else raw.decode("utf-8") if len(raw) > MAX_CHARS else ""
    else:
        try:
            raw = parse_input = html.encode("utf-8")  # what the parser would encode the text to
        except UnicodeEncodeError:  # lone surrogates: hashed as they are, dropped by the parser
            raw = html.encode("utf-8", "surrogatepass")
            parse_input = html
    if doc_id is None:
        doc_id = make_doc_id("html", url, xxhash.xxh3_128_hexdigest(raw))
    html, note = check_size_and_depth(html, raw)
    if note:
        metadata["extract_truncated"] = note
        parse_input = html
    tree = LexborHTMLParser(parse_input, options=LexborDocumentOptions.WO_EVENTS)
    found = scan(tree)
    page_url = url or canonical_url(found.head)
    title = page_title(found.head)
    base_url = base_href(found.head, page_url)
    nodes = extract_nodes(tree, found, base_url, title)
    if _text_chars(nodes) < RESCUE_BELOW:
        nodes, rescued = _rescue(nodes, parse_input, base_url, title)
        if rescued:
            metadata["extract_rescued"] = rescued
    if _text_chars(nodes) < DESCRIBED_BELOW:
        nodes = _described(nodes, found, metadata)
    return Document(
        id=doc_id,
        url=page_url,
        nodes=nodes,
        title=title,
        source=source or Source(format="html"),
        metadata=metadata,
    )


def extract_nodes(tree: LexborHTMLParser, found: Scan, base_url: str | None, title: str | None) -> list[Node]:
    """Main-body nodes of a parsed page (the tree is modified), in reading order."""
    hinted, body_chars_at_most = remove_junk(tree, found)
    body = tree.body or tree.root
    if body is None:
        return []
    roots = choose_roots(body, score_page(body, hinted), hinted, body_chars_at_most)
    for root in roots:
        remove_weak(root, hinted)
    blocks = walk(roots, base_url)
    nodes = trim_tail(filter_blocks(blocks, prune(blocks, title)), blocks.link_chars)
    nodes = restore_items(blocks, nodes, body_chars_at_most)
    if not _has_text(nodes) and roots != [body]:
        nodes = prune(walk([body], base_url), title)
    if not _has_text(nodes):  # everything pruned as links or furniture: the page is that (a link hub)
        nodes = walk([body], base_url).nodes
    return nodes if _has_text(nodes) else []


def _has_text(nodes: list[Node]) -> bool:
    return any(isinstance(n, TextNode) for n in nodes)


def _text_chars(nodes: list[Node]) -> int:
    return sum(len(n.text) for n in nodes if isinstance(n, TextNode))


def _described(nodes: list[Node], found: Scan, metadata: dict[str, str]) -> list[Node]:
    """The page's description meta (:func:`~omniweave.extract.page.page_description`) as its one
    paragraph, in place of an output of under :data:`DESCRIBED_BELOW` characters and no image
    (nothing, or a line of chrome) that the description outgrows: a page that ships its text for
    scripts to render (a forum's posts) keeps the only copy of it there, while a picture with a short
    caption is content of its own. Noted as ``metadata["extract_rescued"]``."""
    description = page_description(found.head)
    if description is None or len(description) <= _text_chars(nodes) or _has_image(nodes):
        return nodes
    metadata["extract_rescued"] = "description"
    return [TextNode(description, "paragraph")]


def _has_image(nodes: list[Node]) -> bool:
    return not all(isinstance(n, TextNode) for n in nodes)


def _rescue(nodes: list[Node], parse_input: str | bytes, base_url: str | None,
            title: str | None) -> tuple[list[Node], str | None]:
    """The last resort when the cleaned page gave no text, or under :data:`RESCUE_BELOW` characters
    (a notice left over when the rules took the body for boilerplate: "End of the road", a promo
    bar): the blocks of the whole page outside script-like tags, hidden or not (a page whose text
    sits in a hidden or boilerplate-named wrapper, as single-page apps ship it before their scripts
    run, is not empty): all of them in place of empty output; in place of a short one, less link
    lists and furniture as the rules prune them, when they hold :data:`RESCUE_RATIO` times the text.
    Returns the nodes and what was done (None: the output stands)."""
    tree = LexborHTMLParser(parse_input, options=LexborDocumentOptions.WO_EVENTS)
    body = tree.body
    if body is None:
        return nodes, None
    for node in body.css("script, style, template, noscript, svg, canvas, iframe, object, embed, select, textarea"):
        node.remove()
    blocks = walk([body], base_url)
    chars = _text_chars(nodes)
    if chars == 0:
        return (blocks.nodes, "empty_output") if _has_text(blocks.nodes) else (nodes, None)
    pruned = prune(blocks, title)
    return (pruned, "short_output") if _text_chars(pruned) >= RESCUE_RATIO * chars else (nodes, None)
