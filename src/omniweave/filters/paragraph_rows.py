"""The per-node loops of the paragraph steps (which rows a step judges, which neighbours the
OmniCorpus chain removes or merges), kept apart from the steps' pydantic models so that they are
compiled (setup.py's ``COMPILED``): they run over every node of every document."""

from __future__ import annotations

from omniweave.document import ImageNode, Node, TextNode
from omniweave.text.words import ends_sentence

FRAGMENT_ENDS = (",", ";", ":", "-", "–", "，", "；", "：", "、")


def is_image_caption(nodes: list[Node], i: int) -> bool:
    """True when ``nodes[i]`` is a caption node next to an image."""
    node = nodes[i]
    if not isinstance(node, TextNode) or node.kind != "caption":
        return False
    return (i > 0 and isinstance(nodes[i - 1], ImageNode)) or (i + 1 < len(nodes) and isinstance(nodes[i + 1], ImageNode))


def judged_rows(nodes: list[Node], kinds: frozenset[str]) -> list[int]:
    """The indices of the text nodes of ``kinds`` a paragraph step judges (image captions never)."""
    rows = [i for i, n in enumerate(nodes) if isinstance(n, TextNode) and n.kind in kinds]
    return [i for i in rows if not is_image_caption(nodes, i)] if "caption" in kinds else rows


def without_rows(nodes: list[Node], rows: list[int]) -> list[Node]:
    """``nodes`` less those at ``rows``."""
    gone = set(rows)
    return [n for i, n in enumerate(nodes) if i not in gone]


def heading_only_rows(nodes: list[Node], run_limit: int | None, kinds: frozenset[str]) -> list[int]:
    """The judged headings (ascending) of each run of headings that ends the document or is at
    least ``run_limit`` long (None: only runs that end the document)."""
    drop: list[int] = []
    n = len(nodes)
    i = 0
    while i < n:
        j = i
        while j < n and isinstance(nodes[j], TextNode) and nodes[j].kind == "heading":
            j += 1
        if j > i and (j == n or (run_limit is not None and j - i >= run_limit)) and "heading" in kinds:
            drop.extend(range(i, j))  # (a heading is never an image caption)
        i = max(j, i + 1)
    return drop


def is_fragment(node: TextNode, following: str, limit: int) -> bool:
    """A paragraph of at most ``limit`` words that does not end a sentence and either ends in
    ``, ; : -`` or is followed by text starting in lower case."""
    if node.analysis.word_count > limit:
        return False
    text, following = node.text.strip(), following.strip()
    if not text or not following or ends_sentence(text):
        return False
    return text.endswith(FRAGMENT_ENDS) or following[0].islower()


def merge_fragments(nodes: list[Node], limit: int) -> tuple[list[Node], int]:
    """``nodes`` with each fragment paragraph (:func:`is_fragment`) joined to the paragraph after
    it (a merged paragraph may take the next fragment too), and how many joins were made."""
    out = list(nodes)
    merges = 0
    i = 0
    while i + 1 < len(out):
        node, nxt = out[i], out[i + 1]
        if (isinstance(node, TextNode) and node.kind == "paragraph" and isinstance(nxt, TextNode)
                and nxt.kind == "paragraph" and is_fragment(node, nxt.text, limit)):
            sep = "" if node.analysis.mostly_cjk else " "
            out[i:i + 2] = [TextNode(node.text.strip() + sep + nxt.text.strip(), "paragraph")]
            merges += 1
        else:
            i += 1
    return out, merges


def unjudged(nodes: list[Node], rows: list[int], judged: dict) -> list[Node]:
    """The nodes at ``rows`` whose id is not a key of ``judged``."""
    return [nodes[i] for i in rows if id(nodes[i]) not in judged]


def fired(nodes: list[Node], rows: list[int], judged: dict, batch: int) -> list[tuple[int, str]]:
    """(row, rule) for each node at ``rows`` that a rule of ``batch`` fired on (``judged``: id ->
    (node, the hit of each batch))."""
    out = []
    for i in rows:
        hit = judged[id(nodes[i])][1][batch]
        if hit:
            out.append((i, hit))
    return out
