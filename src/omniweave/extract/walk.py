"""Walk the content roots in document order, emitting text blocks and images where they stand, then
prune link-heavy containers (menus, link lists, "read more" lines) using per-block link counts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from selectolax.lexbor import LexborNode

from omniweave.document import ImageNode, Node, TextNode
from omniweave.extract.images import image_from_tag

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
_WS = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_DIGIT = re.compile(r"\d")
_NON_LETTERS = re.compile(r"[\W\d_]+")  # letters in any script remain: CJK counts like Latin
LINK_HEAVY = 0.5  # a container whose text is mostly link text is navigation
LINK_LINE = 0.8  # a short block that is nearly all link text ("Read more", "Next article")
SHORT_LINE = 80


@dataclass(slots=True)
class Block:
    node: Node
    chars: int = 0
    link_chars: int = 0
    containers: tuple[int, ...] = ()
    link_line: bool = False  # short, and its letters are nearly all link text (dates, counts aside)


@dataclass(slots=True)
class _Figure:
    images: list[ImageNode] = field(default_factory=list)
    caption: str | None = None


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _is_data_table(table: LexborNode) -> bool:
    return table.css_first("table, img, p, div, ul, ol, pre") is None


def _table_text(table: LexborNode) -> str:
    rows = []
    for tr in table.css("tr"):
        cells = [_norm(c.text(deep=True)) for c in tr.css("th, td")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _script_wrapper(anchor: LexborNode) -> bool:
    """A ``javascript:`` "link" around paragraphs: text made clickable, not a link."""
    href = anchor.attributes.get("href")
    return href is not None and href.startswith("javascript:") and anchor.css_first("p, div") is not None


def walk(roots: list[LexborNode], base_url: str | None) -> list[Block]:
    """Blocks of the content roots in reading order, each with its link-text count and containers."""
    blocks: list[Block] = []
    buffer: list[str] = []
    kinds = ["paragraph"]
    containers: list[int] = []
    figures: list[_Figure] = []
    root_ids = {r.mem_id for r in roots}
    counter = 0
    in_link = 0
    link_chars = 0
    link_text: list[str] = []

    def flush() -> None:  # called only with text in the buffer (link_chars is 0 while it is empty)
        nonlocal link_chars
        text = " ".join("".join(buffer).split())
        buffer.clear()
        links, link_chars = link_chars, 0
        line = False
        if link_text:
            if links and len(text) < SHORT_LINE:
                letters = len(_NON_LETTERS.sub("", text))
                line = len(_NON_LETTERS.sub("", "".join(link_text))) >= LINK_LINE * letters
            link_text.clear()
        if text:
            block = Block(TextNode(text, kinds[-1]), len(text), min(links, len(text)), tuple(containers), line)
            blocks.append(block)

    stack: list[LexborNode | str] = list(reversed(roots))
    while stack:
        item = stack.pop()
        if type(item) is str:  # leaving an element
            if item == "a":
                in_link -= 1
                continue
            if buffer:
                flush()
            if item in KIND_OF_TAG:
                kinds.pop()
            if item in CONTAINERS:
                containers.pop()
            if item == "figure":
                figure = figures.pop()
                for image in figure.images:
                    image.caption = image.caption or figure.caption
            continue
        tag = item.tag
        if tag == "-text":
            text = item.text_content or ""
            if not buffer and (not text or text.isspace()):
                continue  # leading white space: the joined text would drop it (and no flush is due)
            buffer.append(text)
            if in_link:
                link_chars += len(text.strip())
                link_text.append(text)
            continue
        if tag == "img":
            image = image_from_tag(item, base_url)
            if image is not None:
                if buffer:
                    flush()
                blocks.append(Block(image, containers=tuple(containers)))
                if figures:
                    figures[-1].images.append(image)
            continue
        if tag is None or tag.startswith(("_", "!", "#")):
            continue
        if tag == "a" and not _script_wrapper(item):
            in_link += 1
            stack.append("a")
            child = item.last_child  # children pushed last to first: cheaper than iter()
            while child is not None:
                stack.append(child)
                child = child.prev
            continue
        if tag == "br" or tag == "hr":
            if buffer:
                flush()
            continue
        if tag == "pre":
            if buffer:
                flush()
            code = item.text(deep=True).strip("\n")
            if code.strip():
                blocks.append(Block(TextNode(code, "code"), len(code), 0, tuple(containers)))
            continue
        if tag == "table" and _is_data_table(item):
            if buffer:
                flush()
            text = _table_text(item)
            if text:
                links = sum(len(a.text(deep=True).strip()) for a in item.css("a"))
                blocks.append(Block(TextNode(text, "table"), len(text), min(links, len(text)), tuple(containers)))
            continue
        if tag not in BLOCKS:
            child = item.last_child
            while child is not None:
                stack.append(child)
                child = child.prev
            continue
        if buffer:
            flush()
        if tag in KIND_OF_TAG:
            kinds.append(KIND_OF_TAG[tag])
        if tag in CONTAINERS:
            counter += 1
            containers.append(-counter if item.mem_id in root_ids else counter)  # roots: < 0
        if tag == "figure":
            figures.append(_Figure())
        elif tag == "figcaption" and figures:
            figures[-1].caption = _norm(item.text(deep=True)) or None
        stack.append(tag)
        child = item.last_child
        while child is not None:
            stack.append(child)
            child = child.prev
    if buffer:
        flush()
    return blocks


def prune(blocks: list[Block], title: str | None) -> list[Node]:
    """Drop link-heavy containers and short all-link lines, except in a figure (a container with
    images and one caption block, linked or not); drop a leading heading that repeats the page title, and
    headings left dangling at the end."""
    totals: dict[int, list[int]] = {}
    all_chars = 0
    for block in blocks:
        all_chars += block.chars
        is_image = isinstance(block.node, ImageNode)
        for cid in block.containers:
            stat = totals.setdefault(cid, [0, 0, 0, 0])
            stat[0] += block.chars
            stat[1] += block.link_chars
            stat[2 if is_image else 3] += 1
    figures = {cid for cid, (_, _, images, texts) in totals.items() if images and texts <= 1}
    bad = {
        cid for cid, (chars, links, _, _) in totals.items()
        if cid > 0 and chars and links > LINK_HEAVY * chars and chars < 0.5 * all_chars and cid not in figures
    }
    nodes: list[Node] = []
    for block in blocks:
        node = block.node
        if figures and not figures.isdisjoint(block.containers):
            nodes.append(node)
            continue
        if bad and not bad.isdisjoint(block.containers):
            continue
        if block.link_line and node.kind in ("paragraph", "list_item"):  # type: ignore[union-attr]
            continue
        nodes.append(node)
    nodes = _drop_adjacent_duplicates(nodes)
    if title:
        _drop_title_heading(nodes, title)
    while nodes and isinstance(nodes[-1], TextNode) and nodes[-1].kind == "heading":
        nodes.pop()
    return nodes


def _same_picture(a: str, b: str) -> bool:
    """The same file at another size: same scheme, host and file name, and the paths differ only
    in segments holding numbers (``/max/60/x.png?q=20`` vs ``/max/3788/x.png``)."""
    pa, pb = urlsplit(a), urlsplit(b)
    sa, sb = pa.path.split("/"), pb.path.split("/")
    if a == b or pa[:2] != pb[:2] or len(sa) != len(sb) or sa[-1] != sb[-1] or sa == sb:
        return False
    return all(x == y or (_DIGIT.search(x) and _DIGIT.search(y)) for x, y in zip(sa, sb))


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
