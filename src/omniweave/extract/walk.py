"""Walk the content roots in document order, emitting text blocks and images where they stand, then
prune link-heavy containers (menus, link lists, "read more" lines) using per-block link counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import cython
from selectolax.lexbor import LexborHTMLParser, LexborNode

from omniweave.document import ImageNode, Node, TextNode
from omniweave.extract import dom_table
from omniweave.extract.bylines import drop_leading_bylines
from omniweave.extract.images import image_from_tag
from omniweave.extract.tag_ids import TEXT_ID, id_of_tag

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = HEADINGS | {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "table", "tr", "section", "article", "main",
    "figure", "figcaption", "address", "center", "hr", "td", "th", "details", "summary", "header", "footer",
    "caption", "tbody", "thead", "form", "fieldset", "legend", "body", "aside", "nav", "menu",
}
CONTAINERS = {"ul", "ol", "dl", "div", "section", "table", "aside", "header", "footer", "nav", "menu", "form"}
KIND_OF_TAG = {
    "li": "list_item", "dt": "list_item", "dd": "list_item", "blockquote": "quote", "figcaption": "caption",
    **{h: "heading" for h in HEADINGS},
}
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_TAB_NEWLINE = str.maketrans("", "", "\t\r\n")
_NON_LETTERS = re.compile(r"[\W\d_]+")  # letters in any script remain: CJK counts like Latin
LINK_HEAVY = 0.7  # a container with more link text than this share is navigation (0.5 dropped reference lists)
LINK_LINE = 0.8  # a short block that is nearly all link text ("Read more", "Next article")
SHORT_LINE = 80
LINK_LINE_KINDS = ("paragraph", "list_item")
# blocks that are only a label of page furniture, in the languages of the bench suites and a few more
_LABELS = frozenset((
    "advertisement", "advertisements", "advertising", "sponsored", "sponsored content", "anzeige", "werbung",
    "publicité", "publicidad", "pubblicità", "реклама", "广告", "廣告", "広告",
    "credit", "credits", "photo credit", "image credit", "loading", "wird geladen", "chargement", "cargando",
))
_LABEL_MAX = 20
# a picture credit line: "Credit: Jane Doe / Agency", "(Foto: dpa)", "Image: Studio"
_CREDIT = re.compile(
    r"\(?\s*(?:photos?|photograph|fotos?|bild|bilder|images?|pictures?|credits?|crédits?|créditos?)\s*:", re.IGNORECASE
)
_CREDIT_FIRST = frozenset("(PpFfBbIiCc")  # what a credit line opens with: a cheap test before the pattern
# a breadcrumb trail's label: "当前位置：首页 > 新闻", "您现在的位置: ...", "You are here: Home > Docs"
_BREADCRUMB = re.compile(r"(?:当前位置|您的位置|您现在的位置|你的位置|你现在的位置|现在位置|所在位置|you are here)\s*[:：]", re.I)
_BREADCRUMB_FIRST = frozenset("当您你现所Yy")  # what a breadcrumb line opens with: a cheap test before the pattern
_FURNITURE_MAX = 100  # a label, credit or breadcrumb line is no longer than this
# what such a line opens with: a cheap test before the call (labels compare case-folded, so both cases)
_FURNITURE_FIRST = _BREADCRUMB_FIRST | _CREDIT_FIRST | {c for label in _LABELS for c in (label[0], label[0].upper())}
_SLIDE_COUNTER = re.compile(r"(\d{1,3}) ?(?:/|of) ?(\d{1,3})\b")  # "3/50 Title", "3 of 50: Title"
CAPTION_MAX = 250  # an image wrapper's text this long or shorter (and under half linked) is the images' caption
SLIDES_MIN = 3  # blocks opening with counters of one total that make a slideshow
SLIDES_OUTSIDE = 200  # ... dropped when this much text stands outside it (an article beside it)
# titles of legal notices set after an article (a disclaimer, a copyright or anti-piracy notice), compared
# without spaces, brackets and a closing colon
_NOTICE_TITLES = frozenset((
    "声明", "免责声明", "版权声明", "郑重声明", "特别声明", "法律声明", "重要声明", "反侵权公告", "侵权公告", "版权公告",
    "免责条款", "版权说明", "聲明", "免責聲明", "版權聲明", "鄭重聲明", "免責事項", "disclaimer", "legalnotice",
    "copyrightnotice", "haftungsausschluss", "avisolegal",
))
_NOTICE_STRIP = str.maketrans("", "", " \t\n\u3000:：【】[]（）()")
# what a notice title opens with (either case, or a bracket): a cheap test before the translation
_NOTICE_FIRST = frozenset("".join(t[0] for t in _NOTICE_TITLES).upper() + "".join(t[0] for t in _NOTICE_TITLES) + "【[（(")
_NOTICE_MAX = 40  # a title block is no longer than this
NOTICE_OUTSIDE = 200  # a notice is dropped when this much text stands outside it (else it is the page)
_SPECIAL = {"a", "br", "pre"}  # inline tags the walk does not just descend into
_NOT_INLINE = frozenset(BLOCKS | _SPECIAL)  # tags the walk does more with than descend into them
_IMG_ID = id_of_tag("img")
_NOT_INLINE_IDS = {id_of_tag(tag): tag for tag in _NOT_INLINE}  # id -> name


@dataclass(slots=True)
class Blocks:
    """What the walk saw: nodes in reading order, the text length of all of them, the short
    all-link lines, and each container (``ul``, ``div``, ``table``, ...) as the interval of node
    positions it holds, with its totals."""

    nodes: list[Node] = field(default_factory=list)
    chars: int = 0
    link_lines: list[int] = field(default_factory=list)  # positions of short paragraphs/items that are all link text
    link_chars: dict[int, int] = field(default_factory=dict)  # id() of a text node -> its linked characters
    # (start, end, chars, link chars, images, text nodes, is a content root), end exclusive
    containers: list[tuple[int, int, int, int, int, int, bool]] = field(default_factory=list)


@dataclass(slots=True)
class _Figure:
    """A ``<figure>`` the walk is inside: its images so far and its caption. In a figure holding an
    image the caption is held for the images, not emitted as text (``held``); emitted where the
    figure ends if no image of it was kept after all."""

    has_image: bool
    images: list[ImageNode] = field(default_factory=list)
    caption: str | None = None
    held: bool = False


def _collapse(text: str) -> str:
    """``" ".join(text.split())``: white space runs made one space, none at the ends. A text that
    needs no change is returned as it is: in the compiled build one pass over its characters tells
    (a white space other than a single space between others needs the change), and an ASCII text's
    bytes are collapsed in one more pass; in Python the string methods do (every white space
    character but the space is unprintable)."""
    if not cython.compiled:
        if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
            return text
        return " ".join(text.split())
    after_space = True  # at the start, as after a space: a leading space needs the change
    for ch in text:
        if ch.isspace():
            if after_space or ch != " ":
                return _ascii_collapsed(text) if text.isascii() else " ".join(text.split())
            after_space = True
        else:
            after_space = False
    return (_ascii_collapsed(text) if text.isascii() else " ".join(text.split())) if after_space else text


def _ascii_collapsed(text: str) -> str:
    """``" ".join(text.split())`` of an ASCII text, from its bytes (compiled build): no word strings."""
    raw = text.encode("ascii")
    out = bytearray(len(raw))
    data, buf = cython.cast("const unsigned char *", raw), cython.cast("unsigned char *", out)
    size = 0
    space = False  # a space is due before the next character (never at the start)
    for i in range(len(raw)):
        byte = data[i]
        if byte == 32 or 9 <= byte <= 13 or 28 <= byte <= 31:  # str.isspace() in ASCII
            space = size > 0
        else:
            if space:
                buf[size] = 32
                size += 1
                space = False
            buf[size] = byte
            size += 1
    return buf[:size].decode("ascii")


def _norm(text: str) -> str:
    """White space runs made one space, none at the ends (as ``re.sub(r"\\s+", " ", text).strip()``: both
    use Python's white space), without the regex: a table cell's or caption's text."""
    return " ".join(text.split())


def _cells_inline(table: LexborNode) -> bool:
    """Whether the table's cells hold only inline text (no nested table, image or block): with
    header cells or a caption, a data table, read as one text block. The parts of the table are
    queried, not the table (a query matches the node it starts from too)."""
    return not any(part.css_first("table, img, p, div, ul, ol, pre") is not None for part in table.iter())


def _table_text(table: LexborNode) -> str:
    rows = []
    for tr in table.css("tr"):
        cells = [_norm(c.text(deep=True)) for c in tr.css("th, td")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _script_wrapper(anchor: LexborNode) -> bool:
    """A ``javascript:`` "link" around paragraphs: text made clickable, not a link."""
    return anchor.attrs.sget("href").startswith("javascript:") and anchor.css_first("p, div") is not None


# The walk's node reads. A node is a handle, its ``mem_id``: in the compiled build with lexbor's functions
# bound (:func:`~omniweave.extract.dom_table.native`) the node's address, read in C, with a node object
# made only where the walk reads more; else a key of ``made``, the API's nodes the walk came by.


def handle_of(node: LexborNode, made: dict[int, LexborNode]) -> int:
    key = node.mem_id
    if not (cython.compiled and dom_table._native):
        made[key] = node
    return key


def _kept(node: LexborNode | None, made: dict[int, LexborNode]) -> int:
    return 0 if node is None else handle_of(node, made)


def first_child_of(node: cython.size_t, made: dict[int, LexborNode]) -> cython.size_t:
    if cython.compiled and dom_table._native:
        return cython.cast(cython.size_t, dom_table._first_child(cython.cast("void *", node)))
    return _kept(made[node].first_child, made)


def next_of(node: cython.size_t, made: dict[int, LexborNode]) -> cython.size_t:
    if cython.compiled and dom_table._native:
        return cython.cast(cython.size_t, dom_table._next(cython.cast("void *", node)))
    return _kept(made[node].next, made)


def parent_of(node: cython.size_t, made: dict[int, LexborNode]) -> cython.size_t:
    if cython.compiled and dom_table._native:
        return cython.cast(cython.size_t, dom_table._parent(cython.cast("void *", node)))
    return _kept(made[node].parent, made)


def tag_id_of(node: cython.size_t, made: dict[int, LexborNode]) -> int:
    if cython.compiled and dom_table._native:
        return dom_table._tag_id(cython.cast("void *", node))
    return made[node].tag_id


def node_of(node: cython.size_t, parser: LexborHTMLParser, made: dict[int, LexborNode]) -> LexborNode:
    """The node object of a handle."""
    if cython.compiled and dom_table._native:
        return dom_table._new_node(cython.cast("void *", node), parser)
    return made[node]


def _text(node: cython.size_t, made: dict[int, LexborNode]) -> str:
    """A text node's text (``text_content``, "" for none)."""
    if cython.compiled and dom_table._native:
        at = cython.cast("char *", node) + dom_table._TEXT_LENGTH_AT  # lexbor_str_t: the data, then this length
        data = cython.cast("const char **", at - cython.sizeof(cython.p_char))[0]
        if data == cython.NULL:
            return ""
        return data[:cython.cast("size_t *", at)[0]].decode("utf-8", "replace")
    return made[node].text_content or ""


def _blank(node: cython.size_t, made: dict[int, LexborNode]) -> bool:
    """Whether a text node's text is empty or white space (its bytes, when all ASCII, are looked at
    without decoding them)."""
    if cython.compiled and dom_table._native:
        at = cython.cast("char *", node) + dom_table._TEXT_LENGTH_AT
        data = cython.cast("const unsigned char **", at - cython.sizeof(cython.p_char))[0]
        if data == cython.NULL:
            return True
        length = cython.cast("size_t *", at)[0]
        for i in range(length):
            byte = data[i]
            if byte >= 128:
                break  # a character beyond ASCII: decoded below
            if byte != 32 and not (9 <= byte <= 13) and not (28 <= byte <= 31):  # str.isspace() in ASCII
                return False
        else:
            return True
    text = _text(node, made)
    return not text or text.isspace()


def _script_link(node: cython.size_t, parser: LexborHTMLParser, made: dict[int, LexborNode]) -> bool:
    """:func:`_script_wrapper` of a link, its ``href`` read in C first (most links are no script)."""
    if cython.compiled and dom_table._native:
        length = 0
        attr = dom_table._first_attribute(cython.cast("void *", node))
        while attr != cython.NULL:  # the first attribute whose qualified name is href, as attrs.sget finds it
            name = dom_table._qualified_name(attr, cython.address(length))
            if name != cython.NULL and length == 4 and (name[0] | 32) == 104 and (name[1] | 32) == 114 \
                    and (name[2] | 32) == 101 and (name[3] | 32) == 102:
                break
            attr = dom_table._next_attribute(attr)
        if attr == cython.NULL:
            return False
        value = dom_table._value(attr, cython.address(length))
        if value == cython.NULL or length < 11 or value[:11] != b"javascript:":
            return False
    return _script_wrapper(node_of(node, parser, made))


@cython.locals(here=cython.size_t, top=cython.size_t, child=cython.size_t, sibling=cython.size_t, tag_id=cython.size_t,
               text_id=cython.size_t, img_id=cython.size_t, at=cython.Py_ssize_t, down=cython.bint, leaving=cython.bint,
               counts=cython.bint, tag=str, not_inline=dict, kind_of_tag=dict, containers=set, figures=list, opened=list,
               counted=list)
def walk(roots: list[LexborNode], base_url: str | None) -> Blocks:
    """The content roots' text blocks and images in reading order, with link-text counts per container."""
    out = Blocks()
    nodes = out.nodes
    buffer: list[str] = []
    kinds = ["paragraph"]
    open_blocks: list[str] = []  # tags of the blocks the walk is inside, innermost last
    headed: list[bool] = []  # for each table the walk is inside: whether it has header cells
    figures: list[_Figure] = []
    # running totals over the nodes so far: a container's totals are the difference between its end and start
    chars = links = images = texts = 0
    opened: list[tuple[int, int, int, int, int, bool]] = []
    in_link = 0
    link_chars = 0
    link_text: list[str] = []

    initial = ""  # a drop cap set apart from its word ("T" before <p>urkey, ...</p>), joined to it

    def add_text(text: str, kind: str, text_links: int) -> None:
        nonlocal chars, links, texts, initial
        if initial:
            if text[0].islower() and kind not in ("code", "table"):
                text = initial + text
            else:
                release_initial()
            initial = ""
        node = TextNode(text, kind)
        nodes.append(node)
        chars += len(text)
        linked = min(text_links, len(text))
        links += linked
        if linked:
            out.link_chars[id(node)] = linked
        texts += 1

    def release_initial() -> None:  # not a drop cap after all: a block of its own
        nonlocal chars, texts, initial
        nodes.append(TextNode(initial, "paragraph"))
        chars += 1
        texts += 1
        initial = ""

    def in_cell() -> bool:  # text right in a cell of a table with headers: a value (a film's name), not a "Read more" line
        return bool(headed) and headed[-1] and open_blocks[-1] in ("td", "th")

    def flush() -> None:  # called only with text in the buffer (link_chars is 0 while it is empty)
        nonlocal link_chars, initial
        text = _collapse("".join(buffer))
        buffer.clear()
        in_links, link_chars = link_chars, 0
        if not text:
            link_text.clear()
            return
        if len(text) == 1 and text.isupper() and not in_links and not initial and kinds[-1] == "paragraph":
            initial = text  # held for the next block
            return
        line = False
        if link_text:
            if in_links and len(text) < SHORT_LINE and kinds[-1] in LINK_LINE_KINDS and not in_cell():
                linked = "".join("".join(link_text).split())
                # all of its visible characters linked (the link text is part of the text): no need to count letters
                line = len(linked) == len(text) - text.count(" ") or (
                    len(_NON_LETTERS.sub("", linked)) >= LINK_LINE * len(_NON_LETTERS.sub("", text))
                )
            link_text.clear()
        add_text(text, kinds[-1], in_links)
        if line:
            out.link_lines.append(len(nodes) - 1)

    # the walk goes down to first children and on to next siblings, climbing back to the parent when
    # a node has none, so it needs no stack; it leaves every element it went into (inline ones do nothing)
    made: dict[int, LexborNode] = {}  # the API's nodes by handle (used where the tree is not read in C)
    parser = roots[0].parser if roots else None
    tops = [handle_of(root, made) for root in roots]
    root_ids = set(tops)
    counted: list[bool] = []  # for each link the walk is inside: whether its text counts as link text
    not_inline, kind_of_tag, containers, text_id, img_id = _NOT_INLINE_IDS, KIND_OF_TAG, CONTAINERS, TEXT_ID, _IMG_ID
    here = top = 0
    at = 0  # the next root
    down = False  # whether the walk goes into the current node's children
    while True:
        leaving = False
        if down:
            down = False
            child = first_child_of(here, made)
            if child:
                here = child
            else:
                leaving = True
        elif here != top:
            sibling = next_of(here, made)
            if sibling:
                here = sibling
            else:
                here = parent_of(here, made)
                leaving = True
        elif at < len(tops):
            here = top = tops[at]
            at += 1
        else:
            break
        tag_id = tag_id_of(here, made)
        if leaving:  # past the end of an element
            if tag_id not in not_inline:
                continue
            tag = not_inline[tag_id]
            if tag == "a":
                if counted.pop():
                    in_link -= 1
                continue
            if buffer:
                flush()
            open_blocks.pop()
            if tag == "table":
                headed.pop()
            if tag in kind_of_tag:
                kinds.pop()
            if tag in containers:
                if initial:
                    release_initial()
                start, chars0, links0, images0, texts0, is_root = opened.pop()
                if len(nodes) > start:
                    out.containers.append(
                        (start, len(nodes), chars - chars0, links - links0, images - images0, texts - texts0, is_root)
                    )
            if tag == "figure":
                figure = figures.pop()
                for image in figure.images:
                    image.caption = image.caption or figure.caption
                if figure.held and figure.caption and not figure.images:
                    add_text(figure.caption, "caption", 0)  # no image to carry it: the caption is text
            continue
        if tag_id == text_id:
            if not buffer and _blank(here, made):
                continue  # leading white space: the joined text would drop it (and no flush is due)
            text = _text(here, made)
            buffer.append(text)
            if in_link:
                link_chars += len(text.strip())
                link_text.append(text)
            continue
        if tag_id == img_id:
            image = image_from_tag(node_of(here, parser, made), base_url)
            if image is not None:
                if buffer:
                    flush()
                if initial:
                    release_initial()
                nodes.append(image)
                images += 1
                if figures:
                    figures[-1].images.append(image)
            continue
        if tag_id not in not_inline:  # inline: its children, in place
            down = True
            continue
        tag = not_inline[tag_id]
        if tag == "a":
            counts = not _script_link(here, parser, made)  # a script "link" around paragraphs is plain inline markup
            counted.append(counts)
            in_link += counts
            down = True
            continue
        if buffer:
            flush()
        if tag == "br" or tag == "hr":
            continue
        if tag == "pre":
            code = node_of(here, parser, made).text(deep=True).strip("\n")
            if code.strip():
                add_text(code, "code", 0)
            continue
        if tag == "table":
            item = node_of(here, parser, made)
            head = item.css_first("th, caption")  # header-less tables are usually layout
            if head is not None and _cells_inline(item):
                text = _table_text(item)
                if text:  # one node, pruned as a container of its own (a table of links is navigation)
                    table_links = min(len(text), sum(len(a.text(deep=True).strip()) for a in item.css("a")))
                    add_text(text, "table", table_links)
                    out.containers.append(
                        (len(nodes) - 1, len(nodes), len(text), table_links, 0, 1, here in root_ids)
                    )
                continue
            headed.append(head is not None and (head.tag == "th" or item.css_first("th") is not None))
        if tag == "figcaption" and figures and figures[-1].has_image and not figures[-1].held:
            item = node_of(here, parser, made)
            if item.css_first("img") is None:
                figure = figures[-1]
                figure.caption, figure.held = _norm(item.text(deep=True)) or None, True  # the images carry it
                continue
        if tag in kind_of_tag:
            kinds.append(kind_of_tag[tag])
        if tag in containers:
            if initial:
                release_initial()
            opened.append((len(nodes), chars, links, images, texts, here in root_ids))
        if tag == "figure":
            figures.append(_Figure(node_of(here, parser, made).css_first("img") is not None))
        elif tag == "figcaption" and figures:
            figures[-1].caption = _norm(node_of(here, parser, made).text(deep=True)) or None
        open_blocks.append(tag)
        down = True
    if buffer:
        flush()
    if initial:
        release_initial()
    out.chars = chars
    # the nested functions hold each other through their closure cells: dropped here, the page's
    # lists and nodes are freed now, not left for the collector to find (Cython refuses ``del``)
    add_text = release_initial = in_cell = flush = None  # noqa: F811 (in_cell is read in flush)
    return out


def is_link_heavy(chars: int, links: int, is_root: bool, total: int) -> bool:
    """A container the rules drop as navigation: not the root, mostly link text, under half of the
    walk's ``total`` characters."""
    return not is_root and chars > 0 and links > LINK_HEAVY * chars and chars < 0.5 * total


def prune(blocks: Blocks, title: str | None) -> list[Node]:
    """Drop link-heavy containers and short all-link lines, except in a figure (a container with
    images and one caption block, linked or not), slideshows and legal notices beside an article, and
    page-furniture lines (an ad/credit/loading label, a breadcrumb trail) and the article's byline and
    dateline (:mod:`.bylines`); hold the short text of an image wrapper as its images' caption
    (:func:`_hold_caption`); drop a leading heading that repeats the page title, and headings left
    dangling at the end."""
    dropped = bytearray(len(blocks.nodes))
    for i in blocks.link_lines:
        dropped[i] = 1
    figures = []
    for start, end, chars, links, images, texts, is_root in blocks.containers:
        if images and texts <= 1:
            figures.append((start, end))
        elif is_link_heavy(chars, links, is_root, blocks.chars):
            dropped[start:end] = b"\x01" * (end - start)
    for start, end in figures:
        dropped[start:end] = bytes(end - start)
    for start, end in figures:
        _hold_caption(blocks.nodes[start:end], blocks.link_chars, dropped, start)
    for start, end in _slideshows(blocks) + _notices(blocks):
        dropped[start:end] = b"\x01" * (end - start)
    nodes = [
        node for node, drop in zip(blocks.nodes, dropped)
        if not drop and not (
            type(node) is TextNode and len(node.text) <= _FURNITURE_MAX and node.text[0] in _FURNITURE_FIRST
            and _is_furniture(node)
        )
    ]
    nodes = drop_leading_bylines(_drop_adjacent_duplicates(nodes))
    if title:
        _drop_title_heading(nodes, title)
    while nodes and isinstance(nodes[-1], TextNode) and nodes[-1].kind == "heading":
        nodes.pop()
    return nodes


def _hold_caption(nodes: list[Node], link_chars: dict[int, int], dropped: bytearray, start: int) -> None:
    """In an image wrapper (a container of images and one short text block, mostly unlinked), the
    text is the images' caption: held on them (:attr:`ImageNode.caption`, where they have none) and
    left out of the text stream. A linked one is a card's title (a teaser, a listing's item): text."""
    texts = [i for i, n in enumerate(nodes) if type(n) is TextNode]
    if len(texts) != 1:
        return
    text = nodes[texts[0]]
    length = len(text.text)  # type: ignore[union-attr]
    if text.kind not in ("paragraph", "caption") or length > CAPTION_MAX or 2 * link_chars.get(id(text), 0) > length:  # type: ignore[union-attr]
        return
    for node in nodes:
        if type(node) is ImageNode and not node.caption:
            node.caption = text.text  # type: ignore[union-attr]
    dropped[start + texts[0]] = 1


def _slideshows(blocks: Blocks) -> list[tuple[int, int]]:
    """Slideshows beside an article, as (start, end): the smallest container holding
    :data:`SLIDES_MIN` or more blocks that open with slide counters of one total ("3/50 ...",
    "4 of 50 ..."), with the slides' pictures and credits, when :data:`SLIDES_OUTSIDE` characters
    of text stand outside it (else the slides are the page: a gallery)."""
    slides: dict[str, dict[str, int]] = {}  # total -> slide number -> position of its first block
    for i, node in enumerate(blocks.nodes):
        if type(node) is TextNode and node.text[:1].isdigit():
            match = _SLIDE_COUNTER.match(node.text)
            if match and int(match[1]) <= int(match[2]):
                slides.setdefault(match[2], {}).setdefault(match[1], i)
    out = []
    for positions in slides.values():
        if len(positions) < SLIDES_MIN:
            continue
        first, last = min(positions.values()), max(positions.values())
        holding = [(end - start, start, end, chars) for start, end, chars, *_ in blocks.containers
                   if start <= first and end > last]
        if holding:
            _, start, end, chars = min(holding)
            if blocks.chars - chars >= SLIDES_OUTSIDE:
                out.append((start, end))
    return out


def _notices(blocks: Blocks) -> list[tuple[int, int]]:
    """Legal notices beside an article, as (start, end): the largest container that opens with a
    block holding only a notice title ("免责声明", "反侵权公告：", "Disclaimer"), when
    :data:`NOTICE_OUTSIDE` characters of text stand outside it."""
    largest: dict[int, tuple[int, int]] = {}  # first block -> (end, chars) of the largest container opening with it
    for start, end, chars, *_ in blocks.containers:
        if end > largest.get(start, (0, 0))[0]:
            largest[start] = (end, chars)
    out = []
    for start, (end, chars) in largest.items():
        node = blocks.nodes[start]
        if (
            type(node) is TextNode and len(node.text) <= _NOTICE_MAX and node.text[0] in _NOTICE_FIRST
            and node.text.translate(_NOTICE_STRIP).casefold() in _NOTICE_TITLES
            and blocks.chars - chars >= NOTICE_OUTSIDE
        ):
            out.append((start, end))
    return out


def _is_furniture(node: TextNode) -> bool:
    """A breadcrumb trail ("当前位置：首页 > 新闻", "You are here: Home"), or a block other than a
    heading that is only an ad marker, a loading notice or a picture credit ("Advertisement:",
    "Anzeige", "Wird geladen …", "Credit: Jane Doe / Agency", "(Foto: dpa)")."""
    text = node.text
    if text[0] in _BREADCRUMB_FIRST and _BREADCRUMB.match(text) is not None:
        return True
    if node.kind == "heading":
        return False
    if len(text) <= _LABEL_MAX and text.rstrip(" :.…").casefold() in _LABELS:
        return True
    return text[0] in _CREDIT_FIRST and _CREDIT.match(text) is not None


def _same_picture(a: str, b: str) -> bool:
    """The same file at another size: same scheme, host and file name, and the paths differ only
    in segments holding numbers (``/max/60/x.png?q=20`` vs ``/max/3788/x.png``)."""
    if a == b or _file_part(a) != _file_part(b):  # most neighbours: another file, no parse needed
        return False
    pa, pb = urlsplit(a), urlsplit(b)
    sa, sb = pa.path.split("/"), pb.path.split("/")
    if a == b or pa[:2] != pb[:2] or len(sa) != len(sb) or sa[-1] != sb[-1] or sa == sb:
        return False
    return all(x == y or (_DIGIT.search(x) and _DIGIT.search(y)) for x, y in zip(sa, sb))


def _file_part(url: str) -> str:
    """What follows the last ``/`` before any query or fragment: the file name when the URL has a
    path (when two differ, so do the paths' last segments, or the hosts)."""
    if "\t" in url or "\n" in url or "\r" in url:
        url = url.translate(_TAB_NEWLINE)  # as urlsplit does
    return url.partition("#")[0].partition("?")[0].rpartition("/")[2]


def _drop_adjacent_duplicates(nodes: list[Node]) -> list[Node]:
    """Of the same picture twice in a row at two sizes (a blurred preview, then the real image),
    keep the last."""
    out: list[Node] = []
    for node in nodes:
        prev = out[-1] if out else None
        if isinstance(node, ImageNode) and isinstance(prev, ImageNode) and _same_picture(prev.url, node.url):
            node.caption = node.caption or prev.caption
            node.alt = node.alt or prev.alt
            out[-1] = node
            continue
        out.append(node)
    return out


def _drop_title_heading(nodes: list[Node], title: str) -> None:
    title_words = _WORD.findall(title.lower())
    if not title_words:
        return
    for i, node in enumerate(nodes[:4]):
        if isinstance(node, TextNode) and node.kind == "heading":
            words = _WORD.findall(node.text.lower())
            if words and len(words) >= 0.5 * len(title_words) and " ".join(words) in " ".join(title_words):
                del nodes[i]
            return
