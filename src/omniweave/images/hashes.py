"""Grouping perceptual hashes: exact or within a Hamming distance, without comparing all pairs.

Two 64-bit hashes within distance ``d`` agree exactly on at least one of ``d + 1`` disjoint bit
bands (pigeonhole), so only hashes sharing a band value are compared.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence


def hamming(a: str, b: str) -> int:
    """Bits that differ between two hex hashes of the same length."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def hash_groups(hashes: Sequence[str | None], max_distance: int = 0) -> list[int | None]:
    """A group id per hash (None for None): hashes within ``max_distance`` bits (transitively) share one."""
    unique = sorted({h for h in hashes if h})
    parent = list(range(len(unique)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if max_distance > 0 and unique:
        values = [int(h, 16) for h in unique]
        bits = len(unique[0]) * 4
        bands = max_distance + 1
        edges = [bits * k // bands for k in range(bands + 1)]
        for k in range(bands):
            width = edges[k + 1] - edges[k]
            buckets: dict[int, list[int]] = defaultdict(list)
            for i, v in enumerate(values):
                buckets[(v >> edges[k]) & ((1 << width) - 1)].append(i)
            for members in buckets.values():
                for x in range(len(members)):
                    for y in range(x + 1, len(members)):
                        i, j = members[x], members[y]
                        if find(i) != find(j) and (values[i] ^ values[j]).bit_count() <= max_distance:
                            parent[find(i)] = find(j)
    index = {h: find(i) for i, h in enumerate(unique)}
    return [index[h] if h else None for h in hashes]
