"""Main-body extraction: omniweave vs trafilatura, resiliparse, readability-lxml (magic-html when
installed), side by side in one run, on every suite of ../shared/data/html (or ``--data DIR``).

    python bench/extraction.py [--data DIR] [--suite NAME ...] [--system NAME ...] [--limit N]
                               [--split heldout|tune|all] [--reps N] [--timing-pages N] [--cv DIR]

Suites are read from the sub-folders of the data folder by name: ``readability*`` (Readability test
pages), ``wcxb*`` (a WCXB split), ``trafilatura-eval*``, ``chinese*``, ``goose3*``, ``webmainbench*``,
``scrapinghub-article-extraction-benchmark`` (``html/<id>.html.gz`` + ``ground-truth.json``
``{id: {"url", "articleBody"}}``: suite scrapinghub) and ``newspaper4k`` (``html/<name>.html`` +
``txt/<name>.txt``, names with both). A folder ``X-subset`` is skipped when ``X`` is beside it.

Metrics (per suite, separately for the held-out and the tuned-on split):
- text P/R/F1: word level (bag of tokens; every CJK character is a token) against the ground-truth
  main text, averaged over pages. goose3 gives only the first part of the article, so there only
  recall counts (F1 column = recall). trafilatura-eval has no full text: its F1 column is the
  snippet F1 (below), pooled over the suite, as trafilatura's own evaluation computes it.
  WCXB pages without a main text are skipped (counted).
- snip F1: `with` snippets found = TP, missing = FN; `without` snippets found = FP (pooled).
- img R / img P: expected images found / extracted images that are expected (pooled). An extracted
  image is the expected one when its URL equals the expected src or one of its (or its
  ``<picture>``'s sources') srcset candidates (scheme and fragment ignored), or failing that the
  same host and path (query ignored: resize parameters), or failing that the same host and file
  name (the same picture in another rendition: srcset sizes, crops). An extracted image that
  matches an "unsure" image of the page (bench/extraction_images.py) counts neither way.
- placed: share of expected images that were found AND sit at the right place: the 10 tokens of text
  just before the image, or the 10 just after it, overlap the ground truth's by at least half
  (both sides empty counts as a match).
- docs/s: pages per CPU-second of the extraction call alone (process CPU time, so that other
  load on a shared machine does not count), one process pinned to one core, on pre-decoded text
  (the same str for every system), timed on a fixed sample of ``--timing-pages`` pages per suite.
  Each system runs over the sample back to back, as a production worker would, after one warm-up
  page; the best of `--reps` such passes counts, and the passes go in rounds (every system once per
  round) so that a slow spell hits all systems alike. omniweave's label cache is emptied before each
  of its passes, so every pass sees the pages as new. Under each table: omniweave's docs/s over
  trafilatura's, from the best passes, and per round as median and range.
- F1 gap: omniweave's text F1 less the best peer's, with a 95% interval from a paired bootstrap over
  the pages (resampling pages, both systems scored on the same resample).
- WCXB: held-out F1 per page type, every system.

Honest figures. On ../shared/data/html a page is "tune" when an earlier session's hand rules were
tuned looking at it (sha1("<suite>/<page>") even, in the folder the bench read then: the
``-subset`` folder where there is one); every other page is "heldout". When the package ships a
learned part (omniweave.extract.learned: root model, block model and its gate, tail model;
omniweave.extract.items: items model), it was trained on the shared pages, so here each page is
extracted with that part's model of its cross-validation fold, trained without it (``--cv``,
``--cv-blocks``, ``--cv-gate``, ``--cv-tail``, ``--cv-items``: written by tools/train_extractor.py,
tools/train_blocks.py, tools/train_tail.py and tools/train_items.py; folds by site). With ``--data``
every page counts as held out and the shipped models are used.
Peers' outputs are cached in bench/.cache/peers (``--no-cache`` to rerun).

The last line is one JSON object, per suite (held-out pages): ``f1``, ``best_peer``,
``best_peer_f1``, ``speed_ratio_vs_trafilatura``, ``pages``; for suites with image ground truth
``img_recall``, ``img_placed``, ``img_precision``; for WCXB ``by_type``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import gzip
import hashlib
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from omniweave.document import ImageNode
from omniweave.extract import extract_html
from omniweave.extract.clean import clear_label_cache
from omniweave.extract.images import srcset_candidates
from omniweave.io.decode import decode_html

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "html"
CACHE = Path(__file__).resolve().parent / ".cache" / "peers"
READABILITY_URL = "http://fakehost/test/page.html"
CONTEXT = 10
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]|[^\W_]+")
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)[^)]*\)")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def norm_url(url: str) -> str:
    parts = urlsplit(unquote(url.strip()).replace("&amp;", "&"))
    return f"{parts.netloc.lower()}{parts.path}{'?' + parts.query if parts.query else ''}"


def path_key(url: str) -> str:
    """Host and path: the same picture with other resize parameters in the query."""
    parts = urlsplit(unquote(url.strip()))
    return f"{parts.netloc.lower()}{parts.path}"


def loose_key(url: str) -> str:
    """Host and file name: the same picture at another size or crop (srcset renditions)."""
    parts = urlsplit(unquote(url.strip()))
    return f"{parts.netloc.lower()}/{parts.path.rstrip('/').rsplit('/', 1)[-1]}"


# --- ground truth --------------------------------------------------------------------------------


@dataclass
class TruthImage:
    urls: set[str]
    before: list[str]
    after: list[str]
    paths: set[str] = field(default_factory=set)
    loose: set[str] = field(default_factory=set)


@dataclass
class Case:
    suite: str
    name: str
    html: str
    url: str | None
    text: str | None = None  # full main text
    prefix_only: bool = False  # text is only the start of the article (recall only)
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    images: list[TruthImage] | None = None
    unsure_images: set[str] = field(default_factory=set)  # path keys of images that count neither way
    page_type: str | None = None  # WCXB's page type
    group: str = ""  # pages of one group share a cross-validation fold (a site); default: the page
    split: str = "heldout"  # "tune": rules were tuned looking at this page (see load_suite)

    def __post_init__(self) -> None:
        self.group = self.group or f"{self.suite}/{self.name}"

    def fold(self, k: int) -> int:
        """The cross-validation fold (of ``k``) of the page's group."""
        return int.from_bytes(hashlib.sha1(self.group.encode()).digest()[:4], "big") % k


Seq = list[tuple[str, str]]  # ("text", chunk) | ("img", absolute url)


def html_sequence(html: str, base: str | None, srcsets: bool = False) -> Seq:
    """Text chunks and images of an HTML fragment in document order (``<graphic>`` = trafilatura)."""
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    seq: Seq = []
    if root is None:
        return seq
    for node in root.traverse(include_text=True):
        if node.tag == "-text":
            text = node.text_content or ""
            if text.strip():
                seq.append(("text", text))
        elif node.tag in ("img", "graphic"):
            attrs = node.attributes
            cands = [attrs.get("src") or ""]
            if srcsets:
                cands.append(attrs.get("data-src") or "")
                sources = [attrs] + ([s.attributes for s in node.parent.css("source")]
                                     if node.parent is not None and node.parent.tag == "picture" else [])
                for source in sources:  # a <picture>'s sources are renditions of its <img>
                    for key in ("srcset", "data-srcset"):  # split as the spec does: commas inside URLs stay
                        cands += [u for u, _ in srcset_candidates(source.get(key) or "")]
            urls = [urljoin(base or "", c.strip()) for c in cands if c.strip() and not c.startswith("data:")]
            if urls:
                seq.append(("img", "\x00".join(urls)))
    return seq


def truth_images(seq: Seq) -> list[TruthImage]:
    out = []
    for i, (kind, value) in enumerate(seq):
        if kind == "img":
            before, after = _context(seq, i)
            urls = value.split("\x00")
            out.append(TruthImage({norm_url(u) for u in urls}, before, after, {path_key(u) for u in urls},
                              {loose_key(u) for u in urls}))
    return out


def _context(seq: Seq, i: int) -> tuple[list[str], list[str]]:
    before: list[str] = []
    for kind, value in reversed(seq[:i]):
        if kind == "text":
            before = tokens(value) + before
            if len(before) >= CONTEXT:
                break
    after: list[str] = []
    for kind, value in seq[i + 1 :]:
        if kind == "text":
            after += tokens(value)
            if len(after) >= CONTEXT:
                break
    return before[-CONTEXT:], after[:CONTEXT]


SKIPPED: Counter[str] = Counter()  # pages of a suite left out for want of a main text, by suite


def _group(url: str | None, name: str) -> str:
    """What keeps pages of one site in one cross-validation fold: the URL's host, else the page name."""
    host = urlsplit(url or "").netloc.lower().removeprefix("www.")
    return host or name


def load_readability(root: Path, limit: int | None) -> Iterator[Case]:
    for page in sorted(p for p in root.iterdir() if p.is_dir())[:limit]:
        html, _ = decode_html((page / "source.html").read_bytes())
        seq = html_sequence((page / "expected.html").read_text(encoding="utf-8"), READABILITY_URL, srcsets=True)
        text = " ".join(v for k, v in seq if k == "text")
        yield Case("readability", page.name, html, READABILITY_URL, text=text, images=truth_images(seq))


def load_wcxb(root: Path, limit: int | None) -> Iterator[Case]:
    for gt_path in sorted((root / "ground-truth").glob("*.json"))[:limit]:
        gt = json.loads(gt_path.read_text(encoding="utf-8"))
        truth = gt["ground_truth"]
        if "main_content" not in truth:  # a few pages have snippets only: counted, not scored
            SKIPPED["wcxb"] += 1
            continue
        html, _ = decode_html(gzip.decompress((root / "html" / f"{gt_path.stem}.html.gz").read_bytes()))
        kind = (gt.get("_internal") or {}).get("page_type") or {}
        kind = kind.get("primary") if isinstance(kind, dict) else kind
        yield Case("wcxb", gt_path.stem, html, gt.get("url") or None, text=truth["main_content"],
                   with_=truth.get("with") or [], without=truth.get("without") or [], page_type=kind or None,
                   group=_group(gt.get("url"), gt_path.stem))


def load_trafilatura(root: Path, limit: int | None) -> Iterator[Case]:
    items = json.loads((root / "evaldata-subset.json").read_text(encoding="utf-8"))["items"]
    for url, item in sorted(items.items())[:limit]:
        html, _ = decode_html(gzip.decompress((root / "html" / item["file"]).read_bytes()))
        page_url = url if url.startswith(("http://", "https://")) else None
        yield Case("trafilatura-eval", item["file"], html, page_url, with_=item.get("with") or [],
                   without=item.get("without") or [], group=_group(page_url, item["file"]))


def load_chinese(root: Path, limit: int | None) -> Iterator[Case]:
    for path in sorted((root / "original").glob("*.html"))[:limit]:
        html, _ = decode_html(path.read_bytes())
        match = re.match(r'\s*<text id="([^"]*)"', html)
        text = (root / "cleaned" / f"{path.stem}.txt").read_text(encoding="utf-8", errors="replace")
        yield Case("chinese", path.stem, html, match.group(1) if match else None, text=text)


def load_goose3(root: Path, limit: int | None) -> Iterator[Case]:
    for path in sorted((root / "content").glob("*.json"))[:limit]:
        meta = json.loads(path.read_text(encoding="utf-8"))
        expected = (meta.get("expected") or {}).get("cleaned_text")
        html_path = path.with_suffix(".html")
        if not expected or not html_path.exists():
            continue
        html, _ = decode_html(html_path.read_bytes())
        yield Case("goose3", path.stem, html, meta.get("url"), text=expected, prefix_only=True)


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def load_webmainbench(root: Path, limit: int | None) -> Iterator[Case]:
    for path in sorted(root.glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()[:limit]):
            rec = json.loads(line)
            seq: Seq = []
            for block in (b for page in rec["groundtruth_content_list"] for b in page):
                if block["type"] == "image":
                    seq += html_sequence(block.get("raw_content") or "", rec["url"])
                else:
                    seq += [("text", s) for s in _strings(block.get("content")) if s.strip() and not s.isdigit()]
            text = _MD_IMAGE.sub(" ", rec["groundtruth_content"])
            name = f"{i}" if path.name == "sample_dataset.jsonl" else f"{path.stem}-{i}"
            yield Case("webmainbench", name, rec["html"], rec["url"], text=text, images=truth_images(seq))


def load_scrapinghub(root: Path, limit: int | None) -> Iterator[Case]:
    """The Zyte/scrapinghub article benchmark: ``html/<id>.html.gz`` + ``ground-truth.json``."""
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id, item in sorted(truth.items())[:limit]:
        path = root / "html" / f"{page_id}.html.gz"
        if not path.exists():
            continue
        html, _ = decode_html(gzip.decompress(path.read_bytes()))
        yield Case("scrapinghub", page_id, html, item.get("url") or None, text=item.get("articleBody") or "",
                   group=_group(item.get("url"), page_id))


def load_newspaper4k(root: Path, limit: int | None) -> Iterator[Case]:
    """newspaper4k's test data: ``html/<name>.html`` with ``txt/<name>.txt`` (names with both)."""
    names = sorted(p.stem for p in (root / "html").glob("*.html") if (root / "txt" / f"{p.stem}.txt").exists())
    for name in names[:limit]:
        html, _ = decode_html((root / "html" / f"{name}.html").read_bytes())
        text = (root / "txt" / f"{name}.txt").read_text(encoding="utf-8", errors="replace")
        yield Case("newspaper4k", name, html, None, text=text)


Loader = Callable[[Path, int | None], Iterator[Case]]
# folder name (prefix) -> suite and loader; a folder "X-subset" is skipped when "X" is beside it
LAYOUTS: list[tuple[str, str, Loader]] = [
    ("readability", "readability", load_readability),
    ("wcxb", "wcxb", load_wcxb),
    ("trafilatura-eval", "trafilatura-eval", load_trafilatura),
    ("chinese", "chinese", load_chinese),
    ("goose3", "goose3", load_goose3),
    ("webmainbench", "webmainbench", load_webmainbench),
    ("scrapinghub-article-extraction-benchmark", "scrapinghub", load_scrapinghub),
    ("newspaper4k", "newspaper4k", load_newspaper4k),
]
SUITES = [suite for _, suite, _ in LAYOUTS]


def discover(data: Path) -> dict[str, list[tuple[Path, Loader]]]:
    """Suite -> its folders under ``data`` with their loaders, by folder name."""
    found: dict[str, list[tuple[Path, Loader]]] = {}
    names = {p.name for p in data.iterdir() if p.is_dir()}
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        if folder.name.endswith("-subset") and folder.name.removesuffix("-subset") in names:
            continue
        for prefix, suite, loader in LAYOUTS:
            if folder.name.startswith(prefix):
                found.setdefault(suite, []).append((folder, loader))
                break
    return found


def load_suite(data: Path, suite: str, limit: int | None = None, shared: bool = True) -> list[Case]:
    """Every page of ``suite`` under ``data``. ``shared``: ``data`` is ../shared/data/html, where a
    page counts as "tune" when an earlier session's rules were tuned looking at it: its
    sha1("suite/page") is even and it was in the folder the bench read then (the ``-subset`` folder
    when there is one); every other page is "heldout"."""
    cases: list[Case] = []
    for folder, loader in discover(data).get(suite, []):
        subset = folder.with_name(folder.name + "-subset")
        skipped = SKIPPED[suite]
        looked_at = {c.name for c in loader(subset, None)} if shared and subset.is_dir() else None
        SKIPPED[suite] = skipped  # the subset's pages are counted with the folder's
        for case in loader(folder, limit):
            digest = hashlib.sha1(f"{case.suite}/{case.name}".encode()).digest()
            seen = shared and digest[-1] % 2 == 0 and (looked_at is None or case.name in looked_at)
            case.split = "tune" if seen else "heldout"
            cases.append(case)
    return cases


# --- systems -------------------------------------------------------------------------------------


def run_omniweave(html: str, url: str | None) -> Seq:
    doc = extract_html(html, url=url)
    return [("img", n.url) if isinstance(n, ImageNode) else ("text", n.text) for n in doc.nodes]


def run_trafilatura(html: str, url: str | None) -> Seq:
    import trafilatura

    xml = trafilatura.extract(html, url=url, include_images=True, include_tables=True, output_format="xml")
    return html_sequence(xml, url) if xml else []


def run_resiliparse(html: str, url: str | None) -> Seq:
    from resiliparse.extract.html2text import extract_plain_text

    return [("text", extract_plain_text(html, main_content=True))]


def run_readability(html: str, url: str | None) -> Seq:
    from readability import Document

    return html_sequence(Document(html, url=url).summary(html_partial=True), url)


def run_magic_html(html: str, url: str | None) -> Seq:
    from magic_html import GeneralExtractor

    out = GeneralExtractor().extract(html, base_url=url or "")
    return html_sequence(out.get("html") or "", url)


SYSTEMS: dict[str, Callable[[str, str | None], Seq]] = {
    "omniweave": run_omniweave,
    "trafilatura": run_trafilatura,
    "resiliparse": run_resiliparse,
    "readability-lxml": run_readability,
    "magic-html": run_magic_html,
}
IMAGELESS = {"resiliparse"}

# --- scoring -------------------------------------------------------------------------------------


@dataclass
class Tally:
    pages: int = 0
    seconds: float = 0.0
    errors: int = 0
    p: float = 0.0
    r: float = 0.0
    f1: float = 0.0
    text_pages: int = 0
    snip: Counter[str] = field(default_factory=Counter)
    img_expected: int = 0
    img_found: int = 0
    img_placed: int = 0
    img_extracted: int = 0
    img_extracted_ok: int = 0

    def add(self, page: Tally) -> None:
        """Add one page's scores (a tally that :func:`score` filled for that page alone)."""
        self.p, self.r, self.f1, self.text_pages = (self.p + page.p, self.r + page.r, self.f1 + page.f1,
                                                    self.text_pages + page.text_pages)
        self.snip.update(page.snip)
        self.img_expected += page.img_expected
        self.img_found += page.img_found
        self.img_placed += page.img_placed
        self.img_extracted += page.img_extracted
        self.img_extracted_ok += page.img_extracted_ok


def _overlap(truth: list[str], got: list[str]) -> bool:
    if not truth:
        return not got
    common = sum((Counter(truth) & Counter(got)).values())
    return common >= 0.5 * len(truth)


def score(case: Case, seq: Seq, tally: Tally) -> None:
    text = " ".join(v for k, v in seq if k == "text")
    if case.text is not None:
        got, want = Counter(tokens(text)), Counter(tokens(case.text))
        common = sum((got & want).values())
        p = common / max(1, sum(got.values()))
        r = common / max(1, sum(want.values()))
        if case.prefix_only:
            p = r
        tally.p += p
        tally.r += r
        tally.f1 += 2 * p * r / (p + r) if p + r else 0.0
        tally.text_pages += 1
    if case.with_ or case.without:
        flat = " ".join(text.lower().split())
        for snippet in case.with_:
            tally.snip["tp" if " ".join(snippet.lower().split()) in flat else "fn"] += 1
        for snippet in case.without:
            tally.snip["fp" if " ".join(snippet.lower().split()) in flat else "tn"] += 1
    if case.images is None:
        return
    extracted = [(i, (norm_url(v), path_key(v), loose_key(v))) for i, (k, v) in enumerate(seq) if k == "img"]
    used: set[int] = set()
    tally.img_expected += len(case.images)
    tally.img_extracted += len(extracted)
    hits: dict[int, int] = {}  # expected image -> extracted position; strict keys first, for all images
    for level in range(3):
        for n, image in enumerate(case.images):
            if n in hits:
                continue
            wanted = (image.urls, image.paths, image.loose)[level]
            hit = next((i for i, keys in extracted if i not in used and keys[level] in wanted), None)
            if hit is not None:
                used.add(hit)
                hits[n] = hit
    for n, hit in hits.items():
        image = case.images[n]
        tally.img_found += 1
        before, after = _context(seq, hit)
        if _overlap(image.before, before) or _overlap(image.after, after):
            tally.img_placed += 1
    tally.img_extracted_ok += len(used)
    tally.img_extracted -= sum(i not in used and keys[1] in case.unsure_images for i, keys in extracted)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def row(system: str, split: str, case0: Case, t: Tally) -> str:
    def ratio(a: float, b: float) -> str:
        return f"{a / b:.3f}" if b else "  -  "

    snip_p = t.snip["tp"] / max(1, t.snip["tp"] + t.snip["fp"])
    snip_r = t.snip["tp"] / max(1, t.snip["tp"] + t.snip["fn"])
    snip = f"{_f1(snip_p, snip_r):.3f}" if t.snip else "  -  "
    if case0.text is None:
        p, r, f1 = f"{snip_p:.3f}", f"{snip_r:.3f}", snip
    else:
        p, r, f1 = ratio(t.p, t.text_pages), ratio(t.r, t.text_pages), ratio(t.f1, t.text_pages)
    has_images = case0.images is not None and system not in IMAGELESS
    img_r = ratio(t.img_found, t.img_expected) if has_images else "  -  "
    img_p = ratio(t.img_extracted_ok, t.img_extracted) if has_images else "  -  "
    placed = ratio(t.img_placed, t.img_expected) if has_images else "  -  "
    rate = f"{t.pages / t.seconds:8.1f}" if t.seconds else "     -  "
    return (f"| {split:7} | {system:16} | {t.pages:4} | {p} | {r} | {f1} | {snip} | {img_r} | {img_p} | "
            f"{placed} | {rate} | {t.errors:3} |")


def pin_one_core() -> str:
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def time_passes(systems: list[str], cases: list[Case], reps: int) -> dict[str, dict[str, list[float]]]:
    """CPU seconds per system and split, one figure per pass over ``cases`` (``reps`` passes). The
    passes go in rounds (each system once per round), so that a slow spell of a shared machine hits
    every system rather than the one whose passes it falls on."""
    for system in systems:
        with contextlib.suppress(Exception):  # failures were counted by the scoring pass
            SYSTEMS[system](cases[0].html, cases[0].url)  # warm-up: imports, compiled patterns
    passes: dict[str, dict[str, list[float]]] = {system: {"heldout": [], "tune": []} for system in systems}
    for _ in range(reps):
        for system in systems:
            run = SYSTEMS[system]
            if system == "omniweave":
                clear_label_cache()
            seconds = {"heldout": 0.0, "tune": 0.0}
            for case in cases:
                start = time.process_time()
                with contextlib.suppress(Exception):
                    run(case.html, case.url)
                seconds[case.split] += time.process_time() - start
            for split, value in seconds.items():
                passes[system][split].append(value)
    return passes


class PeerCache:
    """Peers' outputs kept on disk between runs (one JSON file per system and suite), keyed by the
    peer's version and a digest of the page: peers are slow and do not change between runs."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.entries: dict[tuple[str, str], dict[str, Seq]] = {}
        self.dirty: set[tuple[str, str]] = set()

    def _path(self, system: str, suite: str) -> Path:
        assert self.folder is not None
        return self.folder / system / f"{suite}.json"

    def run(self, system: str, case: Case) -> Seq:
        if self.folder is None or system == "omniweave":
            return SYSTEMS[system](case.html, case.url)
        key = (system, case.suite)
        if key not in self.entries:
            path = self._path(system, case.suite)
            self.entries[key] = json.loads(path.read_text()) if path.exists() else {}
        digest = hashlib.sha1(f"{_version(system)}\0{case.url}\0{case.html}".encode("utf-8", "surrogatepass")).hexdigest()
        found = self.entries[key].get(digest)
        if found is None:
            found = self.entries[key][digest] = SYSTEMS[system](case.html, case.url)
            self.dirty.add(key)
        return [(k, v) for k, v in found]

    def save(self) -> None:
        for system, suite in self.dirty:
            path = self._path(system, suite)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.entries[(system, suite)]))
        self.dirty.clear()


def _version(system: str) -> str:
    module = {"readability-lxml": "readability-lxml", "magic-html": "magic-html"}.get(system, system)
    try:
        return importlib.metadata.version(module)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def score_suite(
    systems: list[str], cases: list[Case], peers: PeerCache, models: list[FoldModels]
) -> tuple[dict[tuple[str, str], Tally], dict[tuple[str, str], list[Tally]], list[tuple[float, str]]]:
    """Every system's tallies per split, one tally per page (paired across systems), and omniweave's
    page F1 on the tune split."""
    tallies = {(s, sp): Tally() for s in systems for sp in ("heldout", "tune")}
    per_page: dict[tuple[str, str], list[Tally]] = {key: [] for key in tallies}
    worst: list[tuple[float, str]] = []
    for case in cases:
        for system in systems:
            tally = tallies[(system, case.split)]
            try:
                if system == "omniweave":
                    for m in models:
                        m.use(case)
                seq = peers.run(system, case)
            except Exception:  # a peer failing on a page scores as empty output
                seq, tally.errors = [], tally.errors + 1
            tally.pages += 1
            page = Tally()
            score(case, seq, page)
            tally.add(page)
            per_page[(system, case.split)].append(page)
            if system == "omniweave" and case.split == "tune" and case.text is not None:
                worst.append((page.f1, case.name))
    for m in models:
        m.use(None)
    peers.save()
    return tallies, per_page, worst


def timing_sample(cases: list[Case], n: int) -> list[Case]:
    """At most ``n`` pages, spread over the suite (the same pages every run)."""
    if len(cases) <= n:
        return cases
    return sorted(cases, key=lambda c: hashlib.sha1(f"time/{c.suite}/{c.name}".encode()).digest())[:n]


class FoldModels:
    """Cross-validation models of one of the extractor's learned parts (``fold-<i>-of-<k>.npz``,
    written by tools/train_extractor.py or tools/train_blocks.py): each page is extracted with the
    model trained without its fold, so the figures are from pages the model never saw."""

    def __init__(self, folder: Path, features: tuple[str, ...], setter: Callable[[object], None], shipped: object) -> None:
        from omniweave.extract.learned import LinearModel

        found: dict[int, dict[int, Path]] = {}  # k -> fold -> path
        for path in folder.glob("fold-*-of-*.npz"):
            _, fold, _, k = path.stem.split("-")
            found.setdefault(int(k), {})[int(fold)] = path
        complete = [k for k, folds in found.items() if set(folds) == set(range(k))]
        if not complete:
            raise SystemExit(f"no complete set of fold-<i>-of-<k>.npz models in {folder}: run the training script first")
        # one k only: a page's fold under another k is not the fold its model was trained without
        self.k = max(complete)
        self.models = {fold: LinearModel.load(path, features) for fold, path in found[self.k].items()}
        self.setter, self.shipped = setter, shipped  # timing passes use the shipped one (the same cost)

    def use(self, case: Case | None) -> None:
        self.setter(self.shipped if case is None else self.models[case.fold(self.k)])


def fold_models(shared: bool, root_folder: Path, block_folder: Path, gate_folder: Path,
                tail_folder: Path, items_folder: Path) -> list[FoldModels]:
    """The fold models of the learned parts the extractor uses (shared data only: elsewhere the
    shipped models are honest)."""
    from omniweave.extract import items, learned

    if not shared:
        return []
    out = []
    if learned.shipped_model() is not None:
        out.append(FoldModels(root_folder, learned.FEATURES, learned.set_model, learned.shipped_model()))
    if learned.shipped_block_model() is not None:
        out.append(FoldModels(block_folder, learned.BLOCK_FEATURES, learned.set_block_model,
                              learned.shipped_block_model()))
    if learned.shipped_gate_model() is not None:
        out.append(FoldModels(gate_folder, learned.GATE_FEATURES, learned.set_gate_model,
                              learned.shipped_gate_model()))
    if learned.shipped_tail_model() is not None:
        out.append(FoldModels(tail_folder, learned.TAIL_FEATURES, learned.set_tail_model,
                              learned.shipped_tail_model()))
    if items.shipped_items_model() is not None:
        out.append(FoldModels(items_folder, items.ITEMS_FEATURES, items.set_items_model, items.shipped_items_model()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="a folder laid out like ../shared/data/html (every page counts)")
    parser.add_argument("--suite", action="append", choices=sorted(SUITES), help="default: all found")
    parser.add_argument("--system", action="append", choices=sorted(SYSTEMS), help="default: all installed")
    parser.add_argument("--limit", type=int, help="pages per suite folder (first N by name)")
    parser.add_argument("--split", choices=("heldout", "tune", "all"), default="all")
    parser.add_argument("--worst", type=int, default=0, help="list omniweave's N worst tune pages per suite")
    parser.add_argument("--reps", type=int, default=3, help="timing passes per system and suite (best counts)")
    parser.add_argument("--timing-pages", type=int, default=200, help="pages per suite in the timed passes")
    parser.add_argument("--cv", type=Path, default=CACHE.parent / "cv-models",
                        help="the root model's fold models (shared data only; default %(default)s)")
    parser.add_argument("--cv-blocks", type=Path, default=CACHE.parent / "cv-blocks",
                        help="the block model's fold models (shared data only; default %(default)s)")
    parser.add_argument("--cv-gate", type=Path, default=CACHE.parent / "cv-gate",
                        help="the block model's gate's fold models (shared data only; default %(default)s)")
    parser.add_argument("--cv-tail", type=Path, default=CACHE.parent / "cv-tail",
                        help="the tail model's fold models (shared data only; default %(default)s)")
    parser.add_argument("--cv-items", type=Path, default=CACHE.parent / "cv-items",
                        help="the items model's fold models (shared data only; default %(default)s)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="peers' outputs kept here (default %(default)s)")
    parser.add_argument("--no-cache", action="store_true", help="run the peers on every page")
    args = parser.parse_args()
    systems = args.system or [s for s in SYSTEMS if s != "magic-html" or _installed("magic_html")]
    shared = args.data is None
    data = args.data or DATA
    models = fold_models(shared, args.cv, args.cv_blocks, args.cv_gate, args.cv_tail, args.cv_items) if "omniweave" in systems else []
    peers = PeerCache(None if args.no_cache else args.cache)
    print(f"# extraction bench on {data}, {pin_one_core()}, systems: {', '.join(systems)}")
    if shared:
        print("# split: tune = pages the rules were tuned looking at (sha1(suite/page) even, in the folder read then);"
              " heldout = the rest")
        for m in models:
            print(f"# learned part: {m.k}-fold cross-validation by site (each page extracted with the model"
                  " trained without its fold)")
    else:
        print("# every page counts (split: heldout); the block scorer is the shipped one")
    found = discover(data)
    headline: dict[str, dict[str, object]] = {}
    for suite in args.suite or [s for s in SUITES if s in found]:
        cases = [c for c in load_suite(data, suite, args.limit, shared) if args.split in ("all", c.split)]
        if not cases:
            continue
        if SKIPPED[suite]:
            print(f"# {suite}: {SKIPPED[suite]} pages without a main text skipped")
        tallies, per_page, worst = score_suite(systems, cases, peers, models)
        timed = timing_sample(cases, args.timing_pages)
        passes = time_passes(systems, timed, args.reps)
        for system, by_split in passes.items():
            for split, seconds in by_split.items():
                # timed on a sample: rates scale the sample's time to the split's pages
                n_timed = sum(c.split == split for c in timed)
                n_all = tallies[(system, split)].pages
                tallies[(system, split)].seconds = min(seconds) * n_all / n_timed if n_timed else 0.0
        metric = {"trafilatura-eval": "snippet F1 (no full text)", "goose3": "recall of the article start"}
        print(f"\n## {suite}: text F1 = {metric.get(suite, 'word-level F1 vs main text')}")
        print("| split   | system           | docs |  P    |  R    | F1    | snipF1| img R | img P | placed|   docs/s | err |")
        print("|---------|------------------|------|-------|-------|-------|-------|-------|-------|-------|----------|-----|")
        for split in ("heldout", "tune"):
            for system in systems:
                if tallies[(system, split)].pages:
                    print(row(system, split, cases[0], tallies[(system, split)]))
        ratios: dict[str, float] = {}
        for split in ("heldout", "tune"):
            if not {"omniweave", "trafilatura"} <= set(systems):
                break
            ours, theirs = tallies[("omniweave", split)], tallies[("trafilatura", split)]
            if ours.pages and ours.seconds and theirs.seconds:
                ratios[split] = theirs.seconds / ours.seconds
                rounds = sorted(t / o for o, t in zip(passes["omniweave"][split], passes["trafilatura"][split]) if o)
                print(
                    f"{split}: omniweave docs/s = {ratios[split]:.1f}x trafilatura's (best passes); "
                    f"per round {statistics.median(rounds):.1f}x median, {rounds[0]:.1f}-{rounds[-1]:.1f}x"
                )
        snippets = cases[0].text is None
        for split in ("heldout", "tune"):
            gap = f1_gap(systems, split, per_page, snippets=snippets)
            if gap:
                print(gap)
        if suite == "wcxb":
            print_page_types(systems, cases, per_page)
        if args.worst:
            print("worst omniweave tune pages:", ", ".join(f"{n} ({f:.2f})" for f, n in sorted(worst)[: args.worst]))
        headline[suite] = headline_figures(systems, cases, per_page, tallies, ratios.get("heldout"), snippets)
        sys.stdout.flush()
    print(json.dumps(headline, sort_keys=True))


def print_page_types(systems: list[str], cases: list[Case], per_page: dict[tuple[str, str], list[Tally]]) -> None:
    """Held-out text F1 per WCXB page type, each system."""
    kinds = [c.page_type or "?" for c in cases if c.split == "heldout"]
    print("\nheld-out F1 by page type: " + " | ".join(systems))
    for kind in sorted(set(kinds)):
        cells = []
        for system in systems:
            pages = [p for p, k in zip(per_page[(system, "heldout")], kinds) if k == kind]
            cells.append(f"{_suite_f1(pages, False):.3f}")
        print(f"  {kind:14} ({kinds.count(kind):4}): " + " | ".join(cells))


def headline_figures(systems: list[str], cases: list[Case], per_page: dict[tuple[str, str], list[Tally]],
                     tallies: dict[tuple[str, str], Tally], speed: float | None, snippets: bool) -> dict[str, object]:
    """The suite's entry of the bench's last line, on the held-out split."""
    out: dict[str, object] = {"pages": len(per_page[(systems[0], "heldout")])}
    peers = [s for s in systems if s != "omniweave"]
    if "omniweave" in systems:
        out["f1"] = round(_suite_f1(per_page[("omniweave", "heldout")], snippets), 4)
    if peers:
        best = max(peers, key=lambda s: _suite_f1(per_page[(s, "heldout")], snippets))
        out["best_peer"] = best
        out["best_peer_f1"] = round(_suite_f1(per_page[(best, "heldout")], snippets), 4)
    out["speed_ratio_vs_trafilatura"] = round(speed, 2) if speed else None
    ours = tallies.get(("omniweave", "heldout"))
    if cases[0].images is not None and ours is not None and ours.img_expected:
        out["img_recall"] = round(ours.img_found / ours.img_expected, 4)
        out["img_placed"] = round(ours.img_placed / ours.img_expected, 4)
        out["img_precision"] = round(ours.img_extracted_ok / max(1, ours.img_extracted), 4)
    if cases[0].suite == "wcxb" and "omniweave" in systems:
        kinds = [c.page_type or "?" for c in cases if c.split == "heldout"]
        by_type: dict[str, dict[str, float]] = {}
        for kind in sorted(set(kinds)):
            def f1(system: str) -> float:
                return round(_suite_f1([p for p, k in zip(per_page[(system, "heldout")], kinds) if k == kind], False), 4)
            entry = {"pages": kinds.count(kind), "f1": f1("omniweave")}
            if peers:
                entry["best_peer_f1"] = max(f1(s) for s in peers)
            by_type[kind] = entry
        out["by_type"] = by_type
    return out


def _suite_f1(pages: list[Tally], snippets: bool) -> float:
    """The suite's F1 column over ``pages``: mean page F1, or pooled snippet F1."""
    if not snippets:
        return sum(p.f1 for p in pages) / max(1, len(pages))
    tp, fp, fn = (sum(p.snip[k] for p in pages) for k in ("tp", "fp", "fn"))
    return _f1(tp / max(1, tp + fp), tp / max(1, tp + fn))


def f1_gap(systems: list[str], split: str, per_page: dict[tuple[str, str], list[Tally]], snippets: bool,
           resamples: int = 2000) -> str | None:
    """omniweave's F1 less the best peer's on ``split``, with a 95% paired-bootstrap interval over pages."""
    ours = per_page[("omniweave", split)] if "omniweave" in systems else []
    peers = [s for s in systems if s != "omniweave"]
    if not ours or not peers:
        return None
    best = max(peers, key=lambda s: _suite_f1(per_page[(s, split)], snippets))
    theirs = per_page[(best, split)]
    rng = random.Random(0)
    n = len(ours)
    diffs = []
    for _ in range(resamples):
        idx = [rng.randrange(n) for _ in range(n)]
        diffs.append(_suite_f1([ours[i] for i in idx], snippets) - _suite_f1([theirs[i] for i in idx], snippets))
    diffs.sort()
    low, high = diffs[int(0.025 * resamples)], diffs[int(0.975 * resamples) - 1]
    gap = _suite_f1(ours, snippets) - _suite_f1(theirs, snippets)
    return (f"{split}: F1 gap omniweave - {best} (best peer) = {gap:+.3f}, 95% interval {low:+.3f} to {high:+.3f} "
            f"(paired bootstrap over {n} pages)")


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
