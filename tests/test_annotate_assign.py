"""MMC4-style assignment against hand-computed answers, and the compact similarity matrix."""

from __future__ import annotations

import numpy as np
import pytest

from omniweave.annotate.assign import assign
from omniweave.node_positions import decode_matrix, encode_matrix


def test_assignment_beats_greedy():
    # greedy takes 0->0 (0.90) and leaves 1->1 (0.10): total 1.00; the optimum is 0->1 + 1->0 = 1.65
    sim = np.array([[0.90, 0.80], [0.85, 0.10]])
    assert assign(sim, floor=0.0) == [1, 0]


def test_more_images_than_texts_leaves_the_weakest_unassigned():
    assert assign(np.array([[0.30], [0.50], [0.20]]), floor=0.0) == [None, 0, None]


def test_more_texts_than_images():
    # image 0 prefers text 2 (0.7), image 1 also (0.6); best total: 0->2 (0.7) + 1->0 (0.5) = 1.2 > 0.6 + 0.4
    sim = np.array([[0.4, 0.1, 0.7, 0.2], [0.5, 0.3, 0.6, 0.0]])
    assert assign(sim, floor=0.0) == [2, 0]


def test_floor_removes_images_before_assignment_and_pairs_after():
    # image 0 is under the floor everywhere: it takes no part, so image 1 gets text 0 (0.40)
    assert assign(np.array([[0.10, 0.05], [0.40, 0.30]]), floor=0.2) == [None, 0]
    # both images pass the floor, both want text 0: 0->0 (0.5) + 1->1 (0.1) = 0.6 beats 0.3 + 0.25 = 0.55,
    # but the pair 1->1 is under the floor, so image 1 ends unassigned
    assert assign(np.array([[0.50, 0.30], [0.25, 0.10]]), floor=0.2) == [0, None]


def test_three_by_three_by_hand():
    sim = np.array([[0.2, 0.6, 0.3],
                    [0.5, 0.7, 0.1],
                    [0.4, 0.3, 0.35]])
    # the 6 permutations: (0,1,2)=1.25 (1,0,2)=1.45 (2,1,0)=1.40 (0,2,1)=0.60 (1,2,0)=1.10 (2,0,1)=1.10
    assert assign(sim, floor=0.0) == [1, 0, 2]


def test_empty_inputs():
    assert assign(np.zeros((0, 3)), 0.1) == []
    assert assign(np.zeros((2, 0)), 0.1) == [None, None]


def test_matrix_round_trip_is_float16_and_compact():
    sim = np.array([[0.123456, -0.5, 0.99], [0.0, 0.25, -0.031]], dtype=np.float32)
    stored = encode_matrix(sim)
    assert stored["shape"] == [2, 3] and stored["dtype"] == "float16"
    assert len(stored["data"]) == 16  # 12 bytes as base64
    assert np.array_equal(decode_matrix(stored), sim.astype(np.float16).astype(np.float32))
    with pytest.raises(ValueError, match="dtype"):
        decode_matrix({**stored, "dtype": "float32"})
