"""Counter names: one home for the ``<kind>:<reason>`` keys that steps count and stats, progress
and the report read back. Build keys with the named constructors, read them with :func:`parse`."""
from __future__ import annotations

from collections.abc import Mapping

DROPPED = "dropped"  # a document dropped by a step, per reason
SKIPPED = "skipped"  # a record the reader skipped, per reason
REMOVED_PARAGRAPHS = "removed_paragraphs"  # a text node removed from a kept document, per rule
REMOVED_LINES = "removed_lines"  # a line removed from a kept document's text, per rule
REMOVED_IMAGES = "removed_images"  # an image node removed from a kept document, per reason
MERGED_PARAGRAPHS = "merged_paragraphs"
SPLIT_PARAGRAPHS = "split_paragraphs"
JOINED_LINES = "joined_lines"
STATUS = "status"  # an image download's outcome
REDUCE = "reduce"  # a global step's reduce-side counter
ROUNDS = "rounds"  # documents by the number of rounds a rule set took
TEXT_EDITS = ("removed_", "merged_", "split_", "joined_")  # kinds of text changed inside kept documents


def key(kind: str, reason: str) -> str:
    """The counter ``<kind>:<reason>``."""
    return f"{kind}:{reason}"


def dropped(reason: str) -> str:
    return key(DROPPED, reason)


def skipped(reason: str) -> str:
    return key(SKIPPED, reason)


def removed_paragraphs(rule: str) -> str:
    return key(REMOVED_PARAGRAPHS, rule)


def removed_lines(rule: str) -> str:
    return key(REMOVED_LINES, rule)


def removed_images(reason: str) -> str:
    return key(REMOVED_IMAGES, reason)


def merged_paragraphs(rule: str) -> str:
    return key(MERGED_PARAGRAPHS, rule)


def split_paragraphs(rule: str) -> str:
    return key(SPLIT_PARAGRAPHS, rule)


def joined_lines(rule: str) -> str:
    return key(JOINED_LINES, rule)


def status(outcome: str) -> str:
    return key(STATUS, outcome)


def reduce(name: str) -> str:
    return key(REDUCE, name)


def rounds(n: int) -> str:
    return key(ROUNDS, str(n))


def removals(domain: str) -> str:
    """A domain-level step's paragraphs removed from one domain (counted on the reduce side)."""
    return f"removals@{domain}"


def domain_removals(counts: Mapping[str, int]) -> dict[str, int]:
    """``{domain: n}`` of the reduce-side :func:`removals` counters."""
    prefix = reduce(removals(""))
    return {k.removeprefix(prefix): n for k, n in counts.items() if k.startswith(prefix)}


def parse(counter: str) -> tuple[str, str | None]:
    """``(kind, reason)`` of ``<kind>:<reason>`` (split at the first colon); ``(counter, None)``
    for a plain counter such as ``in`` or ``kept``."""
    kind, sep, reason = counter.partition(":")
    return (kind, reason) if sep else (counter, None)


def reasons(counts: Mapping[str, int], kind: str) -> dict[str, int]:
    """``{reason: n}`` of the counters of one kind."""
    out = {}
    for k, n in counts.items():
        what, reason = parse(k)
        if what == kind and reason is not None:
            out[reason] = n
    return out


def is_text_edit(counter: str) -> bool:
    """Whether the counter is a per-rule text edit (removed paragraphs or lines, merges, splits,
    joined lines), removed images aside."""
    kind, reason = parse(counter)
    return reason is not None and kind.startswith(TEXT_EDITS) and kind != REMOVED_IMAGES
