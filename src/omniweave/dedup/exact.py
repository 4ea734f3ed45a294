"""Exact deduplication on normalised text, keeping the newest capture of each text (by default).

Text is normalised (Unicode NFKC, case-folded, whitespace collapsed) before hashing, so copies that
differ only in case, spacing or compatibility characters are exact duplicates. Documents without
text are never treated as duplicates here.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from omniweave.dedup.base import KeyedDedup
from omniweave.dedup.cluster import stable_hash64
from omniweave.document import Document


def normalise_text(text: str) -> str:
    # str.split() splits on exactly the characters a regex \s matches (Unicode whitespace), ~3x faster
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


class ExactDedup(KeyedDedup):
    name = "exact_dedup"
    reason = "exact_duplicate"

    def doc_keys(self, docs: list[Document]) -> list[np.ndarray]:
        out = []
        for doc in docs:
            text = normalise_text(doc.text)
            out.append(stable_hash64([text]) if text else np.empty(0, np.uint64))
        return out
