"""Lists whose items are the content (a listing's cards, a shop category, a collection of links with
blurbs, a column of linked titles): link-heavy containers and all-link lines that the rules' pruning
drops as navigation, given back where a model scores them as the page's items.

The rules drop every container of the chosen content whose text is mostly link text (a menu, a
"related" list) and every short all-link line (:func:`~omniweave.extract.walk.prune`); on a listing
that is the content itself. The dropped containers (the outermost of nested ones) and the lines
outside them are grouped as siblings: by the smallest container holding them (the cards of a grid,
whatever their shape: a badge, a picture or not; the rows of a column of titles; the boxes of a
menu; a line alone, a pager's "Older posts »", is none). Each group is described by what giving it
back adds (its share of the text, link text, blocks and their length, sentence ends, headings, list
items, pictures, text outside links per block, how many members, and that count times its share of
the text: many members holding much of the page are a listing's items, one box or a few holding as
much are a menu or a sidebar), where it stands against what the page keeps, and the page's own
figures (the share of CJK characters among its first ones). A linear model (``items_model.npz``,
trained by tools/train_items.py with folds by site) gives a group back where it scores at least the
model's threshold. Cheap: sums over the walk's blocks, asked on pages that drop such a container.
Without the model file the rules' pruning stands.

Pages whose first text is more than :data:`CJK_MAX` CJK characters are left to the rules: a link of
four characters there is a phrase, not a word, the shared pages hold no CJK listing to learn from,
and out of fold the lists given back there (Chinese articles' "related" boxes) cost the Chinese
pages more than the model gained elsewhere; without them the model's threshold is set by the pages
it can judge. Tried, no gain out of fold: grouping by template (as many text blocks and pictures:
a grid's cards split by their badges) alone or joined with the grouping by parent; as features a
member's mean text, the spread of the members' text, pictures per member, the share of members
that are lines, the log of the group's share of the text; dropping the text most members repeat
("Add to cart", "Price": half of it is in the main text); weighing each WCXB page type alike, or
a page type's loss apart, in the threshold's choice. Class/id words of a group's container naming
items or navigation, its tag, its share of its parent's text, its depth and its blocks carrying
text beyond their links were tried as features earlier: no gain out of fold.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from omniweave.document import Node, TextNode
from omniweave.extract.learned import _SENTENCE_END, ShippedModel
from omniweave.extract.walk import Blocks, is_link_heavy

ITEMS_MODEL_PATH = Path(__file__).with_name("data") / "items_model.npz"
# UTF-8 lead bytes of U+3000-U+DFFF (CJK punctuation, kana, ideographs, hangul): CJK characters counted in C
_NOT_CJK_LEAD = bytes(b for b in range(256) if not 0xE3 <= b <= 0xED)
CJK_SAMPLE = 2000  # the share of CJK characters is measured on the walk's first characters
CJK_MAX = 0.1  # ... and above this share no list is given back (any cut from 0.03 to 0.3 did the same)
ITEMS_FEATURES = (
    "bias", "log_chars", "share", "dropped_share", "link_share", "log_blocks", "log_mean_chars", "sentence_end",
    "heading", "list_item", "log_images", "log_unlinked_per_block", "position", "kept_before", "kept_share",
    "kept_sentence_end", "log_kept_chars", "log_groups", "root_share", "log_members", "log_vs_kept", "cjk_share",
    "members_by_share",
)
ITEMS_MODEL = ShippedModel(ITEMS_MODEL_PATH, ITEMS_FEATURES)
shipped_items_model, set_items_model = ITEMS_MODEL.get, ITEMS_MODEL.set
Group = list[tuple[int, int]]  # positions (start, end) in the walk's nodes of a group's members
# training hook: sees the walk's blocks, the nodes the rules keep, the dropped groups and their
# feature rows; then nothing is given back
Recorder = Callable[[Blocks, list[Node], list[Group], np.ndarray], None]
_recorder: Recorder | None = None


def set_recorder(recorder: Recorder | None) -> None:
    """Training only: hand every page's dropped groups and their features to ``recorder``."""
    global _recorder
    _recorder = recorder


def heavy_containers(blocks: Blocks) -> list[tuple[int, int]]:
    """Positions (start, end) of the link-heavy containers (as :func:`~omniweave.extract.walk.prune`
    judges them) that hold text, less than half of the walk's, in order of their start."""
    total = blocks.chars
    return sorted(
        (start, end) for start, end, chars, links, _, texts, is_root in blocks.containers
        if texts and links and is_link_heavy(chars, links, is_root, total)  # most hold no link: no call
    )


def parents(blocks: Blocks, lines: list[int], first: int) -> dict[tuple[int, int], tuple[int, int]]:
    """The smallest container strictly holding each container and each of the ``lines`` (positions,
    in order; as (i, i + 1)), as intervals (start, end); missing: none, or a container ending at or
    before ``first`` (it holds nothing at or after it). One pass over the walk's containers, which
    it lists as they close (ends in order, each after those it holds)."""
    out: dict[tuple[int, int], tuple[int, int]] = {}
    stack: list[tuple[int, int]] = []  # intervals awaiting their parent, in order, disjoint
    j, n = 0, len(lines)
    for container in blocks.containers:
        end = container[1]
        if end <= first:
            continue
        start = container[0]
        while j < n and lines[j] < end:
            stack.append((lines[j], lines[j] + 1))
            j += 1
        while stack and stack[-1][0] >= start:
            inner = stack.pop()
            if inner != (start, end):  # one of the same interval: the same nodes
                out[inner] = (start, end)
        stack.append((start, end))
    return out


def dropped_groups(blocks: Blocks, kept_ids: set[int], heavy: list[tuple[int, int]]) -> list[Group]:
    """The link-heavy containers (``heavy``: :func:`heavy_containers`, the outermost of nested
    ones) and the short all-link lines outside them holding text the rules dropped, grouped as
    siblings (by the smallest container holding them: the cards of a grid, badges or not; the rows
    of a column of titles; a line alone is none), in reading order of their first member."""
    nodes = blocks.nodes
    members: list[tuple[int, int]] = []
    last_end = -1
    for start, end in heavy:
        if start < last_end:  # sorted by start: one inside the last outer one starts before its end
            continue
        last_end = end
        members.append((start, end))
    covered = bytearray(len(nodes))
    for start, end in members:
        covered[start:end] = b"\x01" * (end - start)
    lines = sorted(i for i in blocks.link_lines if not covered[i])
    members += [(i, i + 1) for i in lines]
    if not members:
        return []
    parent = parents(blocks, lines, min(members)[0])
    by_parent: dict[tuple[int, int], Group] = {}
    for start, end in sorted(members):
        if any(type(n) is TextNode and id(n) not in kept_ids for n in nodes[start:end]):
            by_parent.setdefault(parent.get((start, end), (-1, -1)), []).append((start, end))
    alone = {(i, i + 1) for i in lines}  # a lone line is no list ("« Previous | Next »")
    return sorted((g for g in by_parent.values() if len(g) > 1 or g[0] not in alone), key=lambda group: group[0][0])


def cjk_share(blocks: Blocks) -> float:
    """The share of CJK characters among the walk's first :data:`CJK_SAMPLE` characters of text."""
    sample: list[str] = []
    sampled = 0
    for node in blocks.nodes:
        if sampled >= CJK_SAMPLE:
            break
        if type(node) is TextNode:
            sample.append(node.text)
            sampled += len(node.text)
    text = "".join(sample)[:CJK_SAMPLE]
    return 0.0 if text.isascii() else len(text.encode("utf-8", "ignore").translate(None, _NOT_CJK_LEAD)) / len(text)


def items_features(blocks: Blocks, kept: list[Node], kept_ids: set[int], groups: list[Group],
                   body_chars_at_most: int, cjk: float) -> np.ndarray:
    """One row of :data:`ITEMS_FEATURES` per dropped group, of the nodes in it that the rules dropped
    (``kept``: the nodes the rules keep, ``kept_ids`` their ids; ``cjk``: :func:`cjk_share`)."""
    nodes, link_chars = blocks.nodes, blocks.link_chars
    total = max(1, blocks.chars)
    kept_texts = [n.text for n in kept if type(n) is TextNode]
    kept_chars = sum(map(len, kept_texts))
    kept_ends = sum([t.rstrip().endswith(_SENTENCE_END) for t in kept_texts])
    kept_before: dict[int, int] = {}  # kept text characters before each group's first member
    so_far = 0
    starts = sorted({group[0][0] for group in groups})
    position = 0
    for start in starts:
        for node in nodes[position:start]:
            if type(node) is TextNode and id(node) in kept_ids:
                so_far += len(node.text)
        kept_before[start], position = so_far, start
    dropped_total = max(1, total - kept_chars)
    rows = []
    for group in groups:
        chars = linked = texts = ends = headings = items = images = 0
        for start, end in group:  # what giving it back adds: the nodes the rules dropped
            for node in nodes[start:end]:
                if id(node) in kept_ids:
                    continue
                if type(node) is not TextNode:
                    images += 1
                    continue
                length = len(node.text)
                chars += length
                linked += min(length, link_chars.get(id(node), 0))
                texts += 1
                ends += node.text.rstrip().endswith(_SENTENCE_END)
                headings += node.kind == "heading"
                items += node.kind == "list_item"
        texts = max(1, texts)
        start = group[0][0]
        rows.append([
            1.0, math.log1p(chars), chars / total, chars / dropped_total, linked / max(1, chars), math.log1p(texts),
            math.log1p(chars / texts), ends / texts, headings / texts, items / texts, math.log1p(images),
            math.log1p((chars - linked) / texts), start / max(1, len(nodes)), kept_before[start] / max(1, kept_chars),
            kept_chars / total, kept_ends / max(1, len(kept_texts)), math.log1p(kept_chars), math.log1p(len(groups)),
            blocks.chars / max(1, body_chars_at_most), math.log(len(group)), math.log((chars + 1) / (kept_chars + 1)),
            cjk, math.log(len(group)) * chars / total,
        ])
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(ITEMS_FEATURES))


def restore_items(blocks: Blocks, kept: list[Node], body_chars_at_most: int) -> list[Node]:
    """``kept`` (the nodes the rules keep, in reading order) with the dropped groups the model scores
    at least its threshold given back in place (every node their members hold)."""
    model = shipped_items_model()
    if model is None and _recorder is None:
        return kept
    heavy = heavy_containers(blocks)
    if not heavy:  # nothing the rules could have dropped as a link list
        return kept
    cjk = cjk_share(blocks)
    if cjk > CJK_MAX:
        return kept
    kept_ids = {id(n) for n in kept}
    groups = dropped_groups(blocks, kept_ids, heavy)
    if not groups:
        return kept
    x = items_features(blocks, kept, kept_ids, groups, body_chars_at_most, cjk)
    if _recorder is not None:
        _recorder(blocks, kept, groups, x)
        return kept
    back = [g for g, score in zip(groups, model.scores(x)) if score >= model.threshold]  # type: ignore[union-attr]
    if not back:
        return kept
    nodes = blocks.nodes
    for group in back:
        for start, end in group:
            kept_ids.update(id(n) for n in nodes[start:end])
    return [n for n in nodes if id(n) in kept_ids]
