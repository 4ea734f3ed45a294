"""Data a document records about positions of its own nodes, and how it follows node removal.

``clip_score`` records, per image, ``extra["assigned_text_index"]`` (the position of the text node
it is assigned to) and, per document, ``metadata["clip"]``: the image and text positions and the
image x text cosine similarities (:func:`encode_matrix`: little-endian float16, row-major, one row
per image, base64 next to its shape: about 2.7 characters of JSON per cell, where a list of
decimals takes about 7). When a step removes,
edits, merges or splits nodes, :func:`follow_removal` rewrites them to the nodes that remain.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np

from omniweave.document import Document, ImageNode, Node


def encode_matrix(sim: np.ndarray) -> dict[str, object]:
    """``{"shape": [rows, cols], "dtype": "float16", "data": base64}`` (little-endian, row-major)."""
    arr = np.ascontiguousarray(np.asarray(sim, dtype="<f2"))
    return {"shape": list(arr.shape), "dtype": "float16", "data": base64.b64encode(arr.tobytes()).decode("ascii")}


def decode_matrix(stored: dict[str, object]) -> np.ndarray:
    """Inverse of :func:`encode_matrix` (float32)."""
    if stored.get("dtype") != "float16":
        raise ValueError(f"unsupported similarity matrix dtype {stored.get('dtype')!r}")
    shape = tuple(int(n) for n in stored["shape"])  # type: ignore[union-attr]
    data = np.frombuffer(base64.b64decode(str(stored["data"])), dtype="<f2")
    return data.reshape(shape).astype(np.float32)


def moved_positions(before: Sequence[Node], after: Sequence[Node]) -> dict[int, int]:
    """Old position -> new position of every node that is still there.

    A node kept as it was is found by identity. Steps never reorder nodes, so between two kept
    nodes an edited node (a new object in the old one's place) is matched when the gap holds as
    many new nodes as old ones; a merge or a split leaves its old positions unmatched.
    """
    where = {id(node): j for j, node in enumerate(after)}
    moved: dict[int, int] = {}
    gap_old: list[int] = []
    last_new = -1
    for i, node in enumerate(before):
        j = where.get(id(node))
        if j is None:
            gap_old.append(i)
            continue
        _match_gap(gap_old, range(last_new + 1, j), moved)
        moved[i], last_new, gap_old = j, j, []
    _match_gap(gap_old, range(last_new + 1, len(after)), moved)
    return moved


def _match_gap(old: list[int], new: range, moved: dict[int, int]) -> None:
    if old and len(old) == len(new):
        moved.update(zip(old, new))


def follow_removal(doc: Document, before: Sequence[Node]) -> None:
    """Rewrite the positions ``doc`` records after its nodes changed from ``before`` to ``doc.nodes``:
    a position whose node is gone is forgotten (an image's assignment, a matrix row or column)."""
    if not _records_positions(doc):
        return
    moved = moved_positions(before, doc.nodes)
    for node in doc.nodes:
        if isinstance(node, ImageNode):
            old = node.extra.get("assigned_text_index")
            if old is not None:
                if old in moved:
                    node.extra["assigned_text_index"] = moved[old]
                else:
                    del node.extra["assigned_text_index"]
    clip: Any = doc.metadata.get("clip")
    if not isinstance(clip, dict) or "images" not in clip:
        return
    rows = [i for i, pos in enumerate(clip["images"]) if pos in moved]
    cols = [i for i, pos in enumerate(clip.get("texts", [])) if pos in moved]
    clip["images"] = [moved[clip["images"][i]] for i in rows]
    if "texts" in clip:
        clip["texts"] = [moved[clip["texts"][i]] for i in cols]
    if "similarity" in clip:
        clip["similarity"] = encode_matrix(decode_matrix(clip["similarity"])[np.ix_(rows, cols)])


def _records_positions(doc: Document) -> bool:
    return "clip" in doc.metadata or any(
        isinstance(n, ImageNode) and "assigned_text_index" in n.extra for n in doc.nodes)
