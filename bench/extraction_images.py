"""Images of main-body extraction: omniweave vs its peers, side by side, on every suite that tells
where a page's images belong, so that image rules are judged on far more pages than the few they
were written looking at.

    python bench/extraction_images.py [--data DIR] [--suite NAME ...] [--system NAME ...] [--limit N]

Which images a page should give:
- readability, webmainbench: the images of the expected output (bench/extraction.py's truth).
- every other suite with a page's full main text (wcxb, chinese, scrapinghub, newspaper4k): proxy
  labels from that text. The page's ``<img>`` are taken in page order among its text (script, style
  and the like left out); an image whose :data:`NEIGHBOURS` tokens of text before and after both lie
  in the main text (at least :data:`INSIDE` of their word 3-grams found in it) is expected; one whose
  neighbours both lie outside it (at most :data:`OUTSIDE`) is not; the rest (a lead image between
  title and body, an image at the content's edge) and the images of ``<noscript>`` fallbacks are
  unsure: extracted, they count neither way. An image that names no URL (a ``data:`` placeholder
  only) is expected of no one. On the Readability pages the proxy is checked against the truth (the
  line "proxy vs truth").
Metrics as bench/extraction.py computes them: img R (expected images found), img P (extracted images
that are expected, unsure ones left out), placed (found with the text beside them right), pooled
over the suite's images and per page, averaged (page R and placed over pages expecting an image,
page P over pages giving one), as pooled figures follow the few pages with dozens of images.
omniweave runs each page with the fold models not trained on it (shared data; see
bench/extraction.py), peers' outputs come from bench/.cache/peers.

The last line is one JSON object, per suite: ``pages``, ``images`` (expected), ``truth`` ("expected"
or "proxy"), ``img_recall``, ``img_precision``, ``img_placed`` (per page, averaged, as in
bench/extraction.py), ``img_recall_pooled``, ``img_precision_pooled``, ``img_placed_pooled``,
``best_peer`` (by the F1 of its per-page recall and precision) with its ``best_peer_img_recall`` /
``best_peer_img_precision``; for WCXB ``by_type`` (omniweave).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

import extraction as X
from omniweave.extract.images import srcset_candidates

TRUTH_SUITES = ("readability", "webmainbench")
NEIGHBOURS = 12  # tokens of text on each side of an image that say whether it stands in the main text
SHINGLE = 3
INSIDE, OUTSIDE = 0.5, 0.2  # shares of a side's 3-grams found in the main text
_SKIP = frozenset(("script", "style", "template", "head", "title", "svg", "math", "textarea", "select"))
_NOT_URLS = frozenset(("alt", "title", "class", "style", "id", "width", "height", "sizes", "href", "onerror", "onload"))
_URLISH = re.compile(r"(?:https?:)?//|\.{0,2}/|[\w.%-]+\.(?:jpe?g|png|webp|gif|avif|svg|bmp)\b", re.IGNORECASE)


def image_urls(node: LexborNode, base: str | None) -> list[str]:
    """Every URL an ``<img>`` names, resolved: any attribute holding one (lazy loaders have many
    names), every srcset candidate, its ``<picture>``'s sources."""
    sources = [node.attributes]
    if node.parent is not None and node.parent.tag == "picture":
        sources += [s.attributes for s in node.parent.css("source")]
    raw: list[str] = []
    for attrs in sources:
        for name, value in attrs.items():
            value = (value or "").strip()
            if not value or name in _NOT_URLS or value.startswith("data:"):
                continue
            if name.endswith("srcset"):
                raw += [u for u, _ in srcset_candidates(value)]
            elif " " not in value and _URLISH.match(value):
                raw.append(value)
    out = []
    for url in raw:
        try:
            out.append(urljoin(base or "", url))
        except ValueError:
            continue
    return out


def _truth(urls: list[str], before: list[str], after: list[str]) -> X.TruthImage:
    return X.TruthImage({X.norm_url(u) for u in urls}, before[-X.CONTEXT:], after[: X.CONTEXT],
                        {X.path_key(u) for u in urls}, {X.loose_key(u) for u in urls})


def _children(node) -> list:
    """A node's children, text nodes included, in document order."""
    children = []
    child = node.first_child
    while child is not None:
        children.append(child)
        child = child.next
    return children



def proxy_images(html: str, main_text: str, base: str | None) -> tuple[list[X.TruthImage], set[str], list[bool | None]]:
    """The page's expected images by proxy (see the module's doc), the path keys of its unsure
    ones, and every ``<img>``'s label (True, False, None: unsure) in page order."""
    truth_grams = _grams(X.tokens(main_text))
    tree = LexborHTMLParser(html)
    seq: list[tuple[str, object]] = []  # ("t", tokens) | ("i", node) | ("u", node: a <noscript> image)
    stack = [tree.body] if tree.body is not None else []
    while stack:
        node = stack.pop()
        tag = node.tag
        if tag == "-text":
            words = X.tokens(node.text_content or "")
            if words:
                seq.append(("t", words))
        elif tag == "img":
            seq.append(("i", node))
        elif tag == "noscript":
            seq += [("u", img) for img in node.css("img")]
        elif tag not in _SKIP:
            stack.extend(reversed(_children(node)))
    images: list[X.TruthImage] = []
    unsure: set[str] = set()
    labels: list[bool | None] = []
    for i, (kind, node) in enumerate(seq):
        if kind == "t":
            continue
        urls = image_urls(node, base)  # type: ignore[arg-type]
        before, after = _side(seq, i, -1), _side(seq, i, 1)
        inside = [_share(side, truth_grams) for side in (before, after)]
        label = None
        if kind == "i" and None not in inside:
            label = True if min(inside) >= INSIDE else False if max(inside) <= OUTSIDE else None
        if kind == "i":
            labels.append(label)
        if label is None:
            unsure |= {X.path_key(u) for u in urls}
        elif label and urls:
            images.append(_truth(urls, before, after))
    return images, unsure, labels


def _grams(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def _share(words: list[str], grams: set[tuple[str, ...]]) -> float | None:
    """The share of the 3-grams of ``words`` found in ``grams`` (None: too few words to tell)."""
    mine = [tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)]
    return sum(g in grams for g in mine) / len(mine) if mine else None


def _side(seq: list[tuple[str, object]], i: int, step: int) -> list[str]:
    """The :data:`NEIGHBOURS` tokens of text before (``step`` -1) or after (+1) position ``i``."""
    words: list[str] = []
    j = i + step
    while 0 <= j < len(seq) and len(words) < NEIGHBOURS:
        kind, value = seq[j]
        if kind == "t":
            words = value + words if step < 0 else words + value  # type: ignore[operator]
        j += step
    return words[-NEIGHBOURS:] if step < 0 else words[:NEIGHBOURS]


def proxy_check(cases: list[X.Case]) -> str:
    """How the proxy labels of the Readability pages' images agree with their truth."""
    agree: Counter[tuple[bool | None, bool]] = Counter()
    for case in cases:
        if case.images is None or case.text is None:
            continue
        tree = LexborHTMLParser(case.html)
        _, _, labels = proxy_images(case.html, case.text, case.url)
        nodes = [n for n in _in_order(tree) if n.tag == "img"]
        wanted = set().union(*(image.paths for image in case.images)) if case.images else set()
        for node, label in zip(nodes, labels):
            truly = any(X.path_key(u) in wanted for u in image_urls(node, case.url))
            agree[(label, truly)] += 1
    said_yes, said_no = agree[(True, True)] + agree[(True, False)], agree[(False, True)] + agree[(False, False)]
    return (f"proxy vs truth on {len(cases)} Readability pages: {agree[(True, True)] / max(1, said_yes):.3f} of "
            f"{said_yes} proxy-expected images are expected, {agree[(False, False)] / max(1, said_no):.3f} of "
            f"{said_no} proxy-unexpected are not, {sum(v for (l, _), v in agree.items() if l is None)} unsure")


def _in_order(tree: LexborHTMLParser) -> list[LexborNode]:
    """The body's ``<img>`` outside ``noscript`` and skipped tags, in the proxy's order."""
    out, stack = [], [tree.body] if tree.body is not None else []
    while stack:
        node = stack.pop()
        if node.tag == "img":
            out.append(node)
        elif node.tag not in _SKIP and node.tag not in ("noscript", "-text"):
            stack.extend(reversed(_children(node)))
    return out


def image_cases(data: Path, suite: str, limit: int | None, shared: bool) -> list[X.Case]:
    """The suite's pages with their expected images (truth or proxy); pages without a full main
    text are left out of the proxy suites."""
    cases = X.load_suite(data, suite, limit, shared)
    if suite in TRUTH_SUITES:
        return [c for c in cases if c.images is not None]
    out = []
    for case in cases:
        if case.text is None or case.prefix_only:
            continue
        case.images, case.unsure_images, _ = proxy_images(case.html, case.text, case.url)
        out.append(case)
    return out


def _f1(t: X.Tally) -> float:
    r, p, _ = t.image_figures(per_page=True)
    return 2 * r * p / (r + p) if r + p else 0.0


def _pool(pages: list[X.Tally]) -> X.Tally:
    total = X.Tally()
    for page in pages:
        total.add(page)
    return total


def _cells(t: X.Tally) -> str:
    pooled, per_page = t.image_figures(per_page=False), t.image_figures(per_page=True)
    return " | ".join(f"{v:.3f}" for v in (*pooled, *per_page))


def _entry(t: X.Tally) -> dict[str, float]:
    out = {}
    for suffix, per_page in (("", True), ("_pooled", False)):
        r, p, placed = t.image_figures(per_page)
        out |= {f"img_recall{suffix}": round(r, 4), f"img_precision{suffix}": round(p, 4),
                f"img_placed{suffix}": round(placed, 4)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a folder laid out like ../shared/data/html (every page counts)")
    parser.add_argument("--suite", action="append", choices=sorted(X.SUITES), help="default: all found")
    parser.add_argument("--system", action="append", choices=sorted(X.SYSTEMS), help="default: all installed with images")
    parser.add_argument("--limit", type=int, help="pages per suite folder (first N by name)")
    parser.add_argument("--no-cache", action="store_true", help="run the peers on every page")
    args = parser.parse_args()
    systems = args.system or [s for s in X.SYSTEMS if s not in X.IMAGELESS and (s != "magic-html" or X._installed("magic_html"))]
    shared = args.data is None
    data = args.data or X.DATA
    cache = X.CACHE.parent
    models = X.fold_models(shared, cache / "cv-models", cache / "cv-blocks", cache / "cv-gate", cache / "cv-tail",
                           cache / "cv-items") \
        if "omniweave" in systems else []
    peers = X.PeerCache(None if args.no_cache else X.CACHE)
    print(f"# image bench on {data}, systems: {', '.join(systems)}")
    found = X.discover(data)
    headline: dict[str, dict[str, object]] = {}
    for suite in args.suite or [s for s in X.SUITES if s in found]:
        cases = image_cases(data, suite, args.limit, shared)
        if not cases or not any(c.images for c in cases):
            continue
        if suite == "readability":
            print(proxy_check(cases))
        _, per_page, _ = X.score_suite(systems, cases, peers, models)
        truth = "expected" if suite in TRUTH_SUITES else "proxy"
        print(f"\n## {suite} ({truth} images)")
        print("| split   | system           | docs | images | img R | img P | placed| page R| page P| pg pl.|")
        print("|---------|------------------|------|--------|-------|-------|-------|-------|-------|-------|")
        pooled: dict[str, X.Tally] = {}
        for split in ("heldout", "tune", "all"):
            for system in systems:
                pages = per_page[(system, split)] if split != "all" else per_page[(system, "heldout")] + per_page[(system, "tune")]
                if not pages:
                    continue
                t = _pool(pages)
                if split == "all":
                    pooled[system] = t
                print(f"| {split:7} | {system:16} | {len(pages):4} | {t.img_expected:6} | {_cells(t)} |")
        ours = pooled.get("omniweave")
        entry: dict[str, object] = {"pages": len(cases), "images": sum(len(c.images or []) for c in cases), "truth": truth}
        if ours is not None:
            entry |= _entry(ours)
        others = [s for s in pooled if s != "omniweave"]
        if others:
            best = max(others, key=lambda s: _f1(pooled[s]))
            r, p, _ = pooled[best].image_figures(per_page=True)
            entry |= {"best_peer": best, "best_peer_img_recall": round(r, 4), "best_peer_img_precision": round(p, 4)}
        if suite == "wcxb" and ours is not None:
            entry["by_type"] = _by_type(cases, per_page)
        headline[suite] = entry
        sys.stdout.flush()
    print(json.dumps(headline, sort_keys=True))


def _by_type(cases: list[X.Case], per_page: dict[tuple[str, str], list[X.Tally]]) -> dict[str, dict[str, float]]:
    """omniweave's pooled image figures per WCXB page type, every page."""
    pages: dict[str, list[X.Tally]] = {}
    for split in ("heldout", "tune"):
        kinds = [c.page_type or "?" for c in cases if c.split == split]
        for kind, page in zip(kinds, per_page[("omniweave", split)]):
            pages.setdefault(kind, []).append(page)
    out = {}
    print("  by page type: R P placed pooled, then per page")
    for kind, tallies in sorted(pages.items()):
        t = _pool(tallies)
        out[kind] = {"pages": len(tallies), "images": t.img_expected, **_entry(t)}
        print(f"  {kind:14} ({len(tallies):4} pages, {t.img_expected:5} images): {_cells(t)}")
    return out


if __name__ == "__main__":
    main()
