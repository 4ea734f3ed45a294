# cython: annotation_typing=False, boundscheck=False, wraparound=False
"""py3langid's byte automaton as a double-array trie, walked in numpy.

py3langid counts the byte n-grams of its feature set (1 to ``depth`` = 6 bytes) with an
Aho-Corasick automaton stored as a full transition table: 38,346 rows of 256 next states (39 MB,
most of it resident in every worker). After any byte the automaton's state is the longest suffix
read so far that is a node of its trie (a prefix of a feature n-gram), so the trie alone decides
every state. Here the trie is stored as a double array (``base``/``check``, Aoe 1989): the child of
the node in slot ``s`` by byte ``b`` is slot ``base[s] + b`` when ``check[base[s] + b] == s``, and
each slot holds its node's feature (``feature``, -1 for none): three int32 arrays, ~2 MB in all.

:func:`node_slots` finds the state after every byte at once, level by level: the node of the
``L``-byte suffix ending at byte ``i`` is a child of the node of the ``L-1``-byte suffix ending at
byte ``i-1``, and the longest found is the state (the first two levels are looked up in tables of
every 1- and 2-byte string, :func:`pair_slots`). The features, and so the scores, are exactly
py3langid's (tests/test_language_id.py compares them on real pages).

In the compiled build (setup.py; C types from ``langid_trie.pxd``) :func:`feature_counts` does the
same walk and the counting in C loops, 2.5-3x faster than the numpy passes; as pure Python
(:data:`COMPILED` false) those loops would be slow, and the numpy passes are used instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import cython
import numpy as np

ROOT = 0  # the root's slot (the empty suffix)
# shifted, a float16's sign lies at bit 28: adding 2**31 - 2**28 (mod 2**32) moves it to bit 31, 112 << 23 rebases
_REBASE = 0xA800_0000
COMPILED = not __file__.endswith(".py")  # this module runs as the extension setup.py builds
_AHEAD = 8  # widened_rows asks for the cache lines of the row this many rows ahead


@dataclass(frozen=True)
class Trie:
    """The automaton's trie: each state's parent, the byte leading to it (-1 for the root) and its depth."""

    parent: np.ndarray
    byte: np.ndarray
    level: np.ndarray

    @property
    def depth(self) -> int:
        """The longest n-gram's length."""
        return int(self.level.max())

    @classmethod
    def of_automaton(cls, nextmove: np.ndarray, row: np.ndarray) -> Trie:
        """The trie of an Aho-Corasick transition table (``nextmove[(row[s] << 8) + b]``). Breadth first
        from the start: a state first reached at step ``d`` is a trie node of depth ``d``, reached from its
        parent (depth ``d - 1``) by the last byte of its n-gram."""
        parent = np.full(len(row), -1, dtype=np.int64)
        byte = np.full(len(row), -1, dtype=np.int64)
        level = np.full(len(row), -1, dtype=np.int64)
        level[ROOT] = 0
        frontier = np.array([ROOT])
        while True:
            targets = nextmove[(row[frontier] << 8)[:, None] + np.arange(256)]
            source, by = np.nonzero(level[targets] < 0)
            reached, first = np.unique(targets[source, by], return_index=True)
            if not len(reached):
                return cls(parent, byte, level)
            level[reached] = level[frontier[0]] + 1
            parent[reached], byte[reached] = frontier[source[first]], by[first]
            frontier = reached


def double_array(trie: Trie, window: int = 1024) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(slot of each state, base, check): breadth first (a parent has its slot before its children are
    placed), each node's children at the lowest offset where all their slots are free, looking back
    at most ``window`` slots from the highest taken one (so each search scans about one window)."""
    order = np.lexsort((trie.byte, trie.parent))
    order = order[trie.parent[order] >= 0]  # children grouped by parent, bytes ascending
    parents, starts = np.unique(trie.parent[order], return_index=True)
    children = dict(zip(parents.tolist(), zip(starts.tolist(), np.append(starts[1:], len(order)).tolist())))
    used = np.zeros(len(trie.parent) + window + 512, dtype=bool)
    used[ROOT] = True
    slot = np.full(len(trie.parent), -1, dtype=np.int64)
    slot[ROOT] = ROOT
    base = np.zeros(len(used), dtype=np.int64)
    check = np.full(len(used), -1, dtype=np.int64)
    queue, first_free, highest = [ROOT], 1, ROOT
    for state in queue:
        if state not in children:
            continue
        start, end = children[state]
        kids = order[start:end]
        by = trie.byte[kids]
        offset = max(first_free, highest - window) - int(by[0])
        offset = max(offset, 0)
        while True:
            if offset + window + 256 > len(used):  # room for the window: grow the arrays
                grow = len(used)
                used, base = np.append(used, np.zeros(grow, bool)), np.append(base, np.zeros(grow, np.int64))
                check = np.append(check, np.full(grow, -1, np.int64))
            fits = np.ones(window, dtype=bool)
            for b in by.tolist():
                fits &= ~used[offset + b:offset + b + window]
            hits = np.flatnonzero(fits)
            if len(hits):
                offset += int(hits[0])
                break
            offset += window
        taken = offset + by
        used[taken] = True
        base[slot[state]] = offset
        slot[kids] = taken
        check[taken] = slot[state]
        while used[first_free]:
            first_free += 1
        highest = max(highest, int(taken[-1]))
        queue.extend(kids.tolist())
    length = max(int(np.flatnonzero(check >= 0).max()) + 1, int(base.max()) + 256)
    return slot, base[:length], check[:length]


def pair_slots(base: np.ndarray, check: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The slot of the node of every 1-byte string (256) and of every 2-byte string (65,536, first
    byte major), :data:`ROOT` where the string is not a node: the first two levels of
    :func:`node_slots` as table lookups."""
    byte = np.arange(256)
    one = base[ROOT] + byte
    one = np.where(check[one] == ROOT, one, ROOT)
    two = base[one][:, None] + byte
    two = np.where((check[two] == one[:, None]) & (one[:, None] != ROOT), two, ROOT)
    return one.astype(np.intp), two.ravel().astype(np.intp)


def node_slots(base: np.ndarray, check: np.ndarray, data: bytes, depth: int,
               pairs: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The slot of the automaton's state after each byte of ``data`` (:data:`ROOT` where no suffix is
    a node); ``pairs``: :func:`pair_slots` of the trie, if known."""
    one, two = pairs or pair_slots(base, check)
    codes = np.frombuffer(data, dtype=np.uint8).astype(np.intp)
    slots = one[codes]
    if len(codes) < 2 or depth < 2:
        return slots
    pair = codes[:-1] << 8
    pair |= codes[1:]
    nodes = two[pair]
    at = np.flatnonzero(nodes)  # the 2-byte suffixes that are nodes, by their first byte
    nodes = nodes[at]
    at += 1
    slots[at] = nodes
    for _ in range(depth - 2):  # one byte longer each time: children of the nodes found
        if len(at) and at[-1] == len(codes) - 1:
            at, nodes = at[:-1], nodes[:-1]
        at = at + 1
        child = base[nodes] + codes[at]
        found = check[child] == nodes
        at, nodes = at[found], child[found]
        if not len(at):
            break
        slots[at] = nodes
    return slots


def check_walk(base: np.ndarray, check: np.ndarray, feature: np.ndarray, vocabulary: int) -> None:
    """Raise ValueError unless the arrays are ones :func:`feature_counts` can walk without reading out
    of bounds (the compiled loops do not check each index): int32, every child slot inside ``check``,
    every slot inside ``base`` and ``feature``, every feature below ``vocabulary``."""
    arrays = (base, check, feature)
    if any(a.dtype != np.int32 or a.ndim != 1 for a in arrays) or not len(check):
        raise ValueError("the trie's arrays must be one-dimensional int32 arrays")
    if base.min() < 0 or int(base.max()) + 256 > len(check) or min(len(base), len(feature)) < len(check):
        raise ValueError("the trie's child slots fall outside its arrays")
    if int(feature.max()) >= vocabulary:
        raise ValueError(f"the trie names features beyond the model's {vocabulary}")


def feature_counts(base: np.ndarray, check: np.ndarray, feature: np.ndarray, data: bytes, depth: int,
                   tally: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The features of the states :func:`node_slots` finds (``feature`` of each slot, -1 for none),
    distinct in the order first seen, and how often each occurs. ``base``, ``check``, ``feature``:
    int32 arrays :func:`check_walk` accepts; ``tally``: int32 zeros, one per feature, given back
    zeroed (a fresh one would cost a page fault per page touched, as much as the walk). For each
    start byte the trie is walked forward: every node reached ends a suffix, and the first start
    that reaches a byte (the longest suffix) gives its state. C loops in the compiled build
    (:data:`COMPILED`)."""
    n = len(data)
    states = np.zeros(n, dtype=np.int32)
    order = np.empty(n, dtype=np.int32)
    # typed views for the compiled loops (langid_trie.pxd)
    b, c, f, text, state, first, count, longest, root = base, check, feature, data, states, order, tally, depth, ROOT
    for start in range(n):
        node = root
        end = start + longest
        if end > n:
            end = n
        for at in range(start, end):
            child = b[node] + text[at]
            if c[child] != node:
                break
            node = child
            if state[at] == root:
                state[at] = node
    distinct, limit = 0, len(tally)
    for at in range(n):
        feat = f[state[at]]
        if 0 <= feat < limit:  # (past the tally: only with arrays check_walk refuses)
            if count[feat] == 0:
                first[distinct] = feat
                distinct += 1
            count[feat] += 1
    seen = order[:distinct]
    counts = tally[seen]
    tally[seen] = 0
    return seen, counts


def widened_rows(bits: np.ndarray, rows: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``bits[rows]`` (float16 bit patterns, all negative normal numbers: py3langid's log
    probabilities) widened to the float32 bit patterns of the same numbers, written into ``out``'s
    first ``len(rows)`` rows and returned: each value shifted, its exponent rebased (15 to 127, sign
    kept) by adding ``0xA8000000``. One C pass in the compiled build (numpy gathers, then widens in
    two more); ``rows`` must index ``bits``, ``out`` hold them (uint32, C order)."""
    n, width = len(rows), bits.shape[1]
    if len(out) < n or out.shape[1] != width or not (bits.flags.c_contiguous and out.flags.c_contiguous):
        raise ValueError("out must be a C-ordered uint32 array with a row for each of rows")
    if n and (int(np.min(rows)) < 0 or int(np.max(rows)) >= len(bits)):
        raise ValueError("rows must index bits")
    if not COMPILED:  # as pure Python, numpy's passes
        np.add(np.left_shift(bits[rows], 13, dtype=np.uint32), np.uint32(_REBASE), out=out[:n])
        return out[:n]
    source, index, target, rebase = bits, rows, out, _REBASE  # typed for the compiled loops (langid_trie.pxd)
    for i in range(n):
        row = index[i]
        if i + _AHEAD < n:  # ask for a later row's cache lines now: the rows lie scattered over megabytes
            ahead = index[i + _AHEAD]
            for j in range(0, width, 32):  # 32 values: 64 bytes, a cache line
                _prefetch(cython.address(source[ahead, j]))  # noqa: F821 (C, declared in langid_trie.pxd)
            _prefetch(cython.address(source[ahead, width - 1]))  # noqa: F821
        for j in range(width):
            value = source[row, j]
            target[i, j] = (value << 13) + rebase  # modulo 2**32: as uint32
    return out[:n]
