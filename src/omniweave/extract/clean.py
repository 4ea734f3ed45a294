"""Boilerplate removal on the parsed tree: junk tags, hidden nodes, class/id/role hints, and
``<noscript>`` image fallbacks swapped in for their lazy-loading placeholders.

Selection is done with CSS (C speed in lexbor); the Python side only decides on the few matches.

Tried and not shipped (issue-27c, bench/extraction.py's held-out pages, fold models as cached): reading
camelCase class names as words ("FooterEmail", "cookieMessage"; atomic CSS such as "Bxsh(modalShadow)"
left whole) hints more boilerplate but moves tuned root and block choices: WCXB .8557 -> .8549
(collection .660 -> .650, service .813 -> .809), trafilatura-eval .9061 -> .9054; with the four learned
parts retrained on it .8540, .9042, readability .9759 -> .9666; humps read for boilerplate words only
.8545 (documentation .933 -> .929); and 7% more CPU per page.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from itertools import accumulate, compress, repeat
from operator import is_not

from selectolax.lexbor import LexborHTMLParser, LexborNode

from omniweave.extract.images import (
    NOSCRIPT_ATTR,
    PICTURE_MIN_SIDE,
    attribute_sides,
    has_real_source,
    raw_source,
    style_sides,
)
from omniweave.extract.dom_table import named, named_nodes_among
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
_PHRASES = STRONG_PHRASES + WEAK_PHRASES
_STRONG_PHRASES = frozenset(STRONG_PHRASES)
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
_HINT_BYTES = frozenset(word.encode() for word in _HINT_WORDS)
_HEX_WORDS = frozenset(word for word in _HINT_BYTES if not word.strip(b"abcdef"))  # "ad": may be read in a hash
FURNITURE, REVIEWS = 1, 2  # a label's marks: it holds a word of POST_FURNITURE_WORDS, of REVIEW_WORDS
_MARK_OF_WORD = {
    **{word.encode(): FURNITURE for word in POST_FURNITURE_WORDS}, **{word.encode(): REVIEWS for word in REVIEW_WORDS},
}
_SEARCHED_BYTES = _HINT_BYTES.union(_MARK_OF_WORD)  # the words looked for in labels, in one search
MAX_SHARE_STRONG = 0.6  # a "comments"/"share" node with more of the page's text than this is kept
ARTICLE_OUTSIDE = 300  # ... unless it is comments and this much paragraph text stands outside them
ARTICLE_PARAGRAPH = 100  # ... counting paragraphs this long only (not a widget's "user · 3 hours ago" lines)
PROSE_IN_AD = 1000  # an "ad" (or content-named) wrapper with this much paragraph text (and prose half its text) is the article
_PROSE = "p, li, h2, h3, h4, h5, h6"  # prose of an article: paragraphs, list items, section headings
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
Hints = tuple[int, bool, str]  # (negative, positive, what): see hints()
NO_HINT: Hints = (NONE, False, "")
HintMap = dict[int, Hints]  # node mem_id -> hints, for the page's hinted nodes only


_HINTS: dict[str, Hints] = {}  # label -> hints: sites repeat their labels from page to page
_HINTS_MAX = 65536
_COMBOS: dict[tuple[frozenset[bytes], tuple[str, ...]], Hints] = {}  # hint words and phrases of a label -> its hints
_MARKS: dict[str, int] = {}  # label -> its marks (FURNITURE | REVIEWS), for the labels in _HINTS that have any
_ASCII_WORDS_NUL = b"\0" + _ASCII_WORDS[1:]  # the same, keeping NUL (the separator of page_hints)


def clear_label_cache() -> None:
    """Forget the labels seen so far (benchmarks use it to time pages as unseen)."""
    _HINTS.clear()
    _COMBOS.clear()
    _MARKS.clear()


def page_hints(labels: list[str]) -> tuple[list[Hints], dict[str, int]]:
    """:func:`hints` of each label of a page, in order, and the marks (:func:`marks`) of the page's
    labels that have any, by label (both cached across pages). The page's new ASCII labels are split
    into words together (one translation of all of them joined, each label's hint and mark words
    taken by C-level calls), the phrases are looked for once in the whole page's new labels, and
    only the labels holding either are classified one by one."""
    cache = _HINTS
    unique = set(labels)
    fresh = unique.difference(cache)  # in any order: each label's hints are its own
    if fresh:
        cache.update(_new_hints(list(fresh)))
    found = list(map(cache.__getitem__, labels))
    marked = {label: _MARKS[label] for label in unique.intersection(_MARKS)} if _MARKS else {}
    if len(cache) > _HINTS_MAX:
        cache.clear()
        _MARKS.clear()
    return found, marked


def marks(words: Iterable[bytes]) -> int:
    """A label's marks from its words: :data:`FURNITURE` if one is a word of forum post furniture,
    :data:`REVIEWS` if one names customer reviews, both, or 0."""
    mark = 0
    for word in words:
        mark |= _MARK_OF_WORD.get(word, 0)
    return mark


def _new_hints(fresh: list[str]) -> dict[str, Hints]:
    """:func:`hints` of labels not seen before, by label (see :func:`page_hints`); their marks go
    to :data:`_MARKS`."""
    plain = [label for label in fresh if label.isascii() and "\0" not in label]  # NUL separates them
    joined = "\0".join(plain)
    held = _phrases_by_label(joined.lower(), plain)
    words = joined.encode().translate(_ASCII_WORDS_NUL).split(b"\0")
    present = list(map(_SEARCHED_BYTES.intersection, map(bytes.split, words)))  # each label's hint and mark words
    out = dict.fromkeys(plain, NO_HINT)
    combos = _COMBOS
    for i in held.keys() | set(compress(range(len(plain)), present)):  # the labels holding a hint word or phrase
        if _HEX_WORDS & present[i] and _HASH.search(plain[i].lower()):  # "ad" may be a piece of a hash
            present[i] = _SEARCHED_BYTES.intersection(word.encode() for word in _words(plain[i]))
        key = (present[i], tuple(held.get(i, ())))
        hint = combos.get(key)
        if hint is None:
            hint = combos[key] = _classify({word.decode() for word in key[0]}, list(key[1]))
        out[plain[i]] = hint
        mark = marks(present[i]) if present[i] else 0
        if mark:
            _MARKS[plain[i]] = mark
    if len(plain) < len(fresh):
        for label in fresh:
            if label not in out:
                out[label] = hints(label)
                mark = marks(word.encode() for word in _words(label))
                if mark:
                    _MARKS[label] = mark
    return out


def _words(label: str) -> set[str]:
    """The label's letter runs, lower case, outside hex hashes (a generated "4ad9" names no ad; ASCII
    labels: a byte table instead of a regex, 3x faster)."""
    lower = label.lower()
    if any(map(str.isdigit, lower)):
        lower = _HASH.sub(" ", lower)
    if lower.isascii():
        return set(lower.encode().translate(_ASCII_WORDS).decode().split())
    return set(_LETTERS.findall(lower))


def _phrases_by_label(lower: str, labels: list[str]) -> dict[int, list[str]]:
    """The hint phrases each label holds (by position in ``labels``), found by searching ``lower``,
    the labels joined by one separator and lower-cased: most pages hold none or one phrase."""
    held: dict[int, list[str]] = {}
    starts: list[int] | None = None
    for phrase in _PHRASES:
        at = lower.find(phrase)
        if at < 0:
            continue
        if starts is None:
            starts = list(accumulate(map((1).__add__, map(len, labels)), initial=0))  # each label and its separator
        while at >= 0:
            i = bisect_right(starts, at) - 1
            held.setdefault(i, []).append(phrase)
            at = lower.find(phrase, starts[i + 1])
    return held


def hints(label: str) -> Hints:
    """``(negative, positive, what)`` for a class/id label: how strongly it names boilerplate
    (NONE/WEAK/STRONG), whether it names content, and :data:`COMMENTS` or :data:`ADS` when a strong
    hint names only comments or only ads (else "")."""
    lower = label.lower()
    phrases = [phrase for phrase in _PHRASES if phrase in lower] if "-" in label else []  # every phrase has a dash
    return _classify(_words(label), phrases)


def _classify(words: set[str], phrases: list[str]) -> Hints:
    """Hints of a label from its words and the hint phrases it holds."""
    if not phrases and words.isdisjoint(_HINT_WORDS):
        return NO_HINT
    positive = not words.isdisjoint(POSITIVE_WORDS)
    strong = words & STRONG_WORDS
    if strong or not _STRONG_PHRASES.isdisjoint(phrases):
        what = COMMENTS if strong & COMMENT_WORDS else ADS if strong and strong <= AD_WORDS else ""
        return STRONG, positive, what
    if phrases or not words.isdisjoint(WEAK_WORDS):  # the phrases left are weak ones
        return WEAK, positive, ""
    return (NONE, True, "") if positive else NO_HINT


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
            imgs = prev.css("img")
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
    if sum(len(s.text()) for s in sections) <= MAX_SHARE_STRONG * len(body.text()):
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
        total += len(node.text())
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
    for paragraph in node.css("p"):
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
    while parent is not None and parent.tag not in PROTECTED and len(parent.text()) < FORM_MAX_TEXT:
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
    body_chars = len(body.text())
    limit = MAX_SHARE_STRONG * body_chars
    found = named(root)  # the class and id of each named node (~700 a page)
    labels = found.labels
    found_each, marked = page_hints(labels)
    hinted_at = list(compress(range(len(labels)), map(is_not, found_each, repeat(NO_HINT))))  # ~5%
    marked_at = [i for i, label in enumerate(labels) if label in marked] if marked else []  # most pages have none
    at = sorted({*hinted_at, *marked_at}) if marked_at else hinted_at
    node_at = dict(zip(at, found.nodes(at)))  # the nodes wanted, made before any removal
    if marked:
        product = any(mark & REVIEWS for mark in marked.values()) and declares_product(scanned)
        marked_nodes = [(node_at[i], marked[labels[i]]) for i in marked_at]
        _remove_marked(marked_nodes, (FURNITURE, REVIEWS) if product else (FURNITURE,), limit)
    hinted: HintMap = {}
    named_hints = [(node_at[i], found_each[i]) for i in hinted_at]
    comment_nodes = [node for node, found in named_hints if found[2] == COMMENTS and node.tag not in PROTECTED]
    if comment_nodes:  # on a forum topic or a Q&A page they are the posts; elsewhere only a thread is kept
        kept |= _outermost(comment_nodes)[1] if declares_discussion(scanned) else _thread_of_comments(body, comment_nodes)
    for node, found in named_hints:
        hinted[node.mem_id] = found
        negative, positive, what = found
        if negative != STRONG or node.tag in PROTECTED:
            continue
        comments = what == COMMENTS
        if comments and kept and (node.mem_id in kept or inside(node, kept)):
            continue
        length = len(node.text())
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
            if marks_of_label & mark and node.tag not in PROTECTED and len(node.text()) <= limit:
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
    imgs = node.css("img")  # most buttons hold none: asked first
    return bool(imgs) and len(node.text(strip=True)) <= PICTURE_WRAPPER_TEXT and any(map(is_picture, imgs))


def _links_an_image(node: LexborNode) -> bool:
    """A link whose only content is one image (a listing's thumbnail, hidden from screen readers
    only as its title links to the same page again): shown, so kept."""
    if node.tag != "a" or node.text(strip=True):
        return False
    imgs = node.css("img")
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


def _paragraph_chars(node: LexborNode, selector: str = "p") -> int:
    return sum(len(p.text().strip()) for p in node.css(selector))


def remove_weak(root: LexborNode, hinted: HintMap) -> None:
    """Inside the chosen content root: drop page chrome named by weaker hints and tags
    (headers/footers, menus, widgets) unless the node also says it is content. Such a node is
    dropped only when short or link-heavy, and never when it holds a large share of the root's text
    (page builders call every block a "widget"; bad markup wraps articles in ``<header>``).
    ``hinted``: the page's named nodes' hints, from :func:`remove_junk`."""
    limit = -1.0  # MAX_SHARE_WEAK of the root's text, measured when first needed
    for node in root.css("header, footer"):
        if limit < 0:
            limit = MAX_SHARE_WEAK * len(root.text())
        if len(node.text()) > limit:
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
        length = len(node.text())
        if length > WEAK_SHORT and limit < 0:
            limit = MAX_SHARE_WEAK * len(root.text())
        if length <= WEAK_SHORT or (length <= limit and _link_share(node, length) > WEAK_LINKS):
            node.remove()


INLINE_TAGS = frozenset("a span em strong b i u small abbr cite code mark sub sup time q dfn kbd var s".split())


def in_running_text(node: LexborNode) -> bool:
    """An inline element with text of its own sentence beside it (its parent has direct text)."""
    if node.tag not in INLINE_TAGS:
        return False
    parent = node.parent
    return parent is not None and bool(parent.text(deep=False).strip())


def _is_article_header(header: LexborNode) -> bool:
    """A ``<header>`` inside the content that opens the article: a lead image or paragraph with at
    most three links, or a standfirst written right in it (:data:`STANDFIRST_MIN` characters, no link)."""
    links = header.css("a")
    if header.css_first("img, p") is not None and not links[3:]:
        return True
    return not links and len(" ".join(header.text().split())) >= STANDFIRST_MIN


def _link_share(node: LexborNode, length: int) -> float:
    return sum(len(a.text()) for a in node.css("a")) / max(1, length)


def figure_like(node: LexborNode) -> bool:
    """An image wrapper (one or more images, a caption at most, at most one link)."""
    if node.css_first("img") is None or len(node.css("a")) > 1:
        return False
    return len(" ".join(node.text().split())) < FIGURE_MAX_TEXT
