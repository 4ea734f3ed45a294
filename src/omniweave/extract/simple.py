"""A first main-body extractor on selectolax/lexbor: drop obvious boilerplate, then walk the
content root in document order, emitting text blocks and images where they stand."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from omniweave.document import ImageNode, Node, TextNode

DROP_TAGS = [
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "nav", "header", "footer", "aside", "button", "select", "input", "textarea", "menu",
]
BOILERPLATE = re.compile(
    r"(^|[\s_-])(nav|navbar|menu|breadcrumbs?|footer|header|sidebar|comments?|share|sharing|social|"
    r"cookie|consent|banner|advert|ads?|sponsor|related|promo|newsletter|subscribe|popup|modal)($|[\s_-])",
    re.IGNORECASE,
)
KEEP_ROOTS = {"html", "body", "main", "article"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = HEADINGS | {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "pre", "blockquote", "table", "tr", "section",
    "article", "main", "figure", "figcaption", "address", "center", "hr", "br", "td", "th", "details",
    "summary",
}
KIND_OF_TAG = {"li": "list_item", "dt": "list_item", "dd": "list_item", "pre": "code", "blockquote": "quote",
               "figcaption": "caption", **{h: "heading" for h in HEADINGS}}
LAZY_SRC_ATTRS = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "src")
MIN_DECLARED_SIDE = 2  # declared 1x1 / 2x2 images are tracking pixels or spacers
_WS = re.compile(r"\s+")


def _int_attr(value: str | None) -> int | None:
    if not value:
        return None
    match = re.match(r"\s*(\d+)", value)
    return int(match.group(1)) if match else None


def _srcset_best(srcset: str) -> str | None:
    """Largest candidate of a ``srcset`` (by w or x descriptor)."""
    best, best_score = None, -1.0
    for part in srcset.split(","):
        bits = part.strip().split()
        if not bits:
            continue
        score = 1.0
        if len(bits) > 1:
            try:
                score = float(bits[1][:-1])
            except ValueError:
                pass
        if score > best_score:
            best, best_score = bits[0], score
    return best


def image_from_tag(node: LexborNode, base_url: str | None) -> ImageNode | None:
    """An image node for an ``<img>``, or None for data URIs, missing sources and pixels."""
    attrs = node.attributes
    src = next((attrs[a] for a in LAZY_SRC_ATTRS if attrs.get(a) and not attrs[a].startswith("data:")), None)
    if src is None and attrs.get("srcset"):
        src = _srcset_best(attrs["srcset"])
    if not src or src.strip().startswith("data:"):
        return None
    width, height = _int_attr(attrs.get("width")), _int_attr(attrs.get("height"))
    if (width is not None and width <= MIN_DECLARED_SIDE) or (height is not None and height <= MIN_DECLARED_SIDE):
        return None
    url = urljoin(base_url, src.strip()) if base_url else src.strip()
    if not url.startswith(("http://", "https://")):
        return None
    return ImageNode(
        url=url, alt=(attrs.get("alt") or None), title=(attrs.get("title") or None),
        declared_width=width, declared_height=height,
    )


def _table_text(table: LexborNode) -> str:
    rows = []
    for tr in table.css("tr"):
        cells = [_WS.sub(" ", c.text(deep=True)).strip() for c in tr.css("th, td")]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _is_data_table(table: LexborNode) -> bool:
    return table.css_first("table, img, p, div") is None


def _remove_boilerplate(tree: LexborHTMLParser) -> None:
    root = tree.root
    if root is None:
        return
    root.strip_tags(DROP_TAGS)
    for node in root.css("[class], [id], [role]"):
        if node.tag in KEEP_ROOTS:
            continue
        attrs = node.attributes
        role = (attrs.get("role") or "").lower()
        if role in ("navigation", "banner", "contentinfo", "complementary") or attrs.get("aria-hidden") == "true":
            node.decompose()
            continue
        label = f"{attrs.get('class') or ''} {attrs.get('id') or ''}"
        if BOILERPLATE.search(label):
            node.decompose()


def _content_root(tree: LexborHTMLParser) -> LexborNode | None:
    for selector in ("article", "main", "[role=main]"):
        nodes = tree.css(selector)
        if len(nodes) == 1:
            return nodes[0]
    return tree.body or tree.root


def extract_nodes(tree: LexborHTMLParser, base_url: str | None) -> list[Node]:
    """Main-body nodes of a parsed page, in reading order."""
    _remove_boilerplate(tree)
    root = _content_root(tree)
    if root is None:
        return []
    nodes: list[Node] = []
    buffer: list[str] = []
    kinds: list[str] = ["paragraph"]
    figure_images: list[list[ImageNode]] = []

    def flush() -> None:
        text = _WS.sub(" ", "".join(buffer)).strip()
        buffer.clear()
        if text:
            nodes.append(TextNode(text=text, kind=kinds[-1]))

    # iterative walk (no recursion limit on deep pages): ("enter", node) or ("exit", tag)
    stack: list[tuple[str, LexborNode | str]] = [("enter", root)]
    while stack:
        action, item = stack.pop()
        if action == "exit":
            assert isinstance(item, str)
            flush()
            if item in KIND_OF_TAG:
                kinds.pop()
            if item == "figure":
                figure_images.pop()
            continue
        node = item
        assert isinstance(node, LexborNode)
        tag = node.tag
        if tag == "-text":
            buffer.append(node.text_content or "")
            continue
        if tag == "img":
            image = image_from_tag(node, base_url)
            if image is not None:
                flush()
                nodes.append(image)
                if figure_images:
                    figure_images[-1].append(image)
            continue
        if tag == "table" and _is_data_table(node):
            flush()
            text = _table_text(node)
            if text:
                nodes.append(TextNode(text=text, kind="table"))
            continue
        if tag not in BLOCKS:
            children = list(node.iter(include_text=True))
            stack.extend(("enter", c) for c in reversed(children))
            continue
        flush()
        if tag == "figcaption" and figure_images and figure_images[-1]:
            caption = _WS.sub(" ", node.text(deep=True)).strip()
            for image in figure_images[-1]:
                image.caption = caption or None
        if tag in KIND_OF_TAG:
            kinds.append(KIND_OF_TAG[tag])
        if tag == "figure":
            figure_images.append([])
        stack.append(("exit", tag))
        children = list(node.iter(include_text=True))
        stack.extend(("enter", c) for c in reversed(children))
    flush()
    return nodes


def page_title(tree: LexborHTMLParser) -> str | None:
    node = tree.css_first("title")
    title = _WS.sub(" ", node.text()).strip() if node is not None else ""
    return title or None


def base_href(tree: LexborHTMLParser, url: str | None) -> str | None:
    """The URL relative links resolve against: ``<base href>`` joined to the page URL."""
    node = tree.css_first("base[href]")
    href = node.attributes.get("href") if node is not None else None
    if href:
        return urljoin(url, href.strip()) if url else href.strip()
    return url
