"""MMC4-style assignment of images to text nodes.

Assignment: images whose best similarity to any text is under ``floor`` take no part; the others
are matched one-to-one to texts by ``scipy.optimize.linear_sum_assignment`` maximising the total
similarity (with more images than texts, some images stay unassigned); a matched pair under the
floor is dropped again.

The similarity matrix is stored with the document's other position data
(:mod:`omniweave.node_positions`).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def assign(sim: np.ndarray, floor: float) -> list[int | None]:
    """For each image (row), the text column it is assigned to, or None."""
    sim = np.asarray(sim, dtype=np.float64)
    result: list[int | None] = [None] * sim.shape[0]
    if sim.size == 0:
        return result
    rows = np.flatnonzero(sim.max(axis=1) >= floor)
    if rows.size == 0:
        return result
    picked, cols = linear_sum_assignment(sim[rows], maximize=True)
    for r, c in zip(rows[picked], cols):
        if sim[r, c] >= floor:
            result[int(r)] = int(c)
    return result
