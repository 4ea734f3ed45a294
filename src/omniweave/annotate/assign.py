"""MMC4-style assignment of images to text nodes, and the compact similarity matrix.

Assignment: images whose best similarity to any text is under ``floor`` take no part; the others
are matched one-to-one to texts by ``scipy.optimize.linear_sum_assignment`` maximising the total
similarity (with more images than texts, some images stay unassigned); a matched pair under the
floor is dropped again.

Stored matrix (``Document.metadata["clip"]["similarity"]``): the image x text cosine
similarities as little-endian float16, row-major (one row per image), base64-encoded, next to
its ``shape``. About 2.7 characters of JSON per cell, where a list of decimals takes about 7.
"""

from __future__ import annotations

import base64

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


def encode_matrix(sim: np.ndarray) -> dict[str, object]:
    """``{"shape": [rows, cols], "dtype": "float16", "data": base64}``."""
    arr = np.ascontiguousarray(np.asarray(sim, dtype="<f2"))
    return {"shape": list(arr.shape), "dtype": "float16", "data": base64.b64encode(arr.tobytes()).decode("ascii")}


def decode_matrix(stored: dict[str, object]) -> np.ndarray:
    """Inverse of :func:`encode_matrix` (float32)."""
    if stored.get("dtype") != "float16":
        raise ValueError(f"unsupported similarity matrix dtype {stored.get('dtype')!r}")
    shape = tuple(int(n) for n in stored["shape"])  # type: ignore[union-attr]
    data = np.frombuffer(base64.b64decode(str(stored["data"])), dtype="<f2")
    return data.reshape(shape).astype(np.float32)
