"""Choosing the main-content subtree: paragraph-like elements score their ancestors (text length,
commas in any script, less the part that is link text), candidates are weighted by class/id hints
and their own link density, a candidate in the page's footer never wins, and siblings of the winner
that look like content join it."""

from __future__ import annotations

from dataclasses import dataclass, field

import cython
from selectolax.lexbor import LexborNode

from omniweave.extract import dom_table
from omniweave.extract.clean import NO_HINT, NONE, HintMap, figure_like, inside
from omniweave.extract.dom_table import texted
from omniweave.extract.tag_ids import DOCUMENT_ID, id_of_tag

if not cython.compiled:  # the compiled build cimports them (score.pxd)
    from omniweave.extract.walk import handle_of, node_of, parent_of, tag_id_of

_DEEP_TEXT_TAGS = {"p", "pre", "td", "blockquote"}  # paragraph-like elements: all their text counts
_DIRECT_TEXT_TAGS = {"div", "section", "article"}  # count only their own text
_LAYOUT_CELLS = "td:has(table, div, p, ul, ol, pre)"  # a table cell holding these blocks is layout
_COMMAS = tuple(",，、،;；。")  # commas and clause ends in any script
_ASCII_COMMAS = tuple(c for c in _COMMAS if c.isascii())  # all an ASCII text can hold
MIN_PARAGRAPH = 25
MIN_ROOT_TEXT, MIN_ROOT_SHARE = 200, 0.1
_LISTS = {"ol", "ul", "dl"}
_LIST_SELECTOR = "ol, ul, dl"
LIST_LEVELS = 6  # how far above a winning list the article around it is looked for
LIST_SHARE = 0.9  # a winner with this share of its text in one list is that list
SERIES_LEVELS, SERIES_MIN, SERIES_SHARE = 8, 3, 0.25  # posts of a thread, items of a listing
SIBLING_SHARE = 0.2  # a sibling of the winner scoring this share of its score (less a class match bonus) joins it
CLASS_WEIGHT = 25.0  # score added for a class/id naming content, taken for one naming boilerplate
RIVAL_SHARE = 0.75  # a candidate scoring this share of the winner's score is a rival (content split in parts)
_LEVEL_DIVIDERS = (1.0, 2.0, 6.0, 9.0)
_TAG_BONUS = {
    "div": 5, "article": 10, "main": 10, "section": 3, "pre": 3, "td": 3, "blockquote": 3,
    "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}
_STOP = {"html", "#document", "-document"}
_STOP_IDS = frozenset((id_of_tag("html"), DOCUMENT_ID))
_DIRECT_TEXT_IDS = frozenset(map(id_of_tag, _DIRECT_TEXT_TAGS))
_DEEP_TEXT_IDS = frozenset(map(id_of_tag, _DEEP_TEXT_TAGS))
_TD_ID, _A_ID, _FOOTER_ID = id_of_tag("td"), id_of_tag("a"), id_of_tag("footer")
_BODY_IDS = _STOP_IDS | {id_of_tag("body")}
_TAG_BONUS_BY_ID = {id_of_tag(tag): bonus for tag, bonus in _TAG_BONUS.items()}
LEAD_LEVELS = 3  # how far above the first root the page heading may stand beside it
LEAD_MAX_TEXT, LEAD_MAX_LINKS = 1500, 0.5  # a heading block with more text or links is not the article's lead
LEAD_MIN_PARAGRAPH = 100  # a standfirst, not a byline or a date line


def class_weight(node: LexborNode, hinted: HintMap) -> float:
    negative, positive, _ = hinted.get(node.mem_id, NO_HINT)
    return (CLASS_WEIGHT if positive else 0.0) - (CLASS_WEIGHT if negative != NONE else 0.0)


class LinkText:
    """The stripped text length of each ``<a>`` of a page, measured once: scoring asks about the same
    links many times (a paragraph, then each candidate around it); and the text of each candidate
    measured (:meth:`text`). Valid while the tree is unchanged."""

    __slots__ = ("_densities", "_lengths", "_texts")

    def __init__(self) -> None:
        self._lengths: dict[int, int] = {}
        self._densities: dict[int, float] = {}
        self._texts: dict[int, str] = {}

    def total(self, anchors: list[LexborNode]) -> int:
        lengths = self._lengths
        total = 0
        for anchor in anchors:
            key = anchor.mem_id
            length = lengths.get(key)
            if length is None:
                length = lengths[key] = len(anchor.text(deep=True).strip())
            total += length
        return total

    def text(self, node: LexborNode) -> str:
        """``node.text()``, read once per node (a winner's text is measured again after scoring)."""
        key = node.mem_id
        found = self._texts.get(key)
        if found is None:
            found = self._texts[key] = node.text()
        return found

    def density(self, node: LexborNode, text: str | None = None) -> float:
        """Link text over all text of ``node`` (stripped), at most 1 (kept per node). ``text``:
        ``node.text()`` where the caller has read it already (not read again)."""
        key = node.mem_id
        found = self._densities.get(key)
        if found is None:
            text_len = len((self.text(node) if text is None else text).strip())
            if text_len:
                found = min(1.0, self.total(_anchors_in(node)) / text_len)
            else:
                found = 0.0
            self._densities[key] = found
        return found


def _anchors_in(node: LexborNode) -> list[LexborNode]:
    """The ``<a>`` elements under ``node`` (itself included), as ``node.css("a")`` finds them. A query
    costs about 2 us whatever the subtree (the selector is parsed each time); a walk costs less (in C
    in the compiled build, making node objects for the links only)."""
    if cython.compiled and dom_table._native:
        out, parser, a_id = [], node.parser, _A_ID
        top = cython.cast("void *", cython.cast(cython.size_t, node.mem_id))
        here = top
        while here != cython.NULL:
            if dom_table._tag_id(here) == a_id:
                out.append(dom_table._new_node(here, parser))
            here = dom_table._following(here, top)
        return out
    return [n for n in node.traverse() if n.tag_id == _A_ID]


def _commas(text: str) -> int:
    """How many commas and clause ends of :data:`_COMMAS` the text holds."""
    count = 0
    for comma in _ASCII_COMMAS if text.isascii() else _COMMAS:
        count += text.count(comma)
    return count


def _text_len(node: LexborNode, deep: bool) -> int:
    return len(" ".join(node.text(deep=deep).split()))


@dataclass(slots=True)
class Scoring:
    """What the paragraph scoring found on a page: each scored node's raw score (by ``mem_id``), the
    nodes, the link text lengths measured so far, and the best few candidates by raw score with
    their final score (less their link share)."""

    scores: dict[int, float] = field(default_factory=dict)
    nodes: dict[int, LexborNode] = field(default_factory=dict)
    links: LinkText = field(default_factory=LinkText)
    ranked: list[int] = field(default_factory=list)  # the best few scored nodes by raw score, best first
    final: dict[int, float] = field(default_factory=dict)  # those that can win or rival -> final score
    top: LexborNode | None = None  # the rule's winner before expansion (None: nothing scored)


@cython.locals(key=cython.size_t, tag_id=cython.size_t, deep=cython.bint, length=cython.Py_ssize_t, keep=cython.double,
               score=cython.double, divider=cython.double, text=str, scores=dict, nodes=dict)
def score_page(body: LexborNode, hinted: HintMap) -> Scoring:
    """Score the page's paragraph-like elements into their ancestors and pick the rule's winner."""
    out = Scoring()
    scores, nodes, links = out.scores, out.nodes, out.links
    layout: set[int] | None = None
    made: dict[int, LexborNode] = {}  # the nodes read through the API (see walk.handle_of)
    parser = body.parser
    # only elements whose text can reach the length asked below (a cell's text in all: a layout
    # cell's own text is part of it)
    for para in texted(body, _DEEP_TEXT_IDS, _DIRECT_TEXT_IDS, MIN_PARAGRAPH, 2 * MIN_PARAGRAPH):
        tag_id = para.tag_id
        deep = tag_id not in _DIRECT_TEXT_IDS
        if tag_id == _TD_ID:
            if layout is None:  # the cells holding blocks, found in one query when the page has cells
                layout = {cell.mem_id for cell in body.css(_LAYOUT_CELLS)}
            # a layout cell: its paragraphs and tables score for themselves; only its own text counts
            # (its whole text, never shorter, is not read: the cell would be skipped either way when short)
            deep = para.mem_id not in layout
        text = para.text(deep=deep)
        if len(text) < (MIN_PARAGRAPH if deep else 2 * MIN_PARAGRAPH):
            continue  # too short even before stripping (most wrappers: no text of their own)
        length = len(text.strip())
        if length < MIN_PARAGRAPH or (not deep and length < 2 * MIN_PARAGRAPH):
            continue
        keep = 1.0
        if deep:
            anchors = _anchors_in(para)
            if anchors:
                keep = max(0.0, 1.0 - links.total(anchors) / length)
        if keep < 0.5:
            continue
        score = (1.0 + _commas(text) + min(length / 100.0, 3.0)) * keep
        key = handle_of(para, made)
        if deep:
            key = parent_of(key, made)
        for divider in _LEVEL_DIVIDERS:
            if not key:
                break
            tag_id = tag_id_of(key, made)
            if tag_id in _STOP_IDS:
                break
            if key not in scores:
                node = nodes[key] = node_of(key, parser, made)
                scores[key] = _TAG_BONUS_BY_ID.get(tag_id, 0) + class_weight(node, hinted)
            scores[key] += score / divider
            key = parent_of(key, made)
    if not scores:
        return out
    ranked = out.ranked = sorted(scores, key=scores.__getitem__, reverse=True)[:5]  # the best five, ties in order
    final = out.final  # score less the link share, for the candidates that can win or rival
    best = 0.0
    for key in ranked:  # a final score is at most the raw one: once that is below a rival's, stop
        if best > 0.0 and scores[key] < RIVAL_SHARE * best:
            break
        final[key] = scores[key] * (1.0 - links.density(nodes[key]))
        best = max(best, final[key])
    top_key = max(final, key=final.__getitem__)
    if in_footer(nodes[top_key]):
        outside = [key for key in final if not in_footer(nodes[key])]
        if not outside:
            out.top = body  # the best scored candidates are all in the footer: the whole page, left to pruning
            return out
        top_key = max(outside, key=final.__getitem__)
    top = _promote(nodes[top_key], top_key, final[top_key], scores, nodes, final)
    out.top = _around_list(top, links)
    return out


def in_footer(node: LexborNode) -> bool:
    """Whether ``node`` is in a footer landmark (``<footer>``, ``role=contentinfo``): a newsletter
    box, an "about us" blurb or a legal notice there can outscore a short or fragmented body, but is
    never the page's main content."""
    while node is not None and node.tag_id not in _BODY_IDS:
        if node.tag_id == _FOOTER_ID or node.attributes.get("role") == "contentinfo":
            return True
        node = node.parent  # type: ignore[assignment]
    return False


def expand(body: LexborNode, top: LexborNode, scoring: Scoring, body_chars_at_most: int,
           top_chars: int | None = None) -> list[LexborNode]:
    """The content roots around a winner: ``[body]`` when it holds too little of the page's text,
    else the posts or items of the series it belongs to, or it with the siblings that look like
    content, and the page heading with its lead in front (``top_chars``: the length of its text, if known)."""
    if top.mem_id == body.mem_id:
        return [body]
    if top_chars is None:
        top_chars = len(top.text())
    if top_chars < MIN_ROOT_TEXT or (
        top_chars < MIN_ROOT_SHARE * body_chars_at_most and top_chars < MIN_ROOT_SHARE * len(body.text())
    ):
        return [body]  # nothing stands out: keep the whole page and let pruning work
    roots = _series(top, scoring.links) or _with_siblings(top, scoring.scores, scoring.links)
    return _with_lead(body, roots, scoring.links)


def _with_lead(body: LexborNode, roots: list[LexborNode], links: LinkText) -> list[LexborNode]:
    """The article's heading and its lead paragraphs, when they stand just before the first root
    under a common ancestor a few levels up (an article's ``<header>`` with a standfirst, a hero
    section above the body text): they join the roots, in front. The heading is the nearest
    ``<h1>`` (``<h2>`` on a page without one) before the first root among the earlier siblings of
    it and its ancestors (the page's first ``<h1>`` may be a logo in the site's header). Bylines,
    dates and kickers beside them stay out: only paragraphs of :data:`LEAD_MIN_PARAGRAPH`
    characters count."""
    tag = "h1" if body.css_first("h1") is not None else "h2"
    node = roots[0]
    for _ in range(LEAD_LEVELS):
        parent = node.parent
        if parent is None or parent.tag in _STOP:
            return roots
        sibling = node.prev
        while sibling is not None:
            heading = sibling if sibling.tag == tag else sibling.css_first(tag) if sibling.tag != "-text" else None
            if heading is not None:
                return _lead_before(sibling, heading, node, roots, links)
            sibling = sibling.prev
        node = parent
    return roots


def _lead_before(first: LexborNode, heading: LexborNode, stop: LexborNode, roots: list[LexborNode],
                 links: LinkText) -> list[LexborNode]:
    """The roots with ``heading`` (``first`` or inside it) and the lead paragraphs of the siblings
    from ``first`` up to ``stop`` (the first root or its ancestor) in front, when those siblings are
    short and mostly unlinked text (else the roots). A lead paragraph is a ``<p>``, a ``<div>``
    holding none or an ``<h2>`` (a sub-headline) of :data:`LEAD_MIN_PARAGRAPH` characters."""
    blocks: list[LexborNode] = []
    sibling: LexborNode | None = first
    while sibling is not None and sibling.mem_id != stop.mem_id:
        if sibling.tag != "-text":
            blocks.append(sibling)
        sibling = sibling.next
    length = sum(len(b.text()) for b in blocks)
    if length > LEAD_MAX_TEXT or sum(links.density(b) * len(b.text()) for b in blocks) > LEAD_MAX_LINKS * length:
        return roots
    lead: list[LexborNode] = []
    for block in blocks:
        for n in block.css("p, div, h2"):
            is_text = (n.tag != "div" or n.css_first("p") is None) and _text_len(n, n.tag != "div") >= LEAD_MIN_PARAGRAPH
            if is_text and n.mem_id != heading.mem_id and not (lead and n.tag == "div" and inside(n, {m.mem_id for m in lead})):
                lead.append(n)  # a text div inside one already taken comes with it
    return [heading, *lead, *roots] if lead else roots


def _around_list(top: LexborNode, links: LinkText) -> LexborNode:
    """A list that wins (references, notes), or a wrapper that is nearly all one list, is part of an
    article when an ancestor a few levels up holds :data:`MIN_ROOT_TEXT` characters of paragraphs
    outside it: that ancestor is the root."""
    if top.tag not in _LISTS:
        inner = top.css_first(_LIST_SELECTOR)
        if inner is None or len(inner.text()) < LIST_SHARE * len(links.text(top)):
            return top
    node = top.parent
    own = -1  # the paragraph text of the winner, measured when first needed
    for _ in range(LIST_LEVELS):
        if node is None or node.tag in ("body", *_STOP):
            break
        if own < 0:
            own = sum(len(p.text().strip()) for p in top.css("p"))
        outside = sum(len(p.text().strip()) for p in node.css("p")) - own
        if outside >= MIN_ROOT_TEXT:
            return node
        node = node.parent
    return top


def _first_class(node: LexborNode) -> str | None:
    value = node.attributes.get("class")
    return value.split(None, 1)[0] if value and value.strip() else None


def _series(top: LexborNode, links: LinkText) -> list[LexborNode] | None:
    """The posts of a thread or the items of a listing, when the winner is one of them: an
    ancestor (or the winner) with at least :data:`SERIES_MIN` siblings of the same tag and first
    class, which together hold prose (not links) worth at least half of the winner's."""
    node = top
    for _ in range(SERIES_LEVELS):
        parent = node.parent
        if parent is None or parent.tag in ("body", *_STOP):
            return None
        first = _first_class(node)
        if first is not None:
            same = [c for c in parent.iter() if c.tag == node.tag and _first_class(c) == first]
            if len(same) >= SERIES_MIN:
                own = len(node.text())
                prose = [len(text := c.text()) * (1.0 - links.density(c, text)) for c in same if c.mem_id != node.mem_id]
                if sum(prose) >= SERIES_SHARE * own and sum(p >= MIN_ROOT_TEXT / 2 for p in prose) >= SERIES_MIN - 1:
                    return same
        node = parent
    return None


def _promote(
    top: LexborNode,
    top_key: int,
    top_score: float,
    scores: dict[int, float],
    nodes: dict[int, LexborNode],
    final: dict[int, float],
) -> LexborNode:
    """Move up to a common ancestor when content is split over several strong candidates, or
    when the parent scores higher; then past wrappers that have the candidate as only child."""
    rivals = [nodes[k] for k, s in final.items() if k != top_key and s >= RIVAL_SHARE * top_score]
    if len(rivals) >= 2:
        rival_ids = [{a.mem_id for a in _ancestors(r)} for r in rivals]
        for ancestor in _ancestors(top):
            if sum(ancestor.mem_id in ids for ids in rival_ids) >= 2:
                top = ancestor
                break
    last = scores.get(top.mem_id, top_score)
    parent = top.parent
    while parent is not None and parent.tag not in ("body", *_STOP):
        parent_score: float | None = scores.get(parent.mem_id)
        if parent_score is None:
            parent = parent.parent
            continue
        if parent_score < last / 3:
            break
        if parent_score > last:
            top = parent
            break
        last = parent_score
        parent = parent.parent
    parent = top.parent
    while parent is not None and parent.tag not in ("body", *_STOP) and _only_element_child(parent):
        top, parent = parent, parent.parent
    return top


def _ancestors(node: LexborNode) -> list[LexborNode]:
    out = []
    node = node.parent
    while node is not None and node.tag not in _STOP:
        out.append(node)
        node = node.parent
    return out


def _only_element_child(node: LexborNode) -> bool:
    count = 0
    for child in node.iter(include_text=True):
        if child.tag == "-text":
            if (child.text_content or "").strip():
                return False
            continue
        count += 1
        if count > 1:
            return False
    return count == 1


def _with_siblings(top: LexborNode, scores: dict[int, float], links: LinkText) -> list[LexborNode]:
    parent = top.parent
    if parent is None or top.tag == "body":
        return [top]
    top_score = scores.get(top.mem_id, 0.0)
    threshold = max(10.0, top_score * SIBLING_SHARE)
    top_class = top.attributes.get("class")
    roots = []
    for sibling in parent.iter():
        if sibling.mem_id == top.mem_id:
            roots.append(top)
            continue
        bonus = top_score * SIBLING_SHARE if top_class and sibling.attributes.get("class") == top_class else 0.0
        if scores.get(sibling.mem_id, -1e9) + bonus >= threshold or figure_like(sibling):
            roots.append(sibling)
        elif sibling.tag == "p":
            length = _text_len(sibling, True)
            density = links.density(sibling) if length else 1.0
            if (length > 80 and density < 0.25) or (0 < length <= 80 and density == 0 and ". " in sibling.text()):
                roots.append(sibling)
    return roots
