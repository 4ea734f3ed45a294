"""One pass over the parsed page collecting every node the head lookups and the junk removal
need, sorted into buckets: the elements of the wanted tags and those with the wanted attributes
(:func:`~omniweave.extract.dom_table.tagged_and_attributed`: a walk in C in the compiled build,
where only the elements kept become Python objects; else a walk and one CSS query).
The buckets keep document order; a node removed with its subtree is detached (no parent), which is
how later phases recognise what an earlier phase already removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import cython

from selectolax.lexbor import LexborHTMLParser, LexborNode

from omniweave.extract.dom_table import CONTAINS_FOLDED, EQUALS, PRESENT, tagged_and_attributed
from omniweave.extract.tag_ids import id_of_tag

JUNK_TAGS = (
    "script", "style", "template", "svg", "canvas", "iframe", "object", "embed", "video", "audio",
    "button", "select", "input", "textarea", "option", "label", "link", "meta", "dialog", "rt", "rp",
)
HEAD_TAGS = ("title", "meta", "link", "base")
CHROME_TAGS = ("nav", "aside")
# attribute tests (as CSS: [hidden], [style*=display i], ...) whose matches are told apart in Python:
# hidden, role, inline style, marked comments
ATTRIBUTE_TESTS = (
    ("hidden", PRESENT, ""), ("style", CONTAINS_FOLDED, "display"), ("style", CONTAINS_FOLDED, "visibility"),
    ("aria-hidden", EQUALS, "true"), ("role", PRESENT, ""), ("itemprop", EQUALS, "comment"),
    ("itemtype", PRESENT, ""),  # itemtype is rare: its values are told apart in Python
)
WANTED_TAGS = frozenset((*JUNK_TAGS, *HEAD_TAGS, "noscript", "math", *CHROME_TAGS))
_TAG_OF_ID = {id_of_tag(tag): tag for tag in WANTED_TAGS}  # the wanted tags by id (cheaper to read than a name)
_META_ID, _DIV_ID = id_of_tag("meta"), id_of_tag("div")
JSON_LD = "application/ld+json"  # a script's type that says it holds schema.org data
_JSON_LD_PRODUCT = re.compile(r'"@type"\s*:\s*\[?\s*"Product"')  # a JSON-LD object typed Product (first type)
_JSON_LD_ARTICLE = re.compile(r'"@type"\s*:\s*\[?\s*"(?:\w*Article|BlogPosting)"')  # ... typed as an article
_JSON_LD_DISCUSSION = re.compile(r'"@type"\s*:\s*\[?\s*"(?:DiscussionForumPosting|QAPage)"')  # a forum topic, a Q&A page
_BUCKET_OF_TAG = {
    **{tag: "junk" for tag in JUNK_TAGS},
    "noscript": "noscripts",
    "math": "maths",
    **{tag: "chrome" for tag in CHROME_TAGS},
}
_BUCKETED_IDS = frozenset(map(id_of_tag, _BUCKET_OF_TAG))
_HEAD_TAGS = frozenset(HEAD_TAGS)


@dataclass(slots=True)
class Scan:
    """The page's nodes of :data:`WANTED_TAGS` and matches of :data:`ATTRIBUTE_TESTS`, by what later
    steps do with them, each list in document order."""

    head: list[LexborNode] = field(default_factory=list)  # title, meta, link, base (anywhere in the page)
    segments: list[LexborNode] = field(default_factory=list)  # streamed late content: div[hidden][id^="S:"]
    textareas: list[LexborNode] = field(default_factory=list)
    junk: list[LexborNode] = field(default_factory=list)  # JUNK_TAGS (textareas included)
    json_ld: list[str] = field(default_factory=list)  # the text of each JSON-LD script (see declares_product, declares_discussion)
    noscripts: list[LexborNode] = field(default_factory=list)
    maths: list[LexborNode] = field(default_factory=list)  # MathML: turned into text in place
    # [hidden], [aria-hidden=true], [role], display/visibility styles: each with its attributes (read once)
    hidden: list[tuple[LexborNode, dict[str, str | None]]] = field(default_factory=list)
    chrome: list[LexborNode] = field(default_factory=list)  # nav, aside
    comments: list[LexborNode] = field(default_factory=list)  # [itemprop=comment], [itemtype*=Comment]
    forum: bool = False  # a node has itemtype schema.org DiscussionForumPosting (see declares_discussion)
    product_item: bool = False  # a node has itemtype schema.org Product (see declares_product)


@cython.locals(tag=str, bucket=str, attrs=dict, itemtype=str, style=str, head=list, json_ld=list, textareas=list,
               comments=list, segments=list, hidden=list, buckets=dict)
def scan(tree: LexborHTMLParser) -> Scan:
    """The page's nodes of interest, by bucket, from one pass."""
    found = Scan()
    root = tree.root
    if root is None:
        return found
    head, json_ld, textareas = found.head, found.json_ld, found.textareas
    buckets = {
        "junk": found.junk, "noscripts": found.noscripts, "chrome": found.chrome, "maths": found.maths,
    }
    tagged, attributed = tagged_and_attributed(root, _TAG_OF_ID, ATTRIBUTE_TESTS)
    for node in tagged:
        tag = _TAG_OF_ID[node.tag_id]
        if tag in _HEAD_TAGS:
            head.append(node)
        bucket = _BUCKET_OF_TAG.get(tag)
        if bucket is not None:
            buckets[bucket].append(node)
            if tag == "script":
                if (node.attrs.sget("type") or "").lower() == JSON_LD:
                    json_ld.append(node.text())  # read now: a removed script's text is gone
            elif tag == "textarea":
                textareas.append(node)
    comments, segments, hidden = found.comments, found.segments, found.hidden
    for node, attrs in attributed:
        tag_id = node.tag_id
        if tag_id in _BUCKETED_IDS:
            continue  # taken whole for its tag
        itemtype = attrs.get("itemtype") or ""
        if attrs.get("itemprop") == "comment" or "Comment" in itemtype:
            comments.append(node)
        if "DiscussionForumPosting" in itemtype:
            found.forum = True
        elif itemtype and itemtype.rstrip("/ ").endswith("schema.org/Product"):  # most nodes have no itemtype
            found.product_item = True
        if tag_id == _DIV_ID and "hidden" in attrs and (attrs.get("id") or "").startswith("S:"):
            segments.append(node)
        style = attrs.get("style")
        if (
            "hidden" in attrs
            or attrs.get("aria-hidden") == "true"
            or "role" in attrs
            or (style is not None and ("display" in style.lower() or "visibility" in style.lower()))
        ):
            hidden.append((node, attrs))
    return found


def declares_discussion(found: Scan) -> bool:
    """Whether the scanned page says it is a forum topic or a question with its answers: a
    schema.org ``DiscussionForumPosting`` (an itemtype, or a JSON-LD object) or ``QAPage``: its
    comments are the posts."""
    return found.forum or any(_JSON_LD_DISCUSSION.search(script) for script in found.json_ld)


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
