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
merge_short makes) become one :class:`~omniweave.filters.paras.Paras`, and each run of
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
from omniweave.document import Document, Node
from omniweave.filters.omnicorpus_rules import (
    NODE_RULES,
    ORDER,
    SHORT_ONLY,
    Rule,
    RuleParams,
)
from omniweave.filters.paragraph_rows import (
    fired,
    heading_only_rows,
    judged_rows,
    merge_fragments,
    unjudged,
    without_rows,
)
from omniweave.filters.paragraphs_base import ParagraphParams, ParagraphStep
from omniweave.filters.paras import Paras
from omniweave.pipeline.step import StepParams

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

    def _eligible_rows(self, nodes: list[Node]) -> list[int]:
        """The indices of the nodes the rules judge."""
        return judged_rows(nodes, self._kinds)

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
        new = unjudged(nodes, eligible, judged)
        if new:
            judged.update((id(n), (n, hits)) for n, hits in zip(new, self._judge(new, doc.language or "en"), strict=True))
        drop = fired(nodes, eligible, judged, batch)
        if not drop:
            return False
        removed.extend((nodes[i].text, rule) for i, rule in drop)  # type: ignore[union-attr]
        doc.nodes = without_rows(nodes, [i for i, _ in drop])
        return True

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
        nodes = doc.nodes
        drop = heading_only_rows(nodes, self.params.heading_run, self._kinds)  # type: ignore[attr-defined]
        if not drop:
            return False
        removed.extend((nodes[k].text, "heading_only") for k in drop)  # type: ignore[union-attr]
        doc.nodes = without_rows(nodes, drop)
        return True

    def _merge_short(self, doc: Document) -> bool:
        limit = self.params.merge_max_words  # type: ignore[attr-defined]
        if limit is None or "paragraph" not in self._kinds:  # a paragraph is never an image caption
            return False
        doc.nodes, merges = merge_fragments(doc.nodes, limit)
        if merges:
            self.events[counters.merged_paragraphs("merge_short")] += merges
        return bool(merges)
