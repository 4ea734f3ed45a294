"""Boilerplate removal on the parsed tree: junk tags, hidden nodes, class/id/role hints, and
``<noscript>`` image fallbacks swapped in for their lazy-loading placeholders.

Elements are selected by walks in C (:mod:`.dom_table`: the words of class/id labels read as flags,
elements by tag, text lengths) or by lexbor's CSS; the Python side only decides on the few matches.

Tried and not shipped (issue-27c, bench/extraction.py's held-out pages, fold models as cached): reading
camelCase class names as words ("FooterEmail", "cookieMessage"; atomic CSS such as "Bxsh(modalShadow)"
left whole) hints more boilerplate but moves tuned root and block choices: WCXB .8557 -> .8549
(collection .660 -> .650, service .813 -> .809), trafilatura-eval .9061 -> .9054; with the four learned
parts retrained on it .8540, .9042, readability .9759 -> .9666; humps read for boilerplate words only
.8545 (documentation .933 -> .929); and 7% more CPU per page.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from omniweave.extract.images import (
    NOSCRIPT_ATTR,
    PICTURE_MIN_SIDE,
    attribute_sides,
    has_real_source,
    raw_source,
    style_sides,
)
from omniweave.extract.dom_table import (
    READ,
    LabelWords,
    holds_own_text,
    named_flags,
    named_nodes_among,
    tagged,
    text_length,
)
from omniweave.extract.scan import Scan, declares_discussion, declares_product, scan
from omniweave.extract.tag_ids import id_of_tag

# class/id words (letter runs, lower case) that always name boilerplate, whatever else the label says
STRONG_WORDS = frozenset(
    "comment comments commentlist disqus share sharing sharebar social socials cookie cookies consent gdpr "
    "related recommended newsletter subscribe subscription advert advertisement ad ads adslot adunit sponsor "
    "sponsored promo popup modal breadcrumb breadcrumbs pagination pager outbrain taboola rss "
    "sharedaddy relatedposts".split()
)
STRONG_PHRASES = ("skip-link", "print-only", "screen-reader-text", "sr-only", "visually-hidden")
# words that name boilerplate unless the same label also names content
WEAK_WORDS = frozenset(
    "nav navbar navigation menu header masthead footer sidebar widget banner toolbar tags login signup "
    "search alert legal copyright disclaimer".split()
)
WEAK_PHRASES = ("side-bar", "tag-list", "author-bio", "byline-social", "more-from", "read-more")
POSITIVE_WORDS = frozenset("article body content entry main post story text blog hentry".split())
COMMENT_WORDS = frozenset({"comment", "comments", "commentlist", "disqus"})
AD_WORDS = frozenset({"advert", "advertisement", "ad", "ads", "adslot", "adunit", "sponsor", "sponsored", "promo"})
COMMENTS, ADS = "comments", "ads"
# on a page that declares a product (scan.declares_product), class/id words that name its customers' reviews:
# what buyers say of the item, not its description (review widgets go by their makers' names)
REVIEW_WORDS = frozenset("review reviews yotpo okendo bazaarvoice trustpilot judgeme stamped".split())
# class/id words that name what forum software adds to each post about its author: a signature, the
# member's title and flair, the side panel of join date and post count
POST_FURNITURE_WORDS = frozenset(
    "signature signatures usertitle userextras userbanner flair postprofile postcontrols".split())
NONE, WEAK, STRONG = 0, 1, 2
_LETTERS = re.compile(r"[a-z]+")
_HASH = re.compile(r"(?<![a-z0-9])(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{4,}(?![a-z0-9])")  # "0ad7", "e566ad": hex, no words
_ASCII_WORDS = bytes(b if 97 <= b <= 122 else b + 32 if 65 <= b <= 90 else 32 for b in range(256))  # A-Z -> a-z, rest -> " "
_HINT_WORDS = STRONG_WORDS | WEAK_WORDS | POSITIVE_WORDS
FURNITURE, REVIEWS = 1, 2  # a label's marks: it holds a word of POST_FURNITURE_WORDS, of REVIEW_WORDS
# a label's flags: its marks, then what its words and phrases say (a strong, a weak, a content word or
# phrase; a word of comments, of ads, strong and not of ads)
_STRONG, _WEAK, _POSITIVE, _COMMENT, _AD, _NOT_AD = 4, 8, 16, 32, 64, 128
_MARK_BITS = FURNITURE | REVIEWS
MAX_SHARE_STRONG = 0.6  # a "comments"/"share" node with more of the page's text than this is kept
ARTICLE_OUTSIDE = 300  # ... unless it is comments and this much paragraph text stands outside them
ARTICLE_PARAGRAPH = 100  # ... counting paragraphs this long only (not a widget's "user · 3 hours ago" lines)
PROSE_IN_AD = 1000  # an "ad" (or content-named) wrapper with this much paragraph text (and prose half its text) is the article
_PROSE = frozenset(map(id_of_tag, ("p", "li", "h2", "h3", "h4", "h5", "h6")))  # prose of an article: paragraphs, list items, section headings
MAX_SHARE_WEAK = 0.4  # same for weaker hints, relative to the content root
WEAK_SHORT = 300  # a weakly hinted node this short is chrome (a header line, a footer note)
WEAK_LINKS = 0.3  # a longer one goes only if this share of its text is links
NOSCRIPT_PAGE_CHARS = 1000  # a <noscript> with this much text ...
NOSCRIPT_SHARE = 0.5  # ... and this share of the body's is the page served without scripts, not a notice
STANDFIRST_MIN = 100  # a header holding this much unlinked text is an article's standfirst
FIGURE_MAX_TEXT = 300  # an image wrapper's caption and credits
FORM_MAX_TEXT = 500  # a block with a text area and no more text than this is a comment or contact form
PICTURE_WRAPPER_TEXT = 100  # a lightbox button or popup link around a picture: its label at most
BAD_ROLES = {"navigation", "banner", "contentinfo", "complementary", "menu", "menubar", "alert", "dialog", "search"}
PROTECTED = {"html", "body", "main", "article"}
TAB_PANEL = "tabpanel"  # a hidden node with this role is kept (see remove_junk)
COLLAPSED_PROSE = 200  # a node hidden by its style with this much text, links aside, is a collapsed panel
COLLAPSED_LINKS = 0.3  # ... unless this share of its text is links (a folded menu)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


_IMG_ID, _BUTTON_ID = id_of_tag("img"), id_of_tag("button")
_IMG, _A, _P = frozenset({_IMG_ID}), frozenset({id_of_tag("a")}), frozenset({id_of_tag("p")})
_IMG_OR_P, _HEADER_OR_FOOTER = _IMG | _P, frozenset(map(id_of_tag, ("header", "footer")))
Hints = tuple[int, bool, str]  # (negative, positive, what): see hints()
NO_HINT: Hints = (NONE, False, "")
HintMap = dict[int, Hints]  # node mem_id -> hints, for the page's hinted nodes only


def _word_flags(word: str) -> int:
    """A class/id word's flags (marks, and what it says)."""
    flags = (FURNITURE if word in POST_FURNITURE_WORDS else 0) | (REVIEWS if word in REVIEW_WORDS else 0)
    if word in STRONG_WORDS:
        flags |= _STRONG | (_COMMENT if word in COMMENT_WORDS else 0) | (_AD if word in AD_WORDS else _NOT_AD)
    return flags | (_WEAK if word in WEAK_WORDS else 0) | (_POSITIVE if word in POSITIVE_WORDS else 0)


_WORD_FLAGS = {word: _word_flags(word) for word in _HINT_WORDS | POST_FURNITURE_WORDS | REVIEW_WORDS}
_PHRASE_FLAGS = {**dict.fromkeys(STRONG_PHRASES, _STRONG), **dict.fromkeys(WEAK_PHRASES, _WEAK)}
# the same for the walk in C; a word of hex digits ("ad") may be a piece of a hash: its labels are read whole
_LABEL_WORDS = LabelWords(
    {word.encode(): flags | (READ if not word.strip("abcdef") else 0) for word, flags in _WORD_FLAGS.items()},
    {phrase.encode(): flags for phrase, flags in _PHRASE_FLAGS.items()})
_READ_FLAGS: dict[str, int] = {}  # label -> flags, for the labels read whole: sites repeat them from page to page
_READ_FLAGS_MAX = 65536


def clear_label_cache() -> None:
    """Forget the labels seen so far (benchmarks use it to time pages as unseen)."""
    _READ_FLAGS.clear()


def _flags_read(label: str) -> int:
    """:func:`_label_flags` of a label, cached."""
    flags = _READ_FLAGS.get(label)
    if flags is None:
        if len(_READ_FLAGS) >= _READ_FLAGS_MAX:
            _READ_FLAGS.clear()
        flags = _READ_FLAGS[label] = _label_flags(label)
    return flags


def _label_flags(label: str) -> int:
    """The flags of the words (:func:`_words`) and hint phrases a class/id label holds."""
    flags = 0
    for word in _words(label):
        flags |= _WORD_FLAGS.get(word, 0)
    if "-" in label:  # every phrase has a dash
        lower = label.lower()
        for phrase, phrase_flags in _PHRASE_FLAGS.items():
            if phrase in lower:
                flags |= phrase_flags
    return flags


def _words(label: str) -> set[str]:
    """The label's letter runs, lower case, outside hex hashes (a generated "4ad9" names no ad; ASCII
    labels: a byte table instead of a regex, 3x faster)."""
    lower = label.lower()
    if any(map(str.isdigit, lower)):
        lower = _HASH.sub(" ", lower)
    if lower.isascii():
        return set(lower.encode().translate(_ASCII_WORDS).decode().split())
    return set(_LETTERS.findall(lower))


def hints(label: str) -> Hints:
    """``(negative, positive, what)`` for a class/id label: how strongly it names boilerplate
    (NONE/WEAK/STRONG), whether it names content, and :data:`COMMENTS` or :data:`ADS` when a strong
    hint names only comments or only ads (else "")."""
    return _hints_of_flags(_label_flags(label))


def _hints_of_flags(flags: int) -> Hints:
    """:func:`hints` of a label from its flags."""
    positive = bool(flags & _POSITIVE)
    if flags & _STRONG:
        what = COMMENTS if flags & _COMMENT else ADS if flags & _AD and not flags & _NOT_AD else ""
        return STRONG, positive, what
    if flags & _WEAK:
        return WEAK, positive, ""
    return (NONE, True, "") if positive else NO_HINT


_HINTS_OF_FLAGS = tuple(map(_hints_of_flags, range(256)))  # by a label's flags, marks and READ aside


def _swap_noscript_images(noscripts: list[LexborNode], body: LexborNode | None) -> None:
    """Use ``<noscript><img></noscript>`` in place of an adjacent placeholder ``<img>``; keep the
    page served to readers without scripts (:func:`_is_page_without_scripts`), drop other ``<noscript>``."""
    for noscript in noscripts:
        if noscript.parent is None:  # removed with junk around it
            continue
        fallback = next((n for n in noscript.traverse() if n.tag_id == _IMG_ID), None)  # a query costs more
        if fallback is None:
            if _is_page_without_scripts(noscript, body):
                noscript.unwrap()
            else:
                noscript.remove()
            continue
        prev = noscript.prev
        while prev is not None and prev.tag == "-text" and not (prev.text_content or "").strip():
            prev = prev.prev
        placeholder = None
        if prev is not None and prev.tag == "img":
            placeholder = prev
        elif prev is not None and prev.tag not in ("-text", "noscript"):
            imgs = tagged(prev, _IMG)
            placeholder = imgs[0] if len(imgs) == 1 and len(prev.text(deep=True).strip()) < 2 else None
        if placeholder is not None and has_real_source(placeholder):
            twin = raw_source(fallback)
            if twin:  # one more rendition of the image
                placeholder.attrs[NOSCRIPT_ATTR] = twin
            noscript.remove()
            continue
        if placeholder is not None:
            placeholder.remove()
        noscript.unwrap()


def _is_page_without_scripts(noscript: LexborNode, body: LexborNode | None) -> bool:
    """A ``<noscript>`` with :data:`NOSCRIPT_PAGE_CHARS` of text or more that holds most of the body's
    text (a forum thread an app renders with scripts): the page's content, not a notice or a copy."""
    chars = len(noscript.text(deep=True, strip=True))
    return chars >= NOSCRIPT_PAGE_CHARS and body is not None and chars >= NOSCRIPT_SHARE * len(
        body.text(deep=True, strip=True))


def math_text(math: LexborNode) -> str:
    """A MathML formula as text: its TeX annotation (``$...$``, ``$$...$$`` for display math), else its
    ``alttext``, else the text of its token elements."""
    tex = math.css_first('annotation[encoding="application/x-tex"], annotation[encoding="TeX"]')
    source = (tex.text(deep=True) if tex is not None else "").strip()
    if not source:
        source = (math.attributes.get("alttext") or "").strip()
    if source:
        fence = "$$" if math.attributes.get("display") == "block" else "$"
        return f"{fence}{' '.join(source.split())}{fence}"
    for annotation in math.css("annotation, annotation-xml"):
        annotation.remove()
    return " ".join(math.text(deep=True, separator=" ").split())


def _math_as_text(maths: list[LexborNode]) -> None:
    """Replace each MathML formula (not inside another, nor removed) by :func:`math_text`, in place."""
    for math in maths:
        if math.parent is None or math.parent.tag == "math":
            continue
        text = math_text(math)
        if text:
            math.replace_with(f" {text} " if math.attributes.get("display") == "block" else text)
        else:
            math.remove()


def _place_streamed_segments(root: LexborNode, segments: list[LexborNode]) -> None:
    """Streamed server rendering ships late content as ``<div hidden id="S:n">`` at the end of the
    page, which a script moves to its placeholder (``<template id="P:n">`` or ``"B:n"``): do the same,
    and show the segment (in place when its placeholder is missing)."""
    for segment in segments:
        del segment.attrs["hidden"]
        number = (segment.attributes.get("id") or "")[2:]
        placeholder = root.css_first(f'template[id="P:{number}"], template[id="B:{number}"]') if number.isdigit() else None
        if placeholder is not None:
            placeholder.replace_with(segment)  # inserts a copy
            segment.remove()


def remove_junk(tree: LexborHTMLParser, found: Scan) -> tuple[HintMap, int]:
    """Remove what is never main content: junk tags, hidden nodes, and nodes named as boilerplate by
    role, or by a strong class/id hint (comments, share bars, cookie banners, ads, related lists).
    ``found`` is the page's :func:`~omniweave.extract.scan.scan`, taken before any change. Returns the
    hints of the page's named nodes and a bound on the length of the text left in the body, for the
    later steps."""
    root = tree.root
    if root is None:
        return {}, 0
    if found.segments:  # rare: the segments move (as copies), so the page is scanned again
        _place_streamed_segments(root, found.segments)
        found = scan(tree)
    for area in found.textareas:
        _remove_form_block(area)
    for node in found.junk:
        if node.tag_id == _BUTTON_ID and wraps_picture(node):
            node.unwrap()  # a lightbox or zoom button: the picture is the page's
        else:
            node.remove()
    _math_as_text(found.maths)
    _swap_noscript_images(found.noscripts, tree.body)
    for node, attrs in found.hidden:  # attributes as the scan read them (no step before changes these)
        if node.tag in PROTECTED or (attrs.get("role") or "").lower() == TAB_PANEL:
            continue  # an inactive tab's panel is shown by a click: the page's content (code in other languages)
        if "hidden" in attrs or attrs.get("aria-hidden") == "true":
            if node.tag != "img" and not ("hidden" not in attrs and _links_an_image(node)):
                node.remove()
        elif (attrs.get("role") or "").lower() in BAD_ROLES:
            node.remove()
        elif _HIDDEN_STYLE.search(attrs.get("style") or "") and not _is_collapsed_prose(node, attrs):
            node.remove()
    for node in found.chrome:
        node.remove()
    body = tree.body or root
    kept = _remove_marked_comments([n for n in found.comments if n.parent is not None], body, declares_discussion(found))
    return _remove_strong(root, body, kept, found)


def _is_collapsed_prose(node: LexborNode, attrs: dict[str, str | None]) -> bool:
    """A named node (class or id: what a script finds it by) its inline style hides, holding
    :data:`COLLAPSED_PROSE` characters of text, under :data:`COLLAPSED_LINKS` of it links: a panel a
    click unfolds (a product's description in an accordion, a page shown once its scripts run), not
    a folded menu, an empty popup or text the author hid."""
    if "class" not in attrs and "id" not in attrs:
        return False
    text = node.text()
    if len(text) < COLLAPSED_PROSE:
        return False
    length = len(" ".join(text.split()))
    return length >= COLLAPSED_PROSE and _link_share(node, length) <= COLLAPSED_LINKS


def _is_thread(body: LexborNode, sections: list[LexborNode]) -> bool:
    """Comments that hold most of the page's text with no article beside them (:data:`ARTICLE_OUTSIDE`
    characters in paragraphs of :data:`ARTICLE_PARAGRAPH` or more) are a forum thread."""
    if sum(map(text_length, sections)) <= MAX_SHARE_STRONG * text_length(body):
        return False
    return _article_chars(body) - sum(_article_chars(s) for s in sections) < ARTICLE_OUTSIDE


def _thread_of_comments(body: LexborNode, comments: list[LexborNode]) -> set[int]:
    """The ids of the outermost comments-named nodes when together they hold at least
    :data:`ARTICLE_OUTSIDE` characters of the page's paragraphs of :data:`ARTICLE_PARAGRAPH` or more,
    and fewer than that stand outside them: a thread (one box or one node per post), whatever share
    of the page's text the menus beside it take; else none."""
    if not _text_reaches(comments, ARTICLE_OUTSIDE):  # comment counts, links to the comments
        return set()
    outer, ids = _outermost(comments)
    held = sum(map(_article_chars, outer))
    if held < ARTICLE_OUTSIDE:
        return set()
    return ids if _article_chars(body) - held < ARTICLE_OUTSIDE else set()


def _text_reaches(nodes: list[LexborNode], chars: int) -> bool:
    """Whether the nodes hold ``chars`` characters of text or more together (read until they do)."""
    total = 0
    for node in nodes:
        total += text_length(node)
        if total >= chars:
            return True
    return False


def _outermost(nodes: list[LexborNode]) -> tuple[list[LexborNode], set[int]]:
    """The nodes (in document order) not inside another of them, and their ids."""
    outer: list[LexborNode] = []
    ids: set[int] = set()
    for node in nodes:
        if not (ids and inside(node, ids)):
            outer.append(node)
            ids.add(node.mem_id)
    return outer, ids


def _article_chars(node: LexborNode) -> int:
    """Characters in the node's paragraphs of :data:`ARTICLE_PARAGRAPH` or more (spaces collapsed)."""
    total = 0
    for paragraph in tagged(node, _P):
        text = paragraph.text()
        if len(text) >= ARTICLE_PARAGRAPH:  # collapsing its spaces only shortens it
            length = len(" ".join(text.split()))
            total += length if length >= ARTICLE_PARAGRAPH else 0
    return total


def _remove_marked_comments(marked: list[LexborNode], body: LexborNode, forum: bool) -> set[int]:
    """Remove comments marked up as such (schema.org), unless they are the posts of a forum topic
    (``forum``: :func:`~omniweave.extract.scan.declares_discussion`), together they are a thread, or they
    reply to an opening post of their own kind; the ids of kept ones are returned."""
    outer, ids = _outermost(marked)
    if outer and (forum or _is_thread(body, outer) or _opened_by_a_post(outer[0], ids)):
        return ids
    for node in outer:
        node.remove()
    return set()


def _opened_by_a_post(comment: LexborNode, marked: set[int]) -> bool:
    """Comments after an unmarked sibling of their own kind (tag and first class name) are the
    replies of a thread whose opening post is that sibling."""
    kind = (comment.tag, (comment.attributes.get("class") or "").split()[:1])
    if not kind[1]:  # classless blocks say nothing of their kind
        return False
    node = comment.prev
    while node is not None:
        if node.mem_id not in marked and (node.tag, (node.attributes.get("class") or "").split()[:1]) == kind:
            return True
        node = node.prev
    return False


def _remove_form_block(area: LexborNode) -> None:
    """Remove a text area with the largest block around it that holds little text: a comment or
    contact form with its labels (not a page wrapped in one ``<form>``)."""
    block, parent = area, area.parent
    while parent is not None and parent.tag not in PROTECTED and text_length(parent) < FORM_MAX_TEXT:
        block, parent = parent, parent.parent
    block.remove()


def _remove_strong(root: LexborNode, body: LexborNode, kept: set[int], scanned: Scan) -> tuple[HintMap, int]:
    """Remove nodes named by a strong hint, except one holding most of the page's text (a forum
    thread is all "comments"; page builders call everything an "ad-wrapper") and prose named as an
    ad or as content too, comments aside (:func:`_is_prose`: "body-ad-wrapper", "entry-content no-share"). Comments are removed
    even then when an article stands outside them, but never on a page that declares a discussion
    (:func:`~omniweave.extract.scan.declares_discussion`: a forum topic's replies, a question's
    answers); the posts inside kept comments stay. On a page
    that declares a product (:func:`~omniweave.extract.scan.declares_product` of ``scanned``, the
    page's scan, asked only where a label names reviews), customer reviews go too
    (:data:`REVIEW_WORDS`), and on every page the furniture of forum posts
    (:data:`POST_FURNITURE_WORDS`). Returns the hints of every named node that has one, and the
    body's text length before the removal."""
    body_chars = text_length(body)
    limit = MAX_SHARE_STRONG * body_chars
    found = named_flags(root, _LABEL_WORDS)  # the named nodes whose class or id holds a hint word (~35% of ~700 a page)
    flags = [flag if label is None else _flags_read(label) for flag, label in zip(found.flags, found.labels)]
    found_each = [_HINTS_OF_FLAGS[flag & 255] for flag in flags]
    hinted: HintMap = {key: hint for key, hint in zip(found.keys, found_each) if hint is not NO_HINT}
    strong_at = [i for i, hint in enumerate(found_each) if hint[0] == STRONG]
    marked_at = [i for i, flag in enumerate(flags) if flag & _MARK_BITS]  # most pages have none
    at = sorted({*strong_at, *marked_at}) if marked_at else strong_at
    node_at = dict(zip(at, found.nodes(at)))  # the nodes wanted, made before any removal
    if marked_at:
        product = any(flags[i] & REVIEWS for i in marked_at) and declares_product(scanned)
        marked_nodes = [(node_at[i], flags[i]) for i in marked_at]
        _remove_marked(marked_nodes, (FURNITURE, REVIEWS) if product else (FURNITURE,), limit)
    strong = [(node_at[i], found_each[i]) for i in strong_at]
    comment_nodes = [node for node, found in strong if found[2] == COMMENTS and node.tag not in PROTECTED]
    if comment_nodes:  # on a forum topic or a Q&A page they are the posts; elsewhere only a thread is kept
        kept |= _outermost(comment_nodes)[1] if declares_discussion(scanned) else _thread_of_comments(body, comment_nodes)
    for node, (_, positive, what) in strong:
        if node.tag in PROTECTED:
            continue
        comments = what == COMMENTS
        if comments and kept and (node.mem_id in kept or inside(node, kept)):
            continue
        length = text_length(node)
        if length <= limit:
            if not comments and what != ADS and length <= PICTURE_WRAPPER_TEXT and wraps_picture(node):
                continue  # a "js-popup" link or "modal-trigger" around a picture: named for what a click does
            if comments or (what != ADS and not positive) or not _is_prose(node, length):
                node.remove()
        elif comments and not inside(node, kept):
            if _is_thread(body, [node]):
                kept.add(node.mem_id)
            else:
                node.remove()
    return hinted, body_chars


def _remove_marked(marked: list[tuple[LexborNode, int]], removed: tuple[int, ...], limit: float) -> None:
    """Remove the nodes whose class/id has one of the ``removed`` marks (``marked``: the page's nodes
    with marks, in document order, each with its label's marks), one mark after the other, when their
    text is at most ``limit`` characters (not a page whose every block is so called)."""
    for mark in removed:
        for node, marks_of_label in marked:
            if marks_of_label & mark and node.tag not in PROTECTED and text_length(node) <= limit:
                node.remove()


def is_picture(img: LexborNode) -> bool:
    """An ``<img>`` with a real source declared at least :data:`PICTURE_MIN_SIDE` on both sides
    (attributes or inline style): a picture, not an icon, a swatch or a placeholder."""
    attrs = img.attributes
    sides = attribute_sides(attrs)
    if len(sides) < 2:
        sides = style_sides(attrs.get("style"))
    return len(sides) == 2 and min(sides) >= PICTURE_MIN_SIDE and has_real_source(img)


def wraps_picture(node: LexborNode) -> bool:
    """A wrapper (a lightbox button, a popup link) holding a picture (:func:`is_picture`) and at most
    :data:`PICTURE_WRAPPER_TEXT` characters of label."""
    imgs = tagged(node, _IMG)  # most buttons hold none: asked first
    return bool(imgs) and len(node.text(strip=True)) <= PICTURE_WRAPPER_TEXT and any(map(is_picture, imgs))


def _links_an_image(node: LexborNode) -> bool:
    """A link whose only content is one image (a listing's thumbnail, hidden from screen readers
    only as its title links to the same page again): shown, so kept."""
    if node.tag != "a" or node.text(strip=True):
        return False
    imgs = tagged(node, _IMG)
    return len(imgs) == 1 and has_real_source(imgs[0])


def _is_prose(node: LexborNode, length: int) -> bool:
    """At least :data:`PROSE_IN_AD` characters, half of them paragraphs, or as many of paragraphs
    with list items and headings making the half (an article wrapped in an "ad" box; not a
    promotion list)."""
    if length < PROSE_IN_AD:
        return False
    paragraphs = _paragraph_chars(node)
    return 2 * paragraphs >= length or (paragraphs >= PROSE_IN_AD and 2 * _paragraph_chars(node, _PROSE) >= length)


def inside(node: LexborNode, ids: set[int]) -> bool:
    """Whether one of the node's ancestors has its ``mem_id`` in ``ids``."""
    parent = node.parent
    while parent is not None:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


def _paragraph_chars(node: LexborNode, tag_ids: frozenset[int] = _P) -> int:
    return sum(len(p.text().strip()) for p in tagged(node, tag_ids))


def remove_weak(root: LexborNode, hinted: HintMap) -> None:
    """Inside the chosen content root: drop page chrome named by weaker hints and tags
    (headers/footers, menus, widgets) unless the node also says it is content. Such a node is
    dropped only when short or link-heavy, and never when it holds a large share of the root's text
    (page builders call every block a "widget"; bad markup wraps articles in ``<header>``).
    ``hinted``: the page's named nodes' hints, from :func:`remove_junk`."""
    limit = -1.0  # MAX_SHARE_WEAK of the root's text, measured when first needed
    for node in tagged(root, _HEADER_OR_FOOTER):
        if limit < 0:
            limit = MAX_SHARE_WEAK * text_length(root)
        if text_length(node) > limit:
            continue
        if not hinted.get(node.mem_id, NO_HINT)[1] or node.tag == "footer":
            if node.tag == "header" and _is_article_header(node):
                continue
            node.remove()
    root_id = root.mem_id
    for node in named_nodes_among(root, hinted):
        key = node.mem_id
        if key == root_id or node.tag in PROTECTED:
            continue
        negative, positive, what = hinted[key]
        if what == COMMENTS or not (negative == STRONG or (negative == WEAK and not positive)) or figure_like(node):
            continue  # comments still here are a thread kept as the content
        if negative == WEAK and in_running_text(node):
            continue  # "you agree to the <a class=legal-link>Terms</a>": words of the sentence
        length = text_length(node)
        if length > WEAK_SHORT and limit < 0:
            limit = MAX_SHARE_WEAK * text_length(root)
        if length <= WEAK_SHORT or (length <= limit and _link_share(node, length) > WEAK_LINKS):
            node.remove()


INLINE_TAGS = frozenset("a span em strong b i u small abbr cite code mark sub sup time q dfn kbd var s".split())


def in_running_text(node: LexborNode) -> bool:
    """An inline element with text of its own sentence beside it (its parent has direct text)."""
    if node.tag not in INLINE_TAGS:
        return False
    parent = node.parent
    return parent is not None and holds_own_text(parent)


def _is_article_header(header: LexborNode) -> bool:
    """A ``<header>`` inside the content that opens the article: a lead image or paragraph with at
    most three links, or a standfirst written right in it (:data:`STANDFIRST_MIN` characters, no link)."""
    links = tagged(header, _A)
    if tagged(header, _IMG_OR_P, 1) and not links[3:]:
        return True
    return not links and len(" ".join(header.text().split())) >= STANDFIRST_MIN


def _link_share(node: LexborNode, length: int) -> float:
    return sum(map(text_length, tagged(node, _A))) / max(1, length)


def figure_like(node: LexborNode) -> bool:
    """An image wrapper (one or more images, a caption at most, at most one link)."""
    if not tagged(node, _IMG, 1) or len(tagged(node, _A, 2)) > 1:
        return False
    return len(" ".join(node.text().split())) < FIGURE_MAX_TEXT
