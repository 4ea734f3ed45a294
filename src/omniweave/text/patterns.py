"""Rule patterns searched fast: a text is only searched with an alternative when it holds a literal
that every match of that alternative contains.

Most rule patterns are case-insensitive alternations led by ``\\b`` (``\\bcopyright\\b|privacy
policy|...``): Python's ``re`` tries every alternative at every position of the text, about 0.1 µs
per character and alternative. :class:`AnyPattern` splits such a pattern into its alternatives and
finds, from ``re``'s own parse of each, a set of literals one of which every match must contain
(``{"copyright", "privacy policy", ...}``). The literals of every pattern are found in one pass
over a text's case-folded form (:func:`fold`) by an Aho-Corasick automaton (ahocorasick_rs), once
per text: its :mod:`analysis <omniweave.text.analysis>` keeps them. An alternative none of whose
literals is there cannot match and is not searched. The answer is always that of the whole
pattern's ``search``; alternatives without such literals are searched as before, but those every
match of which holds a digit (a date, a number: ``\\d+``) only in texts holding one.

A rule over many texts at once (a document's paragraphs) finds the literals of all of them in one
pass (:func:`literals_each`), indexes the texts by literal, and searches only the texts an
alternative's literals gate in (:meth:`AnyPattern.search_each`): a pattern none of whose literals
the document holds costs a set intersection.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Collection, Mapping, Sequence
from collections.abc import Set as AbstractSet
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import numpy as np

# Characters ``re`` matches case-insensitively to a character whose lower-case form is another, or
# whose str.lower() is longer than one character: folded so that a case-insensitive match is always a
# substring match of the folded texts (tests/test_text_patterns.py checks it against ``re``).
_FOLD_FIXES = str.maketrans({
    "\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k", "\u212b": "\u00e5",
    "\u03a3": "\u03c3", "\u03c2": "\u03c3",
})


_FIXED = re.compile("[" + "".join(map(chr, _FOLD_FIXES)) + "]")
ASCII_LOWER = bytes(range(65)) + bytes(range(97, 123)) + bytes(range(91, 256))  # bytes A-Z made a-z


def fold(text: str) -> str:
    """``text`` in lower case with ``re``'s extra case equivalences folded (one character per character)."""
    if text.isascii() or not _FIXED.search(text):
        return text.lower()
    return text.translate(_FOLD_FIXES).lower()


def folded_lines(texts: Sequence[str]) -> bytes:
    """:func:`fold` of ``texts`` joined by newlines, in UTF-8: the texts outside ASCII folded one by
    one, the ASCII ones (whose fold is their lower case) by one byte translation of the whole."""
    return _utf8("\n".join([t if t.isascii() else fold(t) for t in texts])).translate(ASCII_LOWER)


def _required(items: sre_parse.SubPattern | list) -> frozenset[str] | None:
    """Literals one of which every match of the parsed sequence ``items`` contains (None: unknown).
    Of the candidates (runs of literal characters, groups, alternations, repeats at least once), the
    one whose shortest literal is longest."""
    best: frozenset[str] | None = None

    def consider(found: frozenset[str] | None) -> None:
        nonlocal best
        if found and (best is None or min(map(len, found)) > min(map(len, best))):
            best = found

    run: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))
            continue
        if run:
            consider(frozenset({"".join(run)}))
            run = []
        if op is sre.SUBPATTERN:
            consider(_required(av[-1]))
        elif op is sre.ATOMIC_GROUP:
            consider(_required(av))
        elif op is sre.BRANCH:
            found = [_required(branch) for branch in av[1]]
            if all(found):
                consider(frozenset().union(*found))  # type: ignore[arg-type]
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_required(av[2]))
    if run:
        consider(frozenset({"".join(run)}))
    return best


def required_literals(pattern: str, flags: int = 0) -> frozenset[str] | None:
    """Folded literals one of which every match of ``pattern`` contains (none holding another), or
    None when there is no such set."""
    return _folded(_required(sre_parse.parse(pattern, flags)))


def _folded(found: frozenset[str] | None) -> frozenset[str] | None:
    if not found:
        return None
    keys = set(map(fold, found))
    return frozenset(k for k in keys if not any(other != k and other in k for other in keys))


_LITERALS: dict[str, int] = {}  # every gate literal of every AnyPattern, numbered
_NONE: frozenset[int] = frozenset()
_automaton: tuple[int, object] | None = None  # (literals it holds, the automaton)


def _literal_ids(literals: frozenset[str]) -> frozenset[int]:
    if any("\n" in k for k in literals):  # texts are joined by newlines in literals_each
        raise ValueError(f"a gate literal holds a newline: {sorted(literals)}")
    return frozenset(_LITERALS.setdefault(k, len(_LITERALS)) for k in literals)


def longest_literal() -> int:
    """Characters in the longest gate literal (0: none)."""
    return max(map(len, _LITERALS), default=0)


def literal_count() -> int:
    """How many gate literals are known (a text's found literals are valid while this is unchanged)."""
    return len(_LITERALS)


def _current_automaton() -> object:
    """The Aho-Corasick automaton (ahocorasick_rs, over UTF-8) of every gate literal known now, each
    found as its id (built again when more were added)."""
    global _automaton
    if _automaton is None or _automaton[0] != len(_LITERALS):
        import ahocorasick_rs

        literals = [k.encode() for k in _LITERALS]  # in the order of their ids
        automaton = ahocorasick_rs.BytesAhoCorasick(literals, implementation=ahocorasick_rs.Implementation.DFA)
        _automaton = (len(_LITERALS), automaton)
    return _automaton[1]


def _found(data: bytes) -> list[tuple[int, int, int]]:
    """Every occurrence (overlapping ones included) of a gate literal in ``data``: (id, start, end)."""
    return _current_automaton().find_matches_as_indexes(data, overlapping=True)  # type: ignore[attr-defined]


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def literals_in(folded: str) -> AbstractSet[int]:
    """Ids of the gate literals that occur in ``folded`` (overlapping occurrences included)."""
    if not _LITERALS:
        return frozenset()
    return {i for i, _, _ in _found(_utf8(folded))}


def literals_each(folded: Sequence[str]) -> list[AbstractSet[int]]:
    """:func:`literals_in` of each text, in one pass over the texts joined by newlines (no literal
    holds one; texts that hold one are searched one by one)."""
    found = literals_of_lines(_utf8("\n".join(folded)), len(folded)) if folded else []
    return found if found is not None else [literals_in(text) for text in folded]


def literals_of_lines(data: bytes, count: int) -> list[AbstractSet[int]] | None:
    """:func:`literals_in` of each of the ``count`` folded texts that ``data`` (UTF-8) joins by
    newlines (:func:`folded_lines`), from one pass over it (None when it holds another newline). A
    text without any is given one shared empty set."""
    found: list[AbstractSet[int]] = [_NONE] * count
    if not _LITERALS:
        return found
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10).tolist()  # the newline after each text
    if len(ends) != count - 1:
        return None
    hits = _found(data)
    if not hits:
        return found
    ends.append(len(data))
    row, end = 0, ends[0]
    current = None  # the set of ``row``, once made
    for i, at, _ in hits:  # in order of position: the row moves forward only
        if at >= end:
            row = bisect_right(ends, at, row + 1)
            end = ends[row]
            current = None
        if current is None:
            current = found[row] = set()
        current.add(i)
    return found


Search = Callable[[str], "re.Match[str] | None"]


_DIGIT = re.compile(r"\d")
_DIGIT_CATEGORIES = (sre.CATEGORY_DIGIT, sre.CATEGORY_UNI_DIGIT)


def _needs_digit(items: sre_parse.SubPattern | list) -> bool:
    """True when every match of the parsed sequence ``items`` holds a digit (a character ``\\d``
    matches): one of its items is a digit class, or a group, alternation or repeat (at least once)
    every match of which holds one. An alternative without literals but with a digit (a date, a
    number) is then searched only in texts holding a digit."""
    for op, av in items:
        if op is sre.IN:
            if av and all(kind is sre.CATEGORY and value in _DIGIT_CATEGORIES for kind, value in av):
                return True
        elif op is sre.SUBPATTERN:
            if _needs_digit(av[-1]):
                return True
        elif op is sre.ATOMIC_GROUP:
            if _needs_digit(av):
                return True
        elif op is sre.BRANCH:
            if all(_needs_digit(branch) for branch in av[1]):
                return True
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1 and _needs_digit(av[2]):
            return True
    return False


def anchored(pattern: str, flags: int = 0) -> bool:
    """True when every match of ``pattern`` starts at the start of the text (``^`` without
    MULTILINE, or ``\\A``, first): its ``search`` is its ``match``."""
    return _anchored(sre_parse.parse(pattern, flags))


def _anchored(parsed: sre_parse.SubPattern) -> bool:
    if not parsed.data:
        return False
    op, av = parsed.data[0]
    at_start = av is sre.AT_BEGINNING_STRING or (av is sre.AT_BEGINNING and not parsed.state.flags & re.MULTILINE)
    return op is sre.AT and at_start


def _searcher(pattern: str, flags: int, is_anchored: bool | None = None) -> Search:
    """``re.compile(pattern, flags).search``, or its ``match`` where that is the same and faster
    (``search`` tries an anchored pattern at every position); ``is_anchored``: :func:`anchored` of the
    pattern, when known."""
    compiled = re.compile(pattern, flags)
    if is_anchored is None:
        is_anchored = anchored(pattern, flags)
    return compiled.match if is_anchored else compiled.search


class AnyPattern:
    """``bool(re.compile("|".join(alternatives), flags).search(text))``, each alternative gated by its
    required literals (give alternatives one by one: an alternation holding a branch without literals
    is searched on every text).

    Building one registers its gate literals at once (texts' literals are found against all of them);
    an alternative is compiled when a text first gets past its gate (most rules' alternatives are
    never searched in a run, or not in a short one).
    """

    def __init__(self, *alternatives: str, flags: int = re.IGNORECASE) -> None:
        self.alternatives, self.flags = alternatives, flags
        self.gated: list[tuple[frozenset[int], Search]] = []
        ungated: list[str] = []
        with_digit: list[str] = []  # ungated alternatives every match of which holds a digit
        for alternative in alternatives:
            parsed = sre_parse.parse(alternative, flags)
            keys = _folded(_required(parsed))
            if keys is None:
                (with_digit if _needs_digit(parsed) else ungated).append(alternative)
            else:
                ids = _literal_ids(keys)
                self.gated.append((ids, self._compiled_on_first_search(len(self.gated), ids, alternative, parsed)))
        self.ungated = _searcher("|".join(f"(?:{a})" for a in ungated), flags) if ungated else None
        self.with_digit = _searcher("|".join(f"(?:{a})" for a in with_digit), flags) if with_digit else None
        self.any_gated: frozenset[int] = frozenset().union(*(ids for ids, _ in self.gated))

    def _compiled_on_first_search(self, index: int, ids: frozenset[int], alternative: str,
                                  parsed: sre_parse.SubPattern) -> Search:
        """A stand-in for the ``index``-th gated alternative's search: its first call compiles it and
        puts the compiled search in its place."""
        is_anchored = _anchored(parsed)

        def first_search(text: str) -> re.Match[str] | None:
            search = _searcher(alternative, self.flags, is_anchored)
            self.gated[index] = (ids, search)
            return search(text)

        return first_search

    def search(self, text: str, literals: Collection[int] | None = None) -> bool:
        """True when the pattern matches somewhere in ``text``; ``literals``: :func:`literals_in` of
        :func:`fold` of ``text`` (computed here when not given)."""
        if self.ungated is not None and self.ungated(text):
            return True
        if self.with_digit is not None and _DIGIT.search(text) and self.with_digit(text):
            return True
        if literals is None:
            literals = literals_in(fold(text))
        if self.any_gated.isdisjoint(literals):
            return False
        return any(not ids.isdisjoint(literals) and search(text) for ids, search in self.gated)

    def search_each(self, texts: Sequence[str], rows_of: Mapping[int, Collection[int]], among: np.ndarray) -> np.ndarray:
        """:meth:`search` of each text where ``among`` (bools) is True (False elsewhere); ``rows_of``:
        for each gate literal, the texts (indices) holding it, of at least those ``among``, each once.
        Its work grows with the texts ``among`` and those gated in, not with all ``texts``."""
        hit: set[int] = set()
        if self.ungated is not None or self.with_digit is not None:
            rows = np.flatnonzero(among).tolist()
            if self.ungated is not None:
                for i in rows:
                    if self.ungated(texts[i]) is not None:
                        hit.add(i)
            if self.with_digit is not None:
                for i in rows:
                    if i not in hit and _DIGIT.search(texts[i]) and self.with_digit(texts[i]) is not None:
                        hit.add(i)
        present = rows_of.keys() & self.any_gated
        if present:
            wanted = among.tobytes()  # one byte per text: 1 where asked
            for ids, search in self.gated:
                if ids.isdisjoint(present):
                    continue
                keys = ids & present
                for i in rows_of[next(iter(keys))] if len(keys) == 1 else {i for k in keys for i in rows_of[k]}:
                    if wanted[i] and i not in hit and search(texts[i]):
                        hit.add(i)
        out = np.zeros(len(texts), dtype=bool)
        if hit:
            out[list(hit)] = True
        return out
