"""Learned parts of the extractor, each a linear model over cheap features, trained on the shared
labelled pages by a script in tools/ and shipped as a small ``.npz`` file in the package (numpy only
at run time, loaded once). Without a shipped model each part leaves the rules' choice as it is.

- Content root (``root_model.npz``, tools/train_extractor.py): the rule's winner and a few
  alternatives (the next best scored nodes outside the page's footer, the winner's parent and
  grandparent, the whole body) are described by text and link share, scores, tag, class hints, depth,
  repeated children and their relation to the rule's winner. The model is asked only where the rule's
  winner holds little of the body's text (the model's ``gate``; on articles it holds most of it) and
  its class does not name it content (unless ``ask_hinted``); its pick replaces the rule's winner only
  when it scores at least the model's ``threshold`` (a margin) above it, and the rules then expand it
  (series, siblings, lead) as they expand their own winner. Gate, hint and margin are fitted out of
  fold.
- Blocks (``block_model.npz``, tools/train_blocks.py): each text block of the chosen content is
  described by its kind, length, link, digit and capital shares, punctuation, position, neighbours
  and furniture cue words; blocks scored under the model's threshold are dropped.
- Gate (``gate_model.npz``, trained with the block model): whether the page is one where the block
  model's choice beats the rules' (listings, threads, shops: the repeated items the rules prune are
  the content), from page-level figures (how much the rules prune, list items, links, sentence
  ends; cheap, asked before the block model); the training script fits a one-figure threshold (a
  linear model with one weight). Below its threshold the rules' blocks stand.
- Tail (``tail_model.npz``, tools/train_tail.py): every cut that drops a trailing run of the kept
  text blocks starting at a section boundary (a heading, a cue word, a link line) is described by
  what the run holds against what stays; the best scored cut is made when it scores at least the
  model's threshold (related stories, newsletter boxes, notices after the article).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick
import cython
import numpy as np
from selectolax.lexbor import LexborNode

from omniweave.document import Node, TextNode
from omniweave.extract.clean import NO_HINT, NONE, HintMap
from omniweave.extract.score import Scoring, expand, in_footer
from omniweave.extract.tag_ids import id_of_tag
from omniweave.extract.walk import Blocks

MODEL_PATH = Path(__file__).with_name("data") / "root_model.npz"
BLOCK_MODEL_PATH = Path(__file__).with_name("data") / "block_model.npz"
GATE_MODEL_PATH = Path(__file__).with_name("data") / "gate_model.npz"
PARENT_LEVELS = 2  # the rule winner's ancestors offered as alternatives
_TAGS = ("article", "main", "section", "div", "td", "ul", "ol", "table", "form")
FEATURES = (
    "bias", "is_rule", "is_body", "log_chars", "share_of_body", "link_density", "log_score", "score_share",
    "final_share", "rank", "contains_rule", "inside_rule", "log_depth", "log_rel_chars", "log_body_chars",
    "rule_is_body", "positive_hint", "negative_hint", "commas_per_100", "ranked_count", "log_children",
    "log_repeats", "repeat_share", "rule_share_bound", "has_h1", "log_paragraphs", "log_list_items",
    *(f"tag_{t}" for t in _TAGS), "tag_other",
)


@dataclass(slots=True)
class LinearModel:
    """Linear scores over standardised features: ``((x - mean) / scale) @ weights``; a block model
    also has the score under which a block is dropped (``threshold``, in log-odds), a root model the
    margin by which its pick must outscore the rule's winner, the share of the body's text (its
    bound) under which the rule's winner must hold for the model to be asked (``gate``), and whether
    it is asked where the winner's class or id names it content (``ask_hinted``)."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    threshold: float = 0.0
    gate: float = math.inf
    ask_hinted: bool = True
    _plain: tuple[list[float], list[float], list[float]] | None = field(default=None, init=False, repr=False,
                                                                      compare=False)  # score's lists

    @classmethod
    def load(cls, path: Path, features: tuple[str, ...]) -> LinearModel:
        with np.load(path) as data:
            if tuple(str(n) for n in data["features"]) != features:
                raise ValueError(f"{path}: the model's features differ from this extractor's")
            gate = float(data["gate"]) if "gate" in data.files else math.inf
            ask_hinted = bool(data["ask_hinted"]) if "ask_hinted" in data.files else True
            return cls(data["mean"], data["scale"], data["weights"], float(data["threshold"]), gate, ask_hinted)

    def save(self, path: Path, features: tuple[str, ...]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, mean=self.mean, scale=self.scale, weights=self.weights, threshold=self.threshold,
                 gate=self.gate, ask_hinted=self.ask_hinted, features=np.array(features))

    def scores(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.weights

    @cython.locals(total=cython.double, i=cython.Py_ssize_t)
    def score(self, row: Sequence[float]) -> float:
        """:meth:`scores` of one row, in plain arithmetic (numpy's per-call cost outweighs a page's
        row or few): the same products, summed in order (a BLAS dot product may sum them in another
        order, so the last bits may differ)."""
        if self._plain is None:
            self._plain = (self.mean.tolist(), self.scale.tolist(), self.weights.tolist())
        mean, scale, weights = self._plain
        total = 0.0
        for i in range(len(weights)):
            total += (row[i] - mean[i]) / scale[i] * weights[i]
        return total


class ShippedModel:
    """A model file of the package, loaded on first use (None when the package ships none);
    ``set`` replaces it (cross-validation: a model not trained on the page)."""

    def __init__(self, path: Path, features: tuple[str, ...]) -> None:
        self.path, self.features = path, features
        self._model: LinearModel | None = None
        self._loaded = False

    def get(self) -> LinearModel | None:
        if not self._loaded:
            self._loaded = True
            self._model = LinearModel.load(self.path, self.features) if self.path.exists() else None
        return self._model

    def set(self, model: LinearModel | None) -> None:
        self._model, self._loaded = model, True

    def reset(self) -> None:
        """Forget a model given by ``set``: the next ``get`` loads the package's file."""
        self._model, self._loaded = None, False


ROOT_MODEL = ShippedModel(MODEL_PATH, FEATURES)
shipped_model, set_model = ROOT_MODEL.get, ROOT_MODEL.set
# training hook: given the candidates' feature rows, the index of the one to take
Picker = Callable[[np.ndarray], int]
_picker: Picker | None = None


def set_picker(picker: Picker | None) -> None:
    """Training only: let ``picker`` choose among the candidates instead of the model."""
    global _picker
    _picker = picker


def enabled() -> bool:
    return shipped_model() is not None


def choose_roots(body: LexborNode, scoring: Scoring, hinted: HintMap, body_chars_at_most: int) -> list[LexborNode]:
    """The content subtrees of a cleaned page, in document order (``[body]`` if nothing scores): the
    rule's winner, or the candidate the model scores highest, expanded. The model is asked only where
    the rule's winner holds under its ``gate`` share of the body's text (on most articles it holds
    most of it: the model's features are not measured there), and, unless it ``ask_hinted``, where the
    winner's class or id does not name it content. ``hinted``: the class/id hints of the page's named
    nodes; ``body_chars_at_most``: a bound on the length of the body's text."""
    rule = scoring.top
    if rule is None:
        return [body]
    model = shipped_model()
    if _picker is None and not _may_ask(model, rule, hinted):
        return expand(body, rule, scoring, body_chars_at_most)
    rule_text = rule.text()  # read once: the gate, the features and the expansion measure it
    if _picker is None and len(rule_text) / max(1, body_chars_at_most) >= model.gate:  # type: ignore[union-attr]
        return expand(body, rule, scoring, body_chars_at_most, len(rule_text))
    tops = candidates(body, scoring)
    x = features(body, tops, scoring, hinted, body_chars_at_most, rule_text)
    if _picker is not None:
        pick = _picker(x)
    else:
        scores = model.scores(x)  # type: ignore[union-attr]
        pick = int(np.argmax(scores))
        if scores[pick] - scores[0] < model.threshold:  # type: ignore[union-attr]
            pick = 0  # the rule's winner stands unless the model clearly prefers another
    return expand(body, tops[pick], scoring, body_chars_at_most, len(rule_text) if pick == 0 else None)


def _may_ask(model: LinearModel | None, rule: LexborNode, hinted: HintMap) -> bool:
    """Whether the shipped root model may be asked (if the rule's winner holds under its ``gate``
    share of the body's text): unless the model ``ask_hinted``, only where the winner's class or id
    does not name it content."""
    return model is not None and (model.ask_hinted or not hinted.get(rule.mem_id, NO_HINT)[1])


def candidates(body: LexborNode, scoring: Scoring) -> list[LexborNode]:
    """The rule's winner first, then the best scored nodes (none in the page's footer, as for the
    rule), the winner's ancestors and the body."""
    assert scoring.top is not None
    out = [scoring.top]
    out += [node for node in map(scoring.nodes.__getitem__, scoring.ranked) if not in_footer(node)]
    node = scoring.top.parent
    for _ in range(PARENT_LEVELS):
        if node is None or node.tag in ("body", "html"):
            break
        out.append(node)
        node = node.parent
    out.append(body)
    seen: set[int] = set()
    unique = []
    for node in out:
        if node.mem_id not in seen:
            seen.add(node.mem_id)
            unique.append(node)
    return unique


def _depth(node: LexborNode) -> int:
    depth = 0
    while node.parent is not None and node.tag not in ("body", "html"):
        depth += 1
        node = node.parent
    return depth


def _ancestor_ids(node: LexborNode) -> set[int]:
    ids = set()
    while node is not None:
        ids.add(node.mem_id)
        node = node.parent  # type: ignore[assignment]
    return ids


def features(body: LexborNode, tops: list[LexborNode], scoring: Scoring, hinted: HintMap,
             body_chars_at_most: int, rule_text: str | None = None) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate (``rule_text``: the rule's winner's text, if read)."""
    rule = tops[0]
    rule_chain = _ancestor_ids(rule)
    whole_text = body.text()  # the body and the rule's winner are candidates too: their texts are read once
    body_text = len(whole_text)
    if rule_text is None:
        rule_text = whole_text if rule.mem_id == body.mem_id else rule.text()
    rule_chars = len(rule_text)
    share_bound = rule_chars / max(1, body_chars_at_most)
    max_score = max(scoring.scores.values())
    max_final = max(scoring.final.values()) if scoring.final else max_score
    ranks = {key: i for i, key in enumerate(scoring.ranked)}
    rows = []
    for node in tops:
        key = node.mem_id
        is_body = key == body.mem_id
        text = whole_text if is_body else rule_text if key == rule.mem_id else node.text()
        chars = len(text)
        density = scoring.links.density(node, text)
        raw = scoring.scores.get(key, 0.0)
        final = scoring.final.get(key, raw * (1.0 - density))
        negative, positive, _ = hinted.get(key, NO_HINT)
        tag = node.tag
        row = [
            1.0, float(key == rule.mem_id), float(is_body), math.log1p(chars), chars / max(1, body_text), density,
            math.log1p(max(0.0, raw)), raw / max_score if max_score > 0 else 0.0,
            final / max_final if max_final > 0 else 0.0, float(ranks.get(key, len(ranks))),
            float(key in rule_chain), float(key != rule.mem_id and _inside(node, rule)),
            math.log1p(_depth(node)), math.log((chars + 1) / (rule_chars + 1)), math.log1p(body_text),
            float(rule.mem_id == body.mem_id), float(positive), float(negative != NONE),
            100.0 * sum(map(text.count, ",，、;；。")) / max(1, chars), float(len(scoring.ranked)),
            *_repeats(node), share_bound, *_h1_paragraphs_items(node),
            *(float(tag == t) for t in _TAGS), float(tag not in _TAGS and not is_body),
        ]
        rows.append(row)
    return np.array(rows, dtype=np.float64)


_P, _LI, _H1 = id_of_tag("p"), id_of_tag("li"), id_of_tag("h1")


def _h1_paragraphs_items(node: LexborNode) -> tuple[float, float, float]:
    """Whether the node holds an ``<h1>``, and how many ``<p>`` and ``<li>`` (log; the node itself
    counts, as in its ``css``): one query for the three."""
    paragraphs = items = h1 = 0
    for found in node.css("p, li, h1"):
        tag_id = found.tag_id
        if tag_id == _P:
            paragraphs += 1
        elif tag_id == _LI:
            items += 1
        else:
            h1 = 1
    return float(h1), math.log1p(paragraphs), math.log1p(items)


def _repeats(node: LexborNode) -> tuple[float, float, float]:
    """How many element children the node has (log), how many share the most common tag and first
    class (log: cards of a listing, posts of a thread), and their share of the children."""
    counts: dict[tuple[str, str], int] = {}
    total = 0
    for child in node.iter():
        total += 1
        key = (child.tag, (child.attributes.get("class") or "").split(" ", 1)[0])
        counts[key] = counts.get(key, 0) + 1
    most = max(counts.values(), default=0)
    return math.log1p(total), math.log1p(most), most / total if total else 0.0


def _inside(node: LexborNode, ancestor: LexborNode) -> bool:
    key = ancestor.mem_id
    parent = node.parent
    while parent is not None:
        if parent.mem_id == key:
            return True
        parent = parent.parent
    return False


# --- blocks -------------------------------------------------------------------------------------

_KINDS = ("paragraph", "heading", "list_item", "quote", "caption", "code", "table")
# words of page furniture, looked for in short blocks (lower case)
_CUES = (
    ("copyright", "©", "all rights reserved", "alle rechte"), ("cookie",), ("subscribe", "newsletter", "sign up",
    "log in", "login", "register", "anmelden"), ("share", "follow us", "tweet", "teilen"), ("privacy", "terms",
    "datenschutz", "impressum"), ("read more", "more", "weiterlesen", "mehr"), ("comment", "reply", "kommentar"),
    ("posted", "published", "updated", "veröffentlicht"), ("related", "you may also like", "recommended"),
    ("advert", "sponsored", "anzeige"), ("|", "»", "›", " / "),
)
CUE_MAX = 300  # longer blocks are not searched for cues
_CUE_COLUMNS = tuple((cue, j) for j, group in enumerate(_CUES) for cue in group)
HEAD = 200  # digit and capital shares are measured on a block's first characters
_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_KIND_INDEX = {k: i for i, k in enumerate(_KINDS)}
_SENTENCE_END = tuple(".!?。！？\"'”")
BLOCK_FEATURES = (
    "bias", *(f"kind_{k}" for k in _KINDS), "log_chars", "link_share", "digit_share", "upper_share",
    "sentence_end", "commas_per_100", "position", "chars_before", "first", "last", "prev_heading",
    "next_heading", "log_prev_chars", "log_next_chars", "log_rel_median", "log_blocks", "log_total_chars",
    *(f"cue_{c[0].strip() or 'sep'}" for c in _CUES), "pruned",
)


@cython.ccall
@cython.locals(i=cython.Py_ssize_t)
def _ends_sentence(text: str) -> cython.bint:
    """``text.rstrip().endswith(_SENTENCE_END)`` without the copies (a C loop over the
    characters in the compiled build; the literal, the characters of ``_SENTENCE_END``, compiles to a switch)."""
    i = len(text) - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    return i >= 0 and text[i] in ".!?。！？\"'”"


BLOCK_MODEL = ShippedModel(BLOCK_MODEL_PATH, BLOCK_FEATURES)
shipped_block_model, set_block_model = BLOCK_MODEL.get, BLOCK_MODEL.set
GATE_FEATURES = (
    "bias", "log_blocks", "log_total_chars", "pruned_blocks", "pruned_chars", "list_item_chars", "heading_blocks",
    "link_chars", "sentence_end_blocks", "log_median_chars", "short_blocks",
)
GATE_MODEL = ShippedModel(GATE_MODEL_PATH, GATE_FEATURES)
shipped_gate_model, set_gate_model = GATE_MODEL.get, GATE_MODEL.set
SHORT_BLOCK = 40  # characters: a card's title or price, a menu entry
# training hook: sees each page's text blocks and their feature rows (then nothing is dropped)
BlockRecorder = Callable[[list[TextNode], np.ndarray], None]
_block_recorder: BlockRecorder | None = None


def set_block_recorder(recorder: BlockRecorder | None) -> None:
    """Training only: hand every page's blocks and features to ``recorder`` instead of filtering."""
    global _block_recorder
    _block_recorder = recorder


def block_features(texts: list[TextNode], link_chars: dict[int, int], kept: set[int]) -> np.ndarray:
    """One row of :data:`BLOCK_FEATURES` per text block, in reading order: what needs the text is
    measured block by block, the rest is computed over all blocks at once."""
    n = len(texts)
    cols = len(BLOCK_FEATURES)
    x = np.zeros((n, cols))
    rows = []  # length, linked, digits, capitals, sentence end, commas, pruned by the rules
    kinds = np.empty(n, dtype=np.int64)
    cue_at = BLOCK_FEATURES.index("log_total_chars") + 1
    for i, node in enumerate(texts):
        text = node.text
        length = len(text)
        head = text[:HEAD].encode("ascii", "ignore")  # bytes.translate deletes in C (str's looks up per character)
        rows.append((
            length, link_chars.get(id(node), 0), len(head) - len(head.translate(None, b"0123456789")),
            len(head) - len(head.translate(None, _UPPER)), _ends_sentence(text),
            text.count(",") + text.count("，") + text.count("、"), id(node) not in kept,
        ))
        kinds[i] = _KIND_INDEX.get(node.kind, -1)
        if length <= CUE_MAX:
            short = text.lower()
            for cue, column in _CUE_COLUMNS:
                if cue in short:
                    x[i, cue_at + column] = 1.0
    per_block = np.array(rows, dtype=np.float64)
    lengths = per_block[:, 0]
    heads = np.minimum(lengths, HEAD)  # shares are of the head's characters, ASCII or not
    total = lengths.sum()
    median = np.sort(lengths)[n // 2]
    log_len = np.log1p(lengths)
    x[:, 0] = 1.0
    known = kinds >= 0
    x[np.flatnonzero(known), 1 + kinds[known]] = 1.0
    c = 1 + len(_KINDS)
    x[:, c] = log_len
    x[:, c + 1] = per_block[:, 1] / lengths
    x[:, c + 2] = per_block[:, 2] / heads
    x[:, c + 3] = per_block[:, 3] / heads
    x[:, c + 4] = per_block[:, 4]
    x[:, c + 5] = np.minimum(20.0, 100.0 * per_block[:, 5] / lengths)
    x[:, c + 6] = np.arange(n) / n
    x[:, c + 7] = (np.cumsum(lengths) - lengths) / total
    x[0, c + 8] = 1.0
    x[n - 1, c + 9] = 1.0
    heading = kinds == _KIND_INDEX["heading"]
    x[1:, c + 10] = heading[:-1]
    x[:-1, c + 11] = heading[1:]
    x[1:, c + 12] = log_len[:-1]
    x[:-1, c + 13] = log_len[1:]
    x[:, c + 14] = np.log((lengths + 1) / (median + 1))
    x[:, c + 15] = math.log1p(n)
    x[:, c + 16] = math.log1p(total)
    x[:, BLOCK_FEATURES.index("pruned")] = per_block[:, 6]
    return x


def page_features(
    lengths: list[float], linked: list[float], pruned: list[bool], list_item: list[bool], heading: list[bool],
    sentence_end: list[bool],
) -> np.ndarray:
    """One row of :data:`GATE_FEATURES` for a page, from its text blocks' lengths, linked characters
    and flags (pruned by the rules, a list item, a heading, ending a sentence), one or more blocks.
    Shares are of blocks or of characters, as named."""
    return np.array([_gate_row(
        lengths, sum(linked), sum(pruned), sum(length for length, flag in zip(lengths, pruned) if flag),
        sum(length for length, flag in zip(lengths, list_item) if flag), sum(heading), sum(sentence_end),
    )])


def _gate_row(lengths: list[float], linked: float, pruned: int, pruned_chars: float, list_item_chars: float,
              headings: int, ends: int) -> list[float]:
    """:func:`page_features`' row from the blocks' lengths and the sums over them. Cheap: the gate is
    asked on every page, the block model only where it opens; on a page's few hundred numbers plain
    Python sums beat numpy's per-call cost (the sums are of whole numbers: exact in any order)."""
    n = len(lengths)
    total = max(1.0, float(sum(lengths)))
    ordered = sorted(lengths)
    half = n // 2
    median = ordered[half] if n % 2 else (ordered[half - 1] + ordered[half]) / 2  # as np.median
    short = 0
    for length in ordered:  # sorted: the short ones come first
        if length >= SHORT_BLOCK:
            break
        short += 1
    return [
        1.0, math.log1p(n), math.log1p(total), pruned / n, pruned_chars / total, list_item_chars / total,
        headings / n, linked / total, ends / n, float(np.log1p(float(median))), short / n,
    ]  # numpy's log1p of the median, as training's: libm's differs in the last bit on some numbers


def page_features_of_blocks(x: np.ndarray) -> np.ndarray:
    """:func:`page_features` from the page's rows of :func:`block_features` (training)."""
    col = BLOCK_FEATURES.index
    lengths = np.rint(np.expm1(x[:, col("log_chars")]))
    return page_features(
        lengths.tolist(), np.rint(x[:, col("link_share")] * lengths).tolist(), (x[:, col("pruned")] > 0).tolist(),
        (x[:, col("kind_list_item")] > 0).tolist(), (x[:, col("kind_heading")] > 0).tolist(),
        (x[:, col("sentence_end")] > 0).tolist(),
    )


def gate_features(texts: list[TextNode], link_chars: dict[int, int], kept: set[int]) -> np.ndarray:
    """:func:`page_features` of a page's text blocks (``kept``: ids of those the rules kept), in one pass."""
    return np.array([_gate_values(texts, link_chars, kept)])


@cython.locals(text=str, length=cython.Py_ssize_t, linked=cython.Py_ssize_t, pruned=cython.Py_ssize_t,
               pruned_chars=cython.Py_ssize_t, item_chars=cython.Py_ssize_t, headings=cython.Py_ssize_t,
               ends=cython.Py_ssize_t)
def _gate_values(texts: list[TextNode], link_chars: dict[int, int], kept: set[int]) -> list[float]:
    """:func:`gate_features`' row as a list."""
    lengths = []
    linked = pruned = pruned_chars = item_chars = headings = ends = 0
    for t in texts:
        text, kind, key = t.text, t.kind, id(t)
        length = len(text)
        lengths.append(length)
        links = link_chars.get(key)
        if links:
            linked += links if links < length else length
        if key not in kept:
            pruned += 1
            pruned_chars += length
        if kind == "list_item":
            item_chars += length
        elif kind == "heading":
            headings += 1
        ends += _ends_sentence(text)
    return _gate_row(lengths, linked, pruned, pruned_chars, item_chars, headings, ends)


def gate_open(texts: list[TextNode], link_chars: dict[int, int], kept: set[int]) -> bool:
    """Whether the block model's choice stands on this page (always, without a gate model)."""
    gate = shipped_gate_model()
    return gate is None or gate.score(_gate_values(texts, link_chars, kept)) >= gate.threshold


def filter_blocks(blocks: Blocks, kept: list[Node]) -> list[Node]:
    """The nodes to emit, given what the walk saw (``blocks``) and what the rules' pruning kept:
    with a block model whose gate opens on the page, each text block the walk saw (pruned or not; the
    rules' verdict is one of its features) is kept when it scores at least the model's threshold,
    and images as the rules decided; otherwise the rules' ``kept``."""
    model = shipped_block_model()
    if model is None and _block_recorder is None:
        return kept
    texts = [n for n in blocks.nodes if type(n) is TextNode]
    if not texts:
        return kept
    kept_ids = {id(n) for n in kept}
    if _block_recorder is not None:
        _block_recorder(texts, block_features(texts, blocks.link_chars, kept_ids))
        return kept
    if model is None or len(texts) < 2 or not gate_open(texts, blocks.link_chars, kept_ids):
        return kept
    keep = model.scores(block_features(texts, blocks.link_chars, kept_ids)) >= model.threshold
    if not keep.any():
        return kept
    chosen = {id(t) for t, k in zip(texts, keep) if k}
    return [n for n in blocks.nodes if id(n) in chosen or (type(n) is not TextNode and id(n) in kept_ids)]


# --- tail -----------------------------------------------------------------------------------------

TAIL_MAX = 20  # the cuts tried drop the last 1 ... TAIL_MAX kept text blocks
TAIL_MIN_BLOCKS = 3  # pages with fewer kept text blocks are left whole
TAIL_FEATURES = (
    "bias", "tail_share", "log_tail_chars", "tail_link_share", "tail_sentence_end", "tail_heading_share",
    "tail_list_item_share", "first_heading", "first_cue", "first_related", "tail_cue_share", "first_link_share",
    "log_cut", "cut_share", "log_tail_mean_rel", "head_link_share", "last_kept_sentence_end", "log_total_chars",
)
TAIL_MODEL_PATH = Path(__file__).with_name("data") / "tail_model.npz"
TAIL_MODEL = ShippedModel(TAIL_MODEL_PATH, TAIL_FEATURES)
shipped_tail_model, set_tail_model = TAIL_MODEL.get, TAIL_MODEL.set
_RELATED_CUES = next(group for group in _CUES if "related" in group)
_CUE_WORDS = ahocorasick.Automaton()  # every furniture cue -> whether it is a "related" one
for _cue, _ in _CUE_COLUMNS:
    _CUE_WORDS.add_word(_cue, _cue in _RELATED_CUES)
_CUE_WORDS.make_automaton()
TAIL_BLOCK = ("chars", "linked", "heading", "list_item", "sentence_end", "cue", "related")  # tail_features' block columns


def tail_features(blocks: np.ndarray, total: float, total_linked: float, n: int) -> np.ndarray:
    """One row of :data:`TAIL_FEATURES` per cut of the ``n`` kept text blocks (row ``c - 1`` drops the
    last ``c``): what the dropped tail holds (share of the text, links, sentence ends, headings, list
    items, furniture cue words, its first block) against what stays. ``blocks`` has one row of
    :data:`TAIL_BLOCK` for each of the last :data:`TAIL_MAX` + 1 blocks (all a cut reads); ``total``
    and ``total_linked`` are the characters and linked characters of all ``n``."""
    w = len(blocks)
    cuts = np.arange(1, min(TAIL_MAX, n - 1) + 1, dtype=np.float64)
    k = len(cuts)
    total = max(1.0, total)
    tail = np.cumsum(blocks[::-1], axis=0)[:k]  # sums over the dropped blocks, per cut
    first = blocks[w - k:][::-1]  # the first dropped block, per cut
    before = blocks[w - k - 1:w - 1][::-1, 4]  # whether the block before it ends a sentence
    chars, linked = tail[:, 0], tail[:, 1]
    head_chars = np.maximum(1.0, total - chars)
    x = np.empty((k, len(TAIL_FEATURES)))
    x[:, 0] = 1.0
    x[:, 1] = chars / total
    x[:, 2] = np.log1p(chars)
    x[:, 3] = linked / np.maximum(1.0, chars)
    x[:, 4:7] = tail[:, [4, 2, 3]] / cuts[:, None]  # sentence ends, headings, list items
    x[:, 7:10] = first[:, [2, 5, 6]]  # heading, cue, related
    x[:, 10] = tail[:, 5] / cuts
    x[:, 11] = first[:, 1] / np.maximum(1.0, first[:, 0])
    x[:, 12] = np.log(cuts)
    x[:, 13] = cuts / n
    x[:, 14] = np.log((chars / cuts + 1.0) / (head_chars / (n - cuts) + 1.0))
    x[:, 15] = (total_linked - linked) / head_chars
    x[:, 16] = before
    x[:, 17] = math.log1p(total)
    return x


def tail_features_of_blocks(x: np.ndarray) -> np.ndarray:
    """:func:`tail_features` from the kept blocks' rows of :func:`block_features` (training)."""
    col = BLOCK_FEATURES.index
    lengths = np.rint(np.expm1(x[:, col("log_chars")]))
    linked = np.rint(x[:, col("link_share")] * lengths)
    cues = [i for i, name in enumerate(BLOCK_FEATURES) if name.startswith("cue_")]
    blocks = np.column_stack([
        lengths, linked, x[:, col("kind_heading")] > 0, x[:, col("kind_list_item")] > 0, x[:, col("sentence_end")] > 0,
        x[:, cues].any(axis=1), x[:, col("cue_related")] > 0,
    ]).astype(np.float64)
    return tail_features(blocks[-(TAIL_MAX + 1):], float(lengths.sum()), float(linked.sum()), len(x))


def tail_boundaries(x: np.ndarray) -> np.ndarray:
    """Which cuts of :func:`tail_features` rows start a section of their own: at a heading, a block
    with a furniture cue word or one that is half links (a cut elsewhere splits the article)."""
    col = TAIL_FEATURES.index
    return (x[:, col("first_heading")] > 0) | (x[:, col("first_cue")] > 0) | (x[:, col("first_link_share")] >= 0.5)


def _tail_cues(text: str) -> tuple[bool, bool]:
    """Whether a short block holds a furniture cue word, and a "related" one (one automaton pass)."""
    if len(text) > CUE_MAX:
        return False, False
    cue = False
    for _, related in _CUE_WORDS.iter(text.lower()):
        if related:
            return True, True
        cue = True
    return cue, False


def _tail_blocks(texts: list[TextNode], link_chars: dict[int, int]) -> list[tuple[int, int, bool, bool, bool, bool, bool]]:
    """The rows of :data:`TAIL_BLOCK` of the last :data:`TAIL_MAX` + 1 kept text blocks."""
    rows = []
    for t in texts[-(TAIL_MAX + 1):]:
        text, kind = t.text, t.kind
        rows.append((len(text), link_chars.get(id(t), 0), kind == "heading", kind == "list_item",
                     _ends_sentence(text), *_tail_cues(text)))
    return rows


def tail_features_of_texts(texts: list[TextNode], link_chars: dict[int, int]) -> np.ndarray:
    """:func:`tail_features` of the kept text blocks (what :func:`_best_cut` scores, as training sees it)."""
    total = total_linked = 0
    for t in texts:
        total += len(t.text)
        total_linked += link_chars.get(id(t), 0)
    blocks = np.array(_tail_blocks(texts, link_chars), dtype=np.float64)
    return tail_features(blocks, float(total), float(total_linked), len(texts))


_linear: tuple[LinearModel, list[float], float] | None = None  # a model as coefficients on raw features


def _coefficients(model: LinearModel) -> tuple[list[float], float]:
    """``model.scores`` as coefficients and an intercept on the raw features (kept for the last model)."""
    global _linear
    if _linear is None or _linear[0] is not model:
        coef = model.weights / model.scale
        _linear = (model, coef.tolist(), float(-(model.mean * coef).sum()))
    return _linear[1], _linear[2]


@cython.locals(w=cython.Py_ssize_t, c=cython.Py_ssize_t, i=cython.Py_ssize_t, chars=cython.Py_ssize_t,
               linked=cython.Py_ssize_t, ends=cython.Py_ssize_t, headings=cython.Py_ssize_t, items=cython.Py_ssize_t,
               cues=cython.Py_ssize_t, length=cython.Py_ssize_t, link=cython.Py_ssize_t, log_total=cython.double,
               head_chars=cython.double, score=cython.double, best=cython.double, products=cython.double,
               x=tuple, coef=list)
def _best_cut(rows: list[tuple[int, int, bool, bool, bool, bool, bool]], total: float, total_linked: float, n: int,
              model: LinearModel) -> tuple[float, int]:
    """The best score of the cuts that start a section, and how many blocks it drops (0: none): the
    rows of :func:`tail_features` that :func:`tail_boundaries` keeps, scored one by one (a page has
    a few such cuts; this is the run-time twin of those two functions, tested equal)."""
    coef, intercept = _coefficients(model)
    total = max(1.0, total)
    log_total = math.log1p(total)
    w = len(rows)
    chars = linked = ends = headings = items = cues = 0
    best, best_cut = -math.inf, 0
    for c in range(1, min(TAIL_MAX, n - 1) + 1):
        length, link, heading, item, end, cue, related = rows[w - c]
        chars += length
        linked += link
        ends += end
        headings += heading
        items += item
        cues += cue
        if not (heading or cue or 2 * link >= max(1, length)):
            continue
        head_chars = max(1.0, total - chars)
        x = (
            1.0, chars / total, math.log1p(chars), linked / max(1, chars), ends / c, headings / c, items / c,
            heading, cue, related, cues / c, link / max(1, length), math.log(c), c / n,
            math.log((chars / c + 1.0) / (head_chars / (n - c) + 1.0)), (total_linked - linked) / head_chars,
            rows[w - c - 1][4], log_total,
        )
        products = 0.0
        for i in range(len(x)):  # the products summed in order, as sum(map(mul, coef, x)) would
            products += coef[i] * x[i]
        score = intercept + products
        if score > best:
            best, best_cut = score, c
    return best, best_cut


def trim_tail(nodes: list[Node], link_chars: dict[int, int]) -> list[Node]:
    """The nodes less a trailing run of kept text blocks (with the images among and after them) that the tail
    model scores as boilerplate (a "related stories" list, a newsletter box, a site's notice after the
    article): the best scored cut, when it scores at least the model's threshold."""
    model = shipped_tail_model()
    if model is None:
        return nodes
    texts = [n for n in nodes if type(n) is TextNode]
    if len(texts) < TAIL_MIN_BLOCKS:
        return nodes
    total = total_linked = 0
    for t in texts:
        total += len(t.text)
        total_linked += link_chars.get(id(t), 0)
    score, cut = _best_cut(_tail_blocks(texts, link_chars), total, total_linked, len(texts), model)
    if cut == 0 or score < model.threshold:
        return nodes
    first = texts[len(texts) - cut]  # the first text block dropped
    return nodes[:next(i for i, n in enumerate(nodes) if n is first)]
