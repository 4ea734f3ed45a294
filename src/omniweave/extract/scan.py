"""Two passes over the parsed page collecting every node the head lookups and the junk removal
need, sorted into buckets: a walk for the tags, one CSS query for the attributes.

A lexbor query pays about 10 ns per element for each tag selector in its list (about 20 for an
attribute selector), so the 27 wanted tags would cost about 280 ns per element in one query, where
a walk that looks each element's tag id up in a set costs about 120 ns. The attribute selectors
stay a query: reading attributes into Python would cost more.
The buckets keep document order; a node removed with its subtree is detached (no parent), which is
how later phases recognise what an earlier phase already removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser, LexborNode

from omniweave.extract.tag_ids import id_of_tag

JUNK_TAGS = (
    "script", "style", "template", "svg", "canvas", "iframe", "object", "embed", "video", "audio",
    "button", "select", "input", "textarea", "option", "label", "link", "meta", "dialog", "rt", "rp",
)
HEAD_TAGS = ("title", "meta", "link", "base")
CHROME_TAGS = ("nav", "aside")
# attribute selectors whose matches are told apart in Python: hidden, role, inline style, marked comments
_ATTRIBUTE_SELECTORS = (
    "[hidden]", "[style*=display i]", "[style*=visibility i]", "[aria-hidden=true]", "[role]",
    "[itemprop=comment]", "[itemtype]",  # itemtype is rare: its values are told apart in Python
)
ATTRIBUTE_QUERY = ", ".join(_ATTRIBUTE_SELECTORS)
WANTED_TAGS = frozenset((*JUNK_TAGS, *HEAD_TAGS, "noscript", "math", *CHROME_TAGS))
_WANTED_IDS = frozenset(map(id_of_tag, WANTED_TAGS))
_META_ID = id_of_tag("meta")
JSON_LD = "application/ld+json"  # a script's type that says it holds schema.org data
_JSON_LD_PRODUCT = re.compile(r'"@type"\s*:\s*\[?\s*"Product"')  # a JSON-LD object typed Product (first type)
_JSON_LD_ARTICLE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:\w*Article|BlogPosting)"')  # ... typed as an article
_BUCKET_OF_TAG = {
    **{tag: "junk" for tag in JUNK_TAGS},
    "noscript": "noscripts",
    "math": "maths",
    **{tag: "chrome" for tag in CHROME_TAGS},
}


@dataclass(slots=True)
class Scan:
    """The page's nodes of :data:`WANTED_TAGS` and matches of :data:`ATTRIBUTE_QUERY`, by what later
    steps do with them, each list in document order."""

    head: list[LexborNode] = field(default_factory=list)  # title, meta, link, base (anywhere in the page)
    segments: list[LexborNode] = field(default_factory=list)  # streamed late content: div[hidden][id^="S:"]
    textareas: list[LexborNode] = field(default_factory=list)
    junk: list[LexborNode] = field(default_factory=list)  # JUNK_TAGS (textareas included)
    json_ld: list[str] = field(default_factory=list)  # the text of each JSON-LD script (see declares_product)
    noscripts: list[LexborNode] = field(default_factory=list)
    maths: list[LexborNode] = field(default_factory=list)  # MathML: turned into text in place
    # [hidden], [aria-hidden=true], [role], display/visibility styles: each with its attributes (read once)
    hidden: list[tuple[LexborNode, dict[str, str | None]]] = field(default_factory=list)
    chrome: list[LexborNode] = field(default_factory=list)  # nav, aside
    comments: list[LexborNode] = field(default_factory=list)  # [itemprop=comment], [itemtype*=Comment]
    forum: bool = False  # the page declares a schema.org DiscussionForumPosting: its comments are the posts
    product_item: bool = False  # a node has itemtype schema.org Product (see declares_product)


def scan(tree: LexborHTMLParser) -> Scan:
    """The page's nodes of interest, by bucket, from one walk and one query."""
    found = Scan()
    root = tree.root
    if root is None:
        return found
    buckets = {
        "junk": found.junk, "noscripts": found.noscripts, "chrome": found.chrome, "maths": found.maths,
    }
    for node in root.traverse():
        if node.tag_id not in _WANTED_IDS:  # an id is cheaper to read than a name
            continue
        tag = node.tag
        if tag in HEAD_TAGS:
            found.head.append(node)
        bucket = _BUCKET_OF_TAG.get(tag)
        if bucket is not None:
            buckets[bucket].append(node)
            if tag == "script":
                if (node.attrs.sget("type") or "").lower() == JSON_LD:
                    found.json_ld.append(node.text())  # read now: a removed script's text is gone
            elif tag == "textarea":
                found.textareas.append(node)
    last = None
    for node in root.css(ATTRIBUTE_QUERY):
        key = node.mem_id
        if key == last:  # a node matching several selectors comes once per selector, in a row
            continue
        last = key
        tag = node.tag
        if tag in _BUCKET_OF_TAG:
            continue  # taken whole for its tag
        attrs = node.attributes
        itemtype = attrs.get("itemtype") or ""
        if attrs.get("itemprop") == "comment" or "Comment" in itemtype:
            found.comments.append(node)
        if "DiscussionForumPosting" in itemtype:
            found.forum = True
        elif itemtype and itemtype.rstrip("/ ").endswith("schema.org/Product"):  # most nodes have no itemtype
            found.product_item = True
        if tag == "div" and "hidden" in attrs and (attrs.get("id") or "").startswith("S:"):
            found.segments.append(node)
        style = attrs.get("style")
        if (
            "hidden" in attrs
            or attrs.get("aria-hidden") == "true"
            or "role" in attrs
            or (style is not None and ("display" in style.lower() or "visibility" in style.lower()))
        ):
            found.hidden.append((node, attrs))
    return found


def declares_product(found: Scan) -> bool:
    """Whether the scanned page says it is a shop's item page: ``og:type`` ``product`` (or
    ``product.item``), or a schema.org ``Product`` (an itemtype, or a JSON-LD object) on a page that
    declares no article (``og:type`` ``article``, a JSON-LD ``*Article`` or ``BlogPosting``: a
    buyer's guide names the products it reviews). May be asked after junk removal: it reads the
    attributes of the ``<meta>`` nodes (which a removal detaches, not destroys) and the scripts' text
    the scan kept."""
    og_type = ""
    for node in found.head:
        if node.tag_id == _META_ID and node.attrs.sget("property") == "og:type":
            og_type = (node.attrs.sget("content") or "").strip().lower()
            break
    if og_type.startswith("product"):
        return True
    if og_type.startswith("article"):
        return False
    if any(_JSON_LD_ARTICLE.search(script) for script in found.json_ld):
        return False
    return found.product_item or any(_JSON_LD_PRODUCT.search(script) for script in found.json_ld)
