"""Image URLs resolved the way a browser (with scripts run) would see them, and junk images dropped.

Order of preference for one ``<img>``: the largest candidate of a ``<picture><source>`` or of the
image's own ``srcset`` (lazy variants included), then ``src`` unless it is a placeholder, then the
lazy-loading attributes, then any other attribute holding a URL (a plugin's own name). ``data:``
URIs, tracking pixels, spacers, images placed far off the page, icons and header pictures give no
image: an icon by its declared size (attributes or inline style), or by the words of its URL or
class, and a header picture by the words of its wrappers (:func:`in_header`), unless its declared
size is a picture's; an icon that is a data table cell's value stays. The other candidates are
kept too (``extra["renditions"]``): the images step uses whichever the crawl captured, and falls
back to them when the preferred URL is gone.

bench/extraction_images.py measures these rules on many more pages than they were written looking
at (issue 27: a learned keep/drop model over image features, cross-validated by site, did not beat
them on the Readability truth).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

import ahocorasick
from selectolax.lexbor import LexborNode

from omniweave.document import ImageNode
from omniweave.extract.dom_table import label_of
from omniweave.extract.tag_ids import id_of_tag

SRCSET_ATTRS = ("srcset", "data-srcset", "data-lazy-srcset", "data-original-srcset")
LAZY_ATTRS = (
    "data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "data-hi-res-src",
    "data-original-src", "data-full-src", "data-large-src", "data-img-src", "data-image", "data-echo",
    "data-actualsrc", "data-croporisrc", "data-orig-file", "data-medium-file", "data-large-file",
)
# a placeholder's file name: placeholder words ("blank", "lazy_placeholder", "spacer-1x1") with at most
# filler words, numbers, sizes and hashes beside them ("Grey-Sweater.jpg" and "logo_transparent.png" are pictures)
PLACEHOLDER_WORDS = frozenset(
    "blank spacer pixel placeholder transparent trans loading loader lazy lazyload empty grey gray 1x1 clear "
    "spinner dummy".split()
)
_FILLER_WORDS = frozenset("img image images bg background default white black min small px".split())
_NAME_WORD = re.compile(r"[a-z0-9]+")
_FILLER_TOKEN = re.compile(r"\d+(x\d+)?|[0-9a-f]{6,}")  # a number, a size, a hash
# lower-case patterns: matched as they are against lower-cased ASCII text (case-blind matching is
# several times slower), case-blind against any other text
_TRACKING_URL = (
    r"(spacer\.|pixel\.gif|/pixel[/?]|/beacon|/tracking|/track/|doubleclick\.net|google-analytics|facebook\.com/tr|"
    r"/b/ss/|scorecardresearch|quantserve|/counter|//(?:ads?|adserver|adimg)\.)"  # the last: an ad server's host
)
_ICON_URL = r"(favicon|/icons?/|[/_-]icons?[._-]|emoji|emoticon|smilies|/smiley|sprite|/badges?/|gravatar\.com/avatar|/avatars?/)"
# substrings one of which every match of the patterns above holds: most URLs hold none, and a
# substring test is far cheaper than the search
_TRACKING_URL_KEYS = (
    "spacer.", "pixel", "beacon", "/track", "doubleclick", "google-analytics", "facebook.com/tr", "/b/ss/",
    "scorecardresearch", "quantserve", "/counter", "//ad",
)
_ICON_URL_KEYS = ("icon", "emoji", "emoticon", "smilies", "smiley", "sprite", "badge", "avatar")
_JUNK_CLASS = r"(^|[\s_-])(icon|emoji|avatar|logo|sprite|badge|wp-smiley)($|[\s_-])"
_JUNK_CLASS_KEYS = ("icon", "emoji", "avatar", "logo", "sprite", "badge", "wp-smiley")
_IMAGE_EXT = re.compile(r"\.(jpe?g|png|webp|gif|avif|bmp|tiff?)(\?|#|$)", re.IGNORECASE)
# a size in pixels: longer numbers are no size (and would not fit the int32 column), nor is a percentage
_INT = re.compile(r"\s*(\d{1,9})(?!\d)(?!(?:\.\d*)?\s*%)")
_STYLE_SIDE = re.compile(r"(?<![-\w])(width|height)\s*:\s*(\d{1,5})(?:\.\d+)?px", re.IGNORECASE)
# placed thousands of pixels off the page (``bottom: -9999px``): hidden, as a share image for scripts to read
_OFFSCREEN = re.compile(r"(?<![-\w])(?:left|right|top|bottom|margin-left|margin-top)\s*:\s*-\d{4,}", re.IGNORECASE)
_LABEL_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")  # words of a class or id, camelCase split ("ynCobrandBanner")
_SRCSET_URL = re.compile(r"[\s,]*(\S+)")  # leading separators, then a URL: a run of non-space
_COMMA_IN_RUN = re.compile(r",\S")  # a comma that may belong to a URL (or glue a descriptor to the next one)
NOSCRIPT_ATTR = "data-ow-noscript"  # the source of a removed <noscript> twin (set by extract.clean)
RENDITIONS = "renditions"  # ImageNode.extra key: every candidate URL, preferred first (when more than one)
PIXEL_MAX_SIDE = 2  # declared 1x1 / 2x2: tracking pixels and spacers
ICON_MAX_SIDE = 40  # declared at most 40x40: icons, avatars, emoji
PICTURE_MIN_SIDE = 100  # declared at least this on both sides: a picture, whatever its URL or class says
HEADER_WORDS = ("header", "banner", "masthead")  # how class/id words of a header block end ("photoheader")
HEADER_HOPS = 3  # wrappers between an image and the header block it belongs to
HEADER_MAX_TEXT = 2000  # characters of a header block at most (more: a wrapper of the page, not its header)
CELL_MAX_HOPS = 3  # <td><a><span><img>: wrappers between a cell and the image that is its value
CELL_LABEL_MAX = 40  # characters of a label beside an icon in a data table's cell ("South Korea")
_PICTURE = id_of_tag("picture")


def _int_attr(value: str | None) -> int | None:
    if value and len(value) <= 9 and value.isdecimal():  # most sizes: the pattern would take it whole
        return int(value)
    match = _INT.match(value) if value else None
    return int(match.group(1)) if match else None


def attribute_sides(attrs: dict[str, str | None]) -> list[int]:
    """The width and height a tag's ``width``/``height`` attributes declare in pixels (those given)."""
    return [s for s in (_int_attr(attrs.get("width")), _int_attr(attrs.get("height"))) if s is not None]


def style_sides(style: str | None) -> list[int]:
    """The pixel width and height an inline style gives (``width: 32px; height: 32px``), if any."""
    if not style or "px" not in style:
        return []
    return [int(m.group(2)) for m in _STYLE_SIDE.finditer(style)][:2]


def srcset_candidates(srcset: str) -> list[tuple[str, float]]:
    """``(url, size)`` pairs of a ``srcset`` as the HTML spec splits it: a URL is a run of
    non-space characters (commas inside it, as in ``c_fill,w_80/x.jpg``, belong to it), then
    descriptors up to the next comma. ``size`` is the ``w`` or ``x`` value (none counts as 1x)."""
    return [(url, size) for url, _, size in srcset_pieces(srcset)]


@lru_cache(maxsize=64)
def srcset_pieces(srcset: str) -> tuple[tuple[str, str, float], ...]:
    """``(url, descriptor, size)`` of a ``srcset``'s candidates (descriptor stripped, maybe empty;
    size as :func:`srcset_candidates` gives it); cached, as the preferred URL and the renditions of
    an image read the same ``srcset``."""
    return tuple((url, descriptor, _size(descriptor)) for url, descriptor in _split_srcset(srcset))


def _split_srcset(srcset: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if _COMMA_IN_RUN.search(srcset) is None:  # every comma is a separator: split on them (3x faster)
        for piece in srcset.split(","):
            parts = piece.split(None, 1)
            if parts:
                out.append((parts[0], parts[1].strip() if len(parts) > 1 else ""))
        return out
    pos, end = 0, len(srcset)
    while pos < end:
        match = _SRCSET_URL.match(srcset, pos)
        if match is None:
            break
        url, pos = match.group(1), match.end()
        descriptor = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            comma = srcset.find(",", pos)
            comma = end if comma < 0 else comma
            descriptor, pos = srcset[pos:comma].strip(), comma + 1
        if url:
            out.append((url, descriptor))
    return out


def _size(descriptor: str) -> float:
    """The ``w`` or ``x`` value of a candidate's descriptor (none or anything else counts as 1x)."""
    if descriptor[-1:] in ("w", "x"):
        try:
            return float(descriptor[:-1])
        except ValueError:
            pass
    return 1.0


@lru_cache(maxsize=64)
def srcset_best(srcset: str) -> str | None:
    """The largest candidate of a ``srcset`` (``data:`` candidates skipped); cached (cleaning and
    the walk ask about the same image)."""
    best, best_size = None, -1.0
    for url, _, size in srcset_pieces(srcset):
        if size > best_size and not url.startswith("data:"):
            best, best_size = url, size
    return best


class _CaseBlind:
    """A lower-case pattern searched case-blind in ASCII text, after a test for the substrings
    (``keys``) one of which every match holds (one Aho-Corasick pass for them all); in other text,
    case-blind as :data:`re.IGNORECASE` matches (which folds some non-ASCII letters to ASCII ones)."""

    __slots__ = ("keys", "lower", "any_case")

    def __init__(self, pattern: str, keys: tuple[str, ...]) -> None:
        self.keys = ahocorasick.Automaton()
        for key in keys:
            self.keys.add_word(key, key)
        self.keys.make_automaton()
        self.lower = re.compile(pattern)
        self.any_case = re.compile(pattern, re.IGNORECASE)

    def search(self, text: str) -> bool:
        if not text.isascii():
            return self.any_case.search(text) is not None
        lower = text.lower()
        for _ in self.keys.iter(lower):  # a key: the pattern may match
            return self.lower.search(lower) is not None
        return False


_TRACKING_SEARCH = _CaseBlind(_TRACKING_URL, _TRACKING_URL_KEYS)
_JUNK_SEARCH = _CaseBlind(f"{_TRACKING_URL}|{_ICON_URL}", _TRACKING_URL_KEYS + _ICON_URL_KEYS)  # one pass for both
_JUNK_CLASS_SEARCH = _CaseBlind(_JUNK_CLASS, _JUNK_CLASS_KEYS)


@lru_cache(maxsize=1024)
def is_placeholder(src: str | None) -> bool:
    """No URL, a ``data:`` URI, or a file named as a placeholder (``blank.gif``, ``lazy_placeholder.png``,
    ``spacer-1x1.gif``): its name holds a placeholder word and nothing but filler, numbers and hashes.
    Cached: the source, the preferred URL and the renditions of an image ask about the same URLs."""
    if not src or src.startswith("data:"):
        return True
    name = src.partition("#")[0].partition("?")[0].rpartition("/")[2].lower()
    for word in PLACEHOLDER_WORDS:  # most names hold none: a substring test is far cheaper than the split
        if word in name:
            break
    else:
        return False
    words = _NAME_WORD.findall(name.rpartition(".")[0] or name)
    return not PLACEHOLDER_WORDS.isdisjoint(words) and all(
        w in PLACEHOLDER_WORDS or w in _FILLER_WORDS or _FILLER_TOKEN.fullmatch(w) for w in words
    )


def is_tracking_url(url: str) -> bool:
    """A tracking pixel, beacon or counter URL, a spacer file, or an image of an ad server
    (``//ad.``, ``//ads.``, ``//adserver.``, ``//adimg.`` hosts)."""
    return _TRACKING_SEARCH.search(url)


def is_junk_url(url: str) -> bool:
    """A tracking URL (:func:`is_tracking_url`), or a favicon, emoji, sprite, badge or avatar URL."""
    return _JUNK_SEARCH.search(url)


def _best_srcset(attrs: dict[str, str | None]) -> str | None:
    for name in SRCSET_ATTRS:
        value = attrs.get(name)
        if value and value.strip():
            best = srcset_best(value)
            if best:
                return best
    return None


def raw_source(node: LexborNode, attrs: dict[str, str | None] | None = None) -> str | None:
    """The URL (unresolved) a browser would load for ``<img>`` (``attrs``: its attributes, if at hand), or None."""
    if attrs is None:
        attrs = node.attributes
    parent = node.parent
    if parent is not None and parent.tag_id == _PICTURE:
        best = None
        for source in parent.css("source"):
            best = _best_srcset(source.attributes)
            if best:
                break
        if best:
            return best
    best = _best_srcset(attrs)
    if best:
        return best
    src = (attrs.get("src") or "").strip()
    if src and not is_placeholder(src):
        return src
    for name in LAZY_ATTRS:
        value = (attrs.get(name) or "").strip()
        if value and not value.startswith("data:"):
            return value
    return _other_source(attrs) or src or None


_NAMED_ATTRS = frozenset(("src", *SRCSET_ATTRS, *LAZY_ATTRS))
_URLISH = re.compile(r"(?:https?:)?/|\.{0,2}/|[\w.-]+/")  # how a URL or a path opens


def _other_source(attrs: dict[str, str | None]) -> str | None:
    """A URL under an attribute no list above names (lazy-loading plugins name their own:
    ``nitro-lazy-src``, ``data-delayed-url``, ``original``): the largest candidate under a name ending
    in ``srcset``, else a URL under a name ending in ``src``, else the first value that is an image
    file's URL (as a browser's scripts would find it, whatever the plugin)."""
    found = None
    for name, value in attrs.items():
        if not value or name in _NAMED_ATTRS:
            continue
        value = value.strip()
        if not value or value.startswith("data:"):
            continue
        if name.endswith("srcset"):
            best = srcset_best(value)
            if best:
                return best
        elif " " in value:
            continue
        elif name.endswith("src") and _URLISH.match(value):
            return value
        elif found is None and _IMAGE_EXT.search(value):
            found = value
    return found


_SINGLE_ATTRS = ("src", *LAZY_ATTRS, NOSCRIPT_ATTR)
_RENDITION_ATTRS = frozenset((*SRCSET_ATTRS, *_SINGLE_ATTRS))
_SRC_ONLY = {"src"}


def _srcset_renditions(srcset: str, origin: str) -> list[tuple[str, str, str]]:
    """``(url, origin, descriptor)`` of a ``srcset``'s candidates, largest first."""
    pieces = [piece for piece in srcset_pieces(srcset) if not piece[0].startswith("data:")]
    pieces.sort(key=lambda piece: -piece[2])  # stable: equal sizes keep their order
    return [(u, origin, d) for u, d, _ in pieces]


def _rendition(url: str, origin: str, descriptor: str) -> dict[str, Any]:
    """``{"url", "from", "w" | "x"}``: where a candidate came from and its srcset descriptor."""
    out: dict[str, Any] = {"url": url, "from": origin}
    if descriptor[-1:] in ("w", "x"):
        try:
            size = float(descriptor[:-1])
        except ValueError:
            return out
        if math.isfinite(size):  # "infw", "nanx": no size
            out[descriptor[-1]] = int(size) if descriptor[-1] == "w" else size
    return out


def renditions(node: LexborNode, attrs: dict[str, str | None], base_url: str | None,
               preferred: str) -> list[dict[str, Any]]:
    """Every rendition of an ``<img>`` (resolved, distinct, junk and ``data:`` left out), the
    ``preferred`` URL first, then: ``<picture><source>`` and ``srcset`` candidates (largest first),
    ``src``, the lazy attributes, the ``<noscript>`` twin. ``from`` names the attribute
    (``picture`` for a ``<source>``, ``data`` for an attribute no list names), ``w`` / ``x`` the srcset
    descriptor."""
    present = _RENDITION_ATTRS.intersection(attrs)
    parent = node.parent
    in_picture = parent is not None and parent.tag_id == _PICTURE
    if not in_picture and (not present or present == _SRC_ONLY):  # most images: one URL, the preferred one
        from_src = present and not is_placeholder((attrs.get("src") or "").strip())
        return [{"url": preferred, "from": "src" if from_src else "data"}]
    raw: list[tuple[str, str, str]] = []
    if in_picture:
        for source in parent.css("source"):
            for name in SRCSET_ATTRS:
                value = source.attributes.get(name)
                if value:
                    raw += _srcset_renditions(value, "picture")
    for name in SRCSET_ATTRS:
        value = attrs.get(name) if name in present else None
        if value:
            raw += _srcset_renditions(value, name)
    for name in _SINGLE_ATTRS:
        value = (attrs.get(name) or "").strip() if name in present else ""
        if value and not is_placeholder(value):
            raw.append((value, "noscript" if name == NOSCRIPT_ATTR else name, ""))
    found: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for src, origin, descriptor in raw:
        if src in seen:  # the same URL in two attributes (src and data-src): its first place counts
            continue
        seen.add(src)
        try:
            url = resolve(base_url, src)
        except ValueError:
            continue
        # srcset candidates are other sizes of the picture the preferred URL shows: not junk either
        if url not in found and url.startswith(("http://", "https://")) and (descriptor or not is_junk_url(url)):
            found[url] = _rendition(url, origin, descriptor)
    first = found.pop(preferred, None) or {"url": preferred, "from": "data"}  # another attribute (_other_source)
    return [first, *found.values()]


def has_real_source(node: LexborNode) -> bool:
    src = raw_source(node)
    return bool(src) and not is_placeholder(src)


def is_cell_value(node: LexborNode) -> bool:
    """True for an image that is all a table cell holds (a status mark), or all but a short label in
    a data table's cell (a flag before a country's name in a table with header cells): it is (part
    of) the cell's value, so it is kept at icon size (not at pixel size)."""
    cell = node.parent
    for _ in range(CELL_MAX_HOPS):
        if cell is None or cell.tag in ("td", "th"):
            break
        cell = cell.parent
    if cell is None or cell.tag not in ("td", "th") or len(cell.css("img")) != 1:
        return False
    label = len(cell.text(deep=True).strip())
    if not label:
        return True
    if label > CELL_LABEL_MAX:
        return False
    table = cell.parent
    while table is not None and table.tag != "table":
        table = table.parent
    return table is not None and table.css_first("th") is not None


def in_header(node: LexborNode) -> bool:
    """True for an image in a header or banner block (a wrapper within :data:`HEADER_HOPS` above it
    with a class or id word ending in one of :data:`HEADER_WORDS`, holding at most
    :data:`HEADER_MAX_TEXT` characters): a masthead's or a headline block's picture, a co-branding
    banner, a cover beside a chapter's title, which readers of the article's body (the Readability
    test pages' expected outputs) do not count as its pictures."""
    parent = node.parent
    for _ in range(HEADER_HOPS):
        if parent is None or not parent.is_element_node:  # the document node: no label, no parent
            return False
        label = label_of(parent)  # "<class> <id>": two attributes looked up, not the dict of them all
        lower = label.lower()
        if any(word in lower for word in HEADER_WORDS) and any(
            w.lower().endswith(HEADER_WORDS) for w in _LABEL_WORD.findall(label)
        ) and len(parent.text(deep=True).strip()) <= HEADER_MAX_TEXT:
            return True
        parent = parent.parent
    return False


def resolve(base_url: str | None, src: str) -> str:
    """``urljoin(base_url, src)``, without parsing for the common plain cases that ``urljoin`` would
    only glue together: an absolute http(s) URL (returned as is), a scheme-relative ``//host/...``
    or a root-relative ``/path`` without dot segments, a relative ``dir/name.jpg`` without dot
    segments, empty segments or a colon."""
    if not base_url:
        return src
    if src.startswith(("https://", "http://")):
        if _plain_absolute(src):
            return src
    elif src.startswith("/"):
        if "/." not in src:
            origin = _origin(base_url)
            if origin is not None:
                joined = f"{origin[0]}:{src}" if src.startswith("//") else f"{origin[1]}{src}"
                if _plain_absolute(joined):
                    return joined
    elif src[:1] not in ("", ".", "?", "#") and "/." not in src and "//" not in src and ":" not in src:
        origin = _origin(base_url)
        if origin is not None and origin[2] is not None:
            joined = origin[2] + src
            if _plain_absolute(joined):
                return joined
    return urljoin(base_url, src)


@lru_cache(maxsize=256)
def _origin(base_url: str) -> tuple[str, str, str | None] | None:
    """``(scheme, "scheme://host", "scheme://host/folder/")`` of a plain http(s) base URL, else None;
    the folder (the base's path up to its last ``/``) is None where that path holds dot segments or
    empty ones (``urljoin`` would rewrite them)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or not _plain_absolute(base_url):
        return None
    host = f"{parts.scheme}://{parts.netloc}"
    path = parts.path
    folder = None if "/." in path or "//" in path else f"{host}{path[:path.rfind('/') + 1] or '/'}"
    return parts.scheme, host, folder


def _plain_absolute(url: str) -> bool:
    """An ASCII absolute URL with a host that parsing and unparsing gives back unchanged: no
    characters the parser drops or checks, no empty query or fragment, no ``;`` parameters."""
    host = url.find("//") + 2
    if not url.isascii() or host >= len(url) or url[host] in "/?#":
        return False
    # not in a URL urljoin returns unchanged: a control character (not printable), a space, ";", "[" or "]"
    if not url.isprintable() or " " in url or ";" in url or "[" in url or "]" in url:
        return False
    head, hash_, fragment = url.partition("#")
    return (not hash_ or bool(fragment)) and not head.endswith("?")


def image_from_tag(node: LexborNode, base_url: str | None) -> ImageNode | None:
    """An :class:`ImageNode` for an ``<img>``, or None for data URIs, placeholders, pixels and icons."""
    attrs = node.attributes
    src = raw_source(node, attrs)
    if not src or is_placeholder(src):
        return None
    try:
        url = resolve(base_url, src)
    except ValueError:  # a URL the parser rejects (an unclosed IPv6 bracket): no image, not a failed page
        return None
    if not url.startswith(("http://", "https://")):
        return None
    junk_url = is_junk_url(url)  # an icon's URL unless a tracker's
    if junk_url and is_tracking_url(url):
        return None
    style = attrs.get("style")
    if style and "-" in style and _OFFSCREEN.search(style):
        return None
    width, height = _int_attr(attrs.get("width")), _int_attr(attrs.get("height"))
    sides = [s for s in (width, height) if s is not None] or style_sides(style)
    if sides and min(sides) <= PIXEL_MAX_SIDE:
        return None
    if len(sides) < 2 or min(sides) < PICTURE_MIN_SIDE:  # a picture's size outweighs the words of its URL and class
        if junk_url or _JUNK_CLASS_SEARCH.search(attrs.get("class") or ""):
            return None
        if sides and max(sides) <= ICON_MAX_SIDE and not is_cell_value(node):  # an icon, unless a cell's value
            return None
        if in_header(node):
            return None
    image = ImageNode(
        url=url,
        alt=(attrs.get("alt") or "").strip() or None,
        title=(attrs.get("title") or "").strip() or None,
        declared_width=width,
        declared_height=height,
    )
    found = renditions(node, attrs, base_url, url)
    if len(found) > 1:
        image.extra[RENDITIONS] = found
    return image
