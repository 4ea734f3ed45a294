"""Boilerplate removal on the parsed tree: junk tags, hidden nodes, class/id/role hints, and
``<noscript>`` image fallbacks swapped in for their lazy-loading placeholders.

Selection is done with CSS (C speed in lexbor); the Python side only decides on the few matches.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from omniweave.extract.images import has_real_source

JUNK_TAGS = [
    "script", "style", "template", "svg", "math", "canvas", "iframe", "object", "embed", "video", "audio",
    "button", "select", "input", "textarea", "option", "label", "link", "meta", "dialog",
]
# always boilerplate, whatever else the class says
STRONG = re.compile(
    r"(^|[^a-z])(comments?|commentlist|disqus|share|sharing|sharebar|social|socials|cookies?|consent|gdpr|"
    r"related|recommended|newsletter|subscribe|subscription|advert|advertisement|ads?|adslot|adunit|sponsor|"
    r"sponsored|promo|popup|modal|breadcrumbs?|pagination|pager|skip-link|outbrain|taboola|rss|"
    r"print-only|screen-reader-text|sr-only|visually-hidden)([^a-z]|$)",
    re.IGNORECASE,
)
# boilerplate unless the same class/id also says it is content
WEAK = re.compile(
    r"(^|[^a-z])(nav|navbar|navigation|menu|header|masthead|footer|sidebar|side-bar|widget|banner|toolbar|"
    r"tags|tag-list|author-bio|byline-social|more-from|read-more|login|signup|search|alert|legal|"
    r"copyright|disclaimer)([^a-z]|$)",
    re.IGNORECASE,
)
POSITIVE = re.compile(r"(^|[^a-z])(article|body|content|entry|main|post|story|text|blog|hentry)([^a-z]|$)", re.IGNORECASE)
BAD_ROLES = {"navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "alert", "dialog", "search"}
PROTECTED = {"html", "body", "main", "article"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HINT_SELECTOR = ", ".join(
    f"[class*={w} i], [id*={w} i]"
    for w in (
        "comment", "disqus", "share", "sharing", "social", "cookie", "consent", "gdpr", "related", "recommend",
        "newsletter", "subscri", "advert", "ad", "sponsor", "promo", "popup", "modal", "breadcrumb", "paginat",
        "pager", "skip", "outbrain", "taboola", "rss", "print", "screen-reader", "sr-only", "hidden", "nav",
        "menu", "header", "masthead", "footer", "sidebar", "side-bar", "widget", "banner", "toolbar", "tag",
        "author-bio", "more-from", "read-more", "login", "signup", "search", "alert", "legal", "copyright",
        "disclaimer",
    )
)


def label_of(node: LexborNode) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}"


def is_hinted_boilerplate(node: LexborNode) -> bool:
    """True for a node whose class/id/role names it as boilerplate."""
    label = label_of(node)
    if STRONG.search(label):
        return True
    return bool(WEAK.search(label)) and not POSITIVE.search(label)


def _swap_noscript_images(root: LexborNode) -> None:
    """Use ``<noscript><img></noscript>`` in place of an adjacent placeholder ``<img>``."""
    for noscript in root.css("noscript"):
        fallback = noscript.css_first("img")
        if fallback is None:
            noscript.remove()
            continue
        prev = noscript.prev
        while prev is not None and prev.tag == "-text" and not (prev.text_content or "").strip():
            prev = prev.prev
        placeholder = None
        if prev is not None and prev.tag == "img":
            placeholder = prev
        elif prev is not None and prev.tag not in ("-text", "noscript"):
            imgs = prev.css("img")
            placeholder = imgs[0] if len(imgs) == 1 and len(prev.text(deep=True).strip()) < 2 else None
        if placeholder is not None and has_real_source(placeholder):
            noscript.remove()
            continue
        if placeholder is not None:
            placeholder.remove()
        noscript.unwrap()


def remove_junk(tree: LexborHTMLParser) -> None:
    """Remove what is never main content: junk tags, hidden nodes, and nodes named as boilerplate by
    role, or by a strong class/id hint (comments, share bars, cookie banners, ads, related lists)."""
    root = tree.root
    if root is None:
        return
    for node in root.css(", ".join(JUNK_TAGS)):
        node.remove()
    _swap_noscript_images(root)
    for node in root.css("[hidden], [style*=display i], [style*=visibility i], [aria-hidden=true], [role]"):
        if node.tag in PROTECTED:
            continue
        attrs = node.attributes
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            if node.tag != "img":
                node.remove()
        elif (attrs.get("role") or "").lower() in BAD_ROLES:
            node.remove()
        elif _HIDDEN_STYLE.search(attrs.get("style") or ""):
            node.remove()
    for node in root.css("nav, aside, form[role=search], [itemprop=comment], [itemtype*=Comment]"):
        node.remove()
    for node in root.css(_HINT_SELECTOR):
        if node.tag in PROTECTED:
            continue
        if STRONG.search(label_of(node)):
            node.remove()


def remove_weak(root: LexborNode) -> None:
    """Inside the chosen content root: drop page chrome named by weaker hints and tags
    (headers/footers, menus, widgets) unless the node also says it is content."""
    for node in root.css("header, footer"):
        if not POSITIVE.search(label_of(node)) or node.tag == "footer":
            if node.tag == "header" and node.css_first("img, p") is not None and not node.css("a")[3:]:
                continue  # an article header with lead image or standfirst
            node.remove()
    for node in root.css(_HINT_SELECTOR):
        if node.tag in PROTECTED:
            continue
        if is_hinted_boilerplate(node):
            node.remove()
