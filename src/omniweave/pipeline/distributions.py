"""The data card's distributions, counted while a task writes its corpus shards.

Each task of the last pass adds every document it writes (:meth:`Distributions.add`: words from the
document's shared analysis, images, their sizes and formats, language, domain) and stores the counts
in its completion marker; :func:`omniweave.pipeline.stats.collect_stats` merges them into
``stats.json`` like the funnel's counts, so the card never re-reads the corpus.

In a run of several passes (dedup), the last pass reads documents back from the previous pass's
shards, without their analysis. A document whose words were counted before it was written carries
the count in its metadata under :data:`WORD_COUNT_KEY` (:func:`carry_word_count`), and the next pass
takes it back (:func:`restore_word_count`) instead of splitting the words again; it stays valid while
the document's text nodes stay the same (see :class:`~omniweave.text.analysis.DocumentAnalysis`).

Domains are the one count whose size follows the corpus (one entry per distinct domain: tens of
millions in a Common Crawl snapshot), so they are kept as a heavy-hitters summary of at most
:data:`MAX_DOMAINS` entries (:func:`keep_heaviest`): exact below that many domains, and beyond it
every domain in more than ``documents / (MAX_DOMAINS + 1)`` documents is kept, each count short of
the truth by at most :func:`domain_count_error`.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from omniweave.document import Document
from omniweave.layout import domain_of

WORD_BINS = [0, 50, 100, 200, 500, 1000, 2000]
IMAGE_BINS = [0, 1, 2, 3, 4, 5, 10, 20]
SIDE_BINS = [0, 64, 128, 256, 512, 1024, 2048]
MAX_DOMAINS = 10_000  # distinct domains a task's marker and the run's stats.json keep at most
WORD_COUNT_KEY = "_omniweave_word_count"  # metadata key of a carried word count (between passes only)
_COUNTED = {"words", "word_count"}  # a TextAnalysis's measures (kept in its __dict__) that give the count


def carry_word_count(doc: Document) -> None:
    """Put the document's word count in its metadata if its words were already counted (a count
    still to make is left to the pass that needs it)."""
    known = doc._analysis  # asked only whether its words were counted
    if known is None or not _COUNTED & vars(known).keys() or not known.is_of(doc.texts):
        for node in doc.texts:
            measured = node._analysis
            if node.text.strip() and (measured is None or measured.text is not node.text
                                      or not _COUNTED & vars(measured).keys()):
                return
    doc.metadata[WORD_COUNT_KEY] = doc.analysis.word_count


def restore_word_count(doc: Document) -> None:
    """Take back a word count :func:`carry_word_count` put in the metadata (always removed)."""
    count = doc.metadata.pop(WORD_COUNT_KEY, None)
    if isinstance(count, int):
        doc.analysis.word_count = count  # type: ignore[misc] (what the measure would compute)


def keep_heaviest(counts: Counter[str], limit: int = MAX_DOMAINS) -> None:
    """Bound ``counts`` to ``limit`` entries in place, keeping the heavy hitters (the Misra-Gries
    summary, which stays valid when summaries are added and bounded again): every count drops by
    the (limit + 1)-th largest, and those left at zero go."""
    if len(counts) <= limit:
        return
    cut = heapq.nlargest(limit + 1, counts.values())[-1]
    for key, n in list(counts.items()):
        if n > cut:
            counts[key] = n - cut
        else:
            del counts[key]


def domain_count_error(documents: int, domains: Counter[str], limit: int = MAX_DOMAINS) -> int:
    """The most any kept domain's count can fall short of the truth (0 while nothing was trimmed:
    each document counts one domain)."""
    return (documents - sum(domains.values())) // (limit + 1)


def bucket(value: int, bins: list[int]) -> str:
    """Label of the bin holding ``value`` (``bins`` are lower bounds, ascending)."""
    i = bisect_right(bins, value) - 1
    if i == len(bins) - 1:
        return f"{bins[i]}+"
    return str(bins[i]) if bins[i + 1] - bins[i] == 1 else f"{bins[i]}–{bins[i + 1] - 1}"


def bucket_labels(bins: list[int]) -> list[str]:
    return [bucket(b, bins) for b in bins]


@dataclass
class Distributions:
    """Counts per bucket or value over the documents of a corpus (and their images)."""

    documents: int = 0
    images: int = 0
    words: Counter[str] = field(default_factory=Counter)
    images_per_doc: Counter[str] = field(default_factory=Counter)
    image_sides: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    languages: Counter[str] = field(default_factory=Counter)
    domains: Counter[str] = field(default_factory=Counter)

    def add(self, doc: Document) -> None:
        self.add_values(doc.analysis.word_count, [(im.format, im.width, im.height) for im in doc.images],
                        doc.language, domain_of(doc.url))

    def add_values(self, word_count: int, images: list[tuple[str | None, int | None, int | None]],
                   language: str | None, domain: str | None) -> None:
        """Add one document from its values: words, (format, width, height) per image, language, domain."""
        self.documents += 1
        self.images += len(images)
        self.words[bucket(word_count, WORD_BINS)] += 1
        self.images_per_doc[bucket(len(images), IMAGE_BINS)] += 1
        self.languages[language or "unknown"] += 1
        self.domains[domain or "unknown"] += 1
        for image_format, width, height in images:
            self.formats[image_format or "unknown"] += 1
            self.image_sides[bucket(min(width, height), SIDE_BINS) if width and height else "unknown"] += 1

    def to_json(self) -> dict[str, Any]:
        """The counts as JSON (a task's marker); the domain counts are bounded first."""
        keep_heaviest(self.domains)
        return {f.name: dict(v) if isinstance(v := getattr(self, f.name), Counter) else v for f in fields(self)}

    @classmethod
    def merged(cls, parts: Iterable[dict[str, Any]]) -> Distributions:
        """The sum of several :meth:`to_json` dictionaries (one per task)."""
        out = cls()
        for part in parts:
            out.add_part(part)
        return out

    def add_part(self, part: dict[str, Any]) -> None:
        """Add one task's :meth:`to_json` counts (merged as markers are read: none is kept)."""
        for f in fields(self):
            value = part.get(f.name)
            if isinstance(value, dict):
                getattr(self, f.name).update(value)
            elif value is not None:
                setattr(self, f.name, getattr(self, f.name) + value)
        keep_heaviest(self.domains)
