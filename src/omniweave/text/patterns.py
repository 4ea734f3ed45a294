"""Rule patterns searched fast: a text is only searched with an alternative when it holds a literal
that every match of that alternative contains.

Most rule patterns are case-insensitive alternations led by ``\\b`` (``\\bcopyright\\b|privacy
policy|...``): Python's ``re`` tries every alternative at every position of the text, about 0.1 µs
per character and alternative. :class:`AnyPattern` splits such a pattern into its alternatives and
finds, from ``re``'s own parse of each, a set of literals one of which every match must contain
(``{"copyright", "privacy policy", ...}``). The literals of every pattern are found in one pass
over a text's case-folded form (:func:`fold`) by an Aho-Corasick automaton (pyahocorasick), once
per text: its :mod:`analysis <omniweave.text.analysis>` keeps them. An alternative none of whose
literals is there cannot match and is not searched. The answer is always that of the whole
pattern's ``search``; alternatives without such literals (``\\d+``) are searched as before.

A rule over many texts at once (a document's paragraphs) finds the literals of all of them in one
pass (:func:`literals_each`, as a boolean matrix :func:`literal_matrix`) and searches only the
texts an alternative's literals gate in (:meth:`AnyPattern.search_each`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet
from itertools import chain
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


def fold(text: str) -> str:
    """``text`` in lower case with ``re``'s extra case equivalences folded (one character per character)."""
    if text.isascii() or not _FIXED.search(text):
        return text.lower()
    return text.translate(_FOLD_FIXES).lower()


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
    """The Aho-Corasick automaton of every gate literal known now (built again when more were added)."""
    global _automaton
    if _automaton is None or _automaton[0] != len(_LITERALS):
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for literal, i in _LITERALS.items():
            automaton.add_word(literal, i)
        automaton.make_automaton()
        _automaton = (len(_LITERALS), automaton)
    return _automaton[1]


def literals_in(folded: str) -> AbstractSet[int]:
    """Ids of the gate literals that occur in ``folded`` (overlapping occurrences included)."""
    if not _LITERALS:
        return frozenset()
    return {i for _, i in _current_automaton().iter(folded)}  # type: ignore[attr-defined]


def literals_each(folded: Sequence[str]) -> list[set[int]]:
    """:func:`literals_in` of each text, in one pass over the texts joined by newlines (no literal
    holds one)."""
    found: list[set[int]] = [set() for _ in folded]
    if not _LITERALS or not folded:
        return found
    hits = list(_current_automaton().iter("\n".join(folded)))  # type: ignore[attr-defined]
    if hits:
        ends, ids = np.array(hits, dtype=np.int64).T  # a hit's last character and its literal
        newlines = np.cumsum(np.fromiter(map(len, folded), dtype=np.int64, count=len(folded)) + 1) - 1
        for row, i in zip(np.searchsorted(newlines, ends).tolist(), ids.tolist(), strict=True):
            found[row].add(i)
    return found


def literal_matrix(found: Sequence[AbstractSet[int]]) -> np.ndarray:
    """Found literals (of each text, as :func:`literals_in` gives them) as a boolean matrix: a row
    per text, a column per literal id."""
    matrix = np.zeros((len(found), len(_LITERALS)), dtype=bool)
    sizes = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
    ids = np.fromiter(chain.from_iterable(found), dtype=np.int64, count=int(sizes.sum()))
    matrix[np.repeat(np.arange(len(found)), sizes), ids] = True
    return matrix


class AnyPattern:
    """``bool(re.compile("|".join(alternatives), flags).search(text))``, each alternative gated by its
    required literals (give alternatives one by one: an alternation holding a branch without literals
    is searched on every text)."""

    def __init__(self, *alternatives: str, flags: int = re.IGNORECASE) -> None:
        self.alternatives, self.flags = alternatives, flags
        self.gated: list[tuple[frozenset[int], re.Pattern[str]]] = []
        ungated: list[str] = []
        for alternative in alternatives:
            keys = required_literals(alternative, flags)
            if keys is None:
                ungated.append(alternative)
            else:
                self.gated.append((_literal_ids(keys), re.compile(alternative, flags)))
        self.ungated = re.compile("|".join(f"(?:{a})" for a in ungated), flags) if ungated else None
        self.any_gated: frozenset[int] = frozenset().union(*(ids for ids, _ in self.gated))
        self._gated_columns = [(np.array(sorted(ids), dtype=np.int64), p) for ids, p in self.gated]  # search_each
        self._any_column = np.array(sorted(self.any_gated), dtype=np.int64)

    def search(self, text: str, literals: Collection[int] | None = None) -> bool:
        """True when the pattern matches somewhere in ``text``; ``literals``: :func:`literals_in` of
        :func:`fold` of ``text`` (computed here when not given)."""
        if self.ungated is not None and self.ungated.search(text):
            return True
        if literals is None:
            literals = literals_in(fold(text))
        if self.any_gated.isdisjoint(literals):
            return False
        return any(not ids.isdisjoint(literals) and p.search(text) for ids, p in self.gated)

    def search_each(self, texts: Sequence[str], found: np.ndarray, among: np.ndarray) -> np.ndarray:
        """:meth:`search` of each text where ``among`` is True (False elsewhere); ``found``: the
        texts' :func:`literal_matrix`."""
        hit = np.zeros(len(texts), dtype=bool)
        if self.ungated is not None:
            for i in np.flatnonzero(among).tolist():
                hit[i] = self.ungated.search(texts[i]) is not None
        todo = among & ~hit & found[:, self._any_column].any(axis=1)
        for ids, pattern in self._gated_columns:
            if not todo.any():
                break
            for i in np.flatnonzero(todo & found[:, ids].any(axis=1)).tolist():
                if pattern.search(texts[i]):
                    hit[i], todo[i] = True, False
        return hit
