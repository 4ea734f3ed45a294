"""The OmniCorpus paragraph chain as one step: its 21 named rules in the released order, repeated
until the document no longer changes (at most ``max_rounds``, 3 as released).

Removals are counted per rule (``removed_paragraphs:<rule>``), merges as
``merged_paragraphs:merge_short``, and each document's rounds as ``rounds:<n>``. The rules
themselves are in :mod:`omniweave.filters.omnicorpus_rules`. Two rules look at neighbours:

- ``heading_only``: a run of ``heading_run`` headings with nothing between them, or headings that
  end the document (a heading with no text under it);
- ``merge_short``: a paragraph of at most ``merge_max_words`` words that does not end a sentence
  and either ends in ``, ; : -`` or is followed by a paragraph starting in lower case is joined to
  that paragraph (a fragment, not boilerplate), before ``too_short`` would remove it.

The other rules see one paragraph at a time, so they are evaluated over many paragraphs at once:
the paragraphs not judged before (those of ``AHEAD`` documents when the step runs, then those
merge_short makes) become one :class:`~omniweave.filters.omnicorpus_rules.Paras`, and each run of
consecutive such rules (a batch) gives every paragraph its first firing rule; a paragraph keeps
its answers across rounds.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
from pydantic import Field

from omniweave import counters
from omniweave.document import Document, Node, TextNode
from omniweave.filters.omnicorpus_rules import NODE_RULES, ORDER, SHORT_ONLY, Paras, Rule, RuleParams
from omniweave.filters.paragraphs_base import ParagraphParams, ParagraphStep, is_image_caption
from omniweave.pipeline.step import StepParams
from omniweave.text.words import ends_sentence

if TYPE_CHECKING:
    from omniweave.pipeline.context import TaskContext

RuleName = Literal[
    "download_link", "source_reference", "uppercase", "numeric", "social_counter", "one_word", "call_to_action",
    "flagged_words", "comment_marker", "header_footer", "heading_only", "readme", "bare_url", "image_caption",
    "advertisement", "merge_short", "too_short", "aberrant", "citation", "social_handle", "phone_author_time",
]
assert list(get_args(RuleName)) == ORDER
Plan = list[tuple[str, Rule, float]]  # a batch of node rules: each with the most words it judges (inf: any)
# id(node) -> (the node, kept alive so that its id stays its own; the hit of each batch)
Judged = dict[int, tuple[Node, tuple[str | None, ...]]]
AHEAD = 8  # documents whose nodes are judged together (see OmnicorpusParagraphs.prepare; 8, 16, 32: the same CPU)
FRAGMENT_ENDS = (",", ";", ":", "-", "–", "，", "；", "：", "、")


class CountsEvents(ParagraphStep):
    """A paragraph step that also counts what it changed without removing (``self.events``)."""

    def __init__(self, params: StepParams | None = None, label: str | None = None) -> None:
        super().__init__(params, label)
        self.events: Counter[str] = Counter()

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        self.events = ctx.counts(self.label)
        yield from super().run(docs, ctx)


class OmnicorpusParagraphsParams(ParagraphParams, RuleParams):
    rules: list[RuleName] | None = Field(None, description="rules to apply (None: all); the order is always released")
    max_rounds: int = Field(3, ge=1, le=10, description="repeat the chain until stable, at most this often")


class OmnicorpusParagraphs(CountsEvents):
    """OmniCorpus's human-feedback paragraph rules, each counted on its own."""

    name = "omnicorpus_paragraphs"
    Params = OmnicorpusParagraphsParams
    ahead = AHEAD

    def __init__(self, params: StepParams | None = None, label: str | None = None) -> None:
        super().__init__(params, label)
        self._ahead: Judged = {}  # the nodes of the documents being run, judged ahead (see prepare)

    def prepare(self, docs: list[Document]) -> None:
        """Judge together (per language) the nodes each document would judge first, so that each
        rule's numpy, pattern and segmenter calls serve many documents (a node rule sees one node:
        same answers)."""
        self._ahead = self._judge_ahead(docs)

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        try:
            yield from super().run(docs, ctx)
        finally:
            self._ahead = {}

    def _judge_ahead(self, docs: list[Document]) -> Judged:
        by_lang: defaultdict[str, list[Node]] = defaultdict(list)
        for doc in docs:
            by_lang[doc.language or "en"] += [doc.nodes[i] for i in self._eligible_rows(doc.nodes)]
        judged: Judged = {}
        for lang, nodes in by_lang.items():
            if nodes:
                judged.update(zip(map(id, nodes), zip(nodes, self._judge(nodes, lang), strict=True), strict=True))
        return judged

    def clean(self, doc: Document) -> list[tuple[str, str]]:
        p: OmnicorpusParagraphsParams = self.params  # type: ignore[assignment]
        removed: list[tuple[str, str]] = []
        judged: Judged = self._ahead or {}  # nodes judged ahead, and those judged here
        rounds = 0
        for rounds in range(1, p.max_rounds + 1):  # noqa: B007 (counted after the loop)
            if not self._round(doc, removed, judged):
                break
        self.events[counters.rounds(rounds)] += 1
        return removed

    @cached_property
    def _chain(self) -> list[str | Plan]:
        """The active rules in order, each run of consecutive node rules as one batch (a :data:`Plan`):
        a node goes by the first rule of a batch that fires."""
        p: OmnicorpusParagraphsParams = self.params  # type: ignore[assignment]
        out: list[str | Plan] = []
        for rule in ORDER:
            if p.rules is not None and rule not in p.rules:
                continue
            if rule not in NODE_RULES:
                out.append(rule)
                continue
            if not out or isinstance(out[-1], str):
                out.append([])
            field = SHORT_ONLY.get(rule)
            limit = getattr(p, field) if field else math.inf
            if limit is not None:  # a null limit switches the rule off
                out[-1].append((rule, NODE_RULES[rule], limit))  # type: ignore[union-attr]
        return out

    @cached_property
    def _kinds(self) -> frozenset[str]:
        return frozenset(self.params.kinds)

    def _eligible(self, nodes: list[Node], i: int) -> bool:
        node = nodes[i]
        return isinstance(node, TextNode) and node.kind in self._kinds and not is_image_caption(nodes, i)

    def _eligible_rows(self, nodes: list[Node]) -> list[int]:
        """The indices of the nodes the rules judge (the caption test only where captions are judged)."""
        kinds = self._kinds
        rows = [i for i, n in enumerate(nodes) if isinstance(n, TextNode) and n.kind in kinds]
        return [i for i in rows if not is_image_caption(nodes, i)] if "caption" in kinds else rows

    def _round(self, doc: Document, removed: list[tuple[str, str]], judged: Judged) -> bool:
        """One pass of the chain over ``doc``; True when it changed something. ``judged`` keeps each
        node's hit per batch across rounds (node rules see no neighbours)."""
        changed = False
        batch = 0
        for step in self._chain:
            if step == "heading_only":
                changed |= self._heading_only(doc, removed)
            elif step == "merge_short":
                changed |= self._merge_short(doc)
            else:
                changed |= self._node_rules(doc, batch, removed, judged)
                batch += 1
        return changed

    def _node_rules(self, doc: Document, batch: int, removed: list[tuple[str, str]], judged: Judged) -> bool:
        """Remove the eligible nodes a rule of ``batch`` fires on (nodes not seen before are judged
        by every batch at once)."""
        nodes = doc.nodes
        eligible = self._eligible_rows(nodes)
        new = [nodes[i] for i in eligible if id(nodes[i]) not in judged]
        if new:
            judged.update((id(n), (n, hits)) for n, hits in zip(new, self._judge(new, doc.language or "en"), strict=True))
        drop = [i for i in eligible if judged[id(nodes[i])][1][batch]]
        for i in drop:
            removed.append((nodes[i].text, judged[id(nodes[i])][1][batch]))  # type: ignore[union-attr,arg-type]
        if drop:
            gone = set(drop)
            doc.nodes = [n for i, n in enumerate(nodes) if i not in gone]
        return bool(drop)

    def _judge(self, nodes: list[Node], lang: str) -> list[tuple[str | None, ...]]:
        """Each node's hit in each batch: the first rule of the batch that fires on it, or None."""
        paras = Paras(nodes, lang)  # type: ignore[arg-type]
        batches: list[list[str | None]] = []
        for plan in (step for step in self._chain if not isinstance(step, str)):
            hit: list[str | None] = [None] * len(nodes)
            undecided = np.ones(len(nodes), dtype=bool)
            for rule, fires, limit in plan:
                paras.open = undecided & (paras.words <= limit)
                if not paras.open.any():
                    continue
                fired = fires(paras, self.params) & paras.open  # type: ignore[arg-type]
                for i in np.flatnonzero(fired).tolist():
                    hit[i] = rule
                undecided &= ~fired
            batches.append(hit)
        return list(zip(*batches, strict=True)) if batches else [()] * len(nodes)

    def _heading_only(self, doc: Document, removed: list[tuple[str, str]]) -> bool:
        run_limit = self.params.heading_run  # type: ignore[attr-defined]
        nodes = doc.nodes
        drop: set[int] = set()
        i = 0
        while i < len(nodes):
            j = i
            while j < len(nodes) and isinstance(nodes[j], TextNode) and nodes[j].kind == "heading":  # type: ignore[union-attr]
                j += 1
            if j > i and (j == len(nodes) or (run_limit is not None and j - i >= run_limit)):
                drop.update(k for k in range(i, j) if self._eligible(nodes, k))
            i = max(j, i + 1)
        for k in sorted(drop):
            removed.append((nodes[k].text, "heading_only"))  # type: ignore[union-attr]
        doc.nodes = [n for k, n in enumerate(nodes) if k not in drop]
        return bool(drop)

    def _merge_short(self, doc: Document) -> bool:
        limit = self.params.merge_max_words  # type: ignore[attr-defined]
        if limit is None or "paragraph" not in self._kinds:  # a paragraph is never an image caption
            return False
        nodes, changed, i = list(doc.nodes), False, 0
        while i + 1 < len(nodes):
            node, nxt = nodes[i], nodes[i + 1]
            if (isinstance(node, TextNode) and node.kind == "paragraph" and isinstance(nxt, TextNode)
                    and nxt.kind == "paragraph" and self._is_fragment(node, nxt.text, limit)):
                sep = "" if node.analysis.mostly_cjk else " "
                nodes[i:i + 2] = [TextNode(node.text.strip() + sep + nxt.text.strip(), "paragraph")]
                self.events[counters.merged_paragraphs("merge_short")] += 1
                changed = True  # the merged paragraph may take the next fragment too
            else:
                i += 1
        doc.nodes = nodes
        return changed

    @staticmethod
    def _is_fragment(node: TextNode, following: str, limit: int) -> bool:
        if node.analysis.word_count > limit:
            return False
        text, following = node.text.strip(), following.strip()
        if not text or not following or ends_sentence(text):
            return False
        return text.endswith(FRAGMENT_ENDS) or following[0].islower()
