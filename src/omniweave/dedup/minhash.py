"""Near-duplicate dedup: MinHash LSH over word 5-grams (character 5-grams in Chinese/Japanese).

Text is lower-cased and cut into units: a run of word characters, or a single Han/Kana character
(those scripts do not separate words with spaces). Shingles are n consecutive units, hashed in
numpy from per-unit hashes; signatures come from rensa's R-MinHash in batches. Each of ``bands``
bands of ``rows`` signature values becomes one 64-bit key; documents sharing a band key are
candidates and join a cluster (:mod:`omniweave.dedup.cluster`); each cluster keeps one document.

Without an explicit ``bands``/``rows`` the layout is derived from ``threshold``: the layout using
at most ``num_perm`` values that catches a pair at the threshold with probability >= 0.95 and
has the least false-candidate area below it (0.8 and 128 give 18 bands x 7 rows).
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from pydantic import Field, model_validator
from rensa import RMinHash

from omniweave.dedup.base import KeyedDedup, KeyedDedupParams
from omniweave.document import Document

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
MIN_CANDIDATE_PROBABILITY = 0.95
CHUNK_CHARS, CHUNK_OVERLAP = 500_000, 1_000  # long texts are hashed in pieces of this size
_P = np.uint64(0x100000001B3)  # odd multiplier of the unit hash
_P_INV = np.uint64(pow(0x100000001B3, -1, 2**64))


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijective scramble of uint64 values (wrapping arithmetic)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


POSITION_MULTIPLIERS = mix64(np.arange(1, 66, dtype=np.uint64)) | np.uint64(1)  # odd, one per position


def candidate_probability(similarity: float | np.ndarray, bands: int, rows: int) -> float | np.ndarray:
    """Chance that a pair of this Jaccard similarity shares at least one band."""
    return 1.0 - (1.0 - np.power(similarity, rows)) ** bands


@lru_cache(maxsize=64)
def lsh_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) for ``threshold`` (see the module docstring)."""
    grid = np.linspace(0.0, threshold, 401)
    best: tuple[float, int, int] | None = None
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) < MIN_CANDIDATE_PROBABILITY:
            continue
        area = float(np.trapezoid(candidate_probability(grid, bands, rows), grid))
        if best is None or area < best[0]:
            best = (area, bands, rows)
    assert best is not None  # rows=1 catches everything
    return best[1], best[2]


@lru_cache(maxsize=1)
def char_classes() -> np.ndarray:
    """Per code point: 0 separator, 1 word character (as regex ``\\w``), 2 Han/Kana character."""
    codes = np.arange(0x110000, dtype=np.uint32)
    codes = codes[(codes < 0xD800) | (codes >= 0xE000)]  # no lone surrogates
    text = codes.astype("<u4").tobytes().decode("utf-32-le")
    table = np.zeros(0x110000, np.uint8)
    table[codes[[m.start() for m in re.finditer(r"\w", text)]]] = 1
    table[codes[[m.start() for m in re.finditer(f"[{_CJK}]", text)]]] = 2
    return table


def _chunks(text: str, size: int, overlap: int) -> list[str]:
    """``text`` cut into pieces of about ``size`` characters that overlap by ``overlap``."""
    if len(text) <= size:
        return [text]
    step = size - overlap
    return [text[i:i + size] for i in range(0, len(text) - overlap, step)]


def unit_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the units of ``text`` (lower-cased) and the character offset of each."""
    cp = np.frombuffer(text.lower().encode("utf-32-le", "surrogatepass"), dtype="<u4")
    cls = char_classes()[cp]
    word, cjk = cls == 1, cls == 2
    prev_word = np.concatenate([[False], word[:-1]])
    next_word = np.concatenate([word[1:], [False]])
    starts = np.flatnonzero((word & ~prev_word) | cjk)
    ends = np.flatnonzero((word & ~next_word) | cjk) + 1
    # polynomial hash sum(c_j * P^(j - start)) of each unit from prefix sums of c_j * P^j
    # (wrapping uint64 arithmetic; P is odd, so P^-start exists)
    powers = np.cumprod(np.full(cp.size, _P, dtype=np.uint64)) * _P_INV  # P^j
    prefix = np.concatenate([np.zeros(1, np.uint64), np.cumsum(cp * powers, dtype=np.uint64)])
    inverse = np.cumprod(np.full(starts.size and starts[-1] + 1, _P_INV, dtype=np.uint64)) * _P  # P^-j
    raw = (prefix[ends] - prefix[starts]) * inverse[starts]
    return mix64(raw + (ends - starts).astype(np.uint64)), starts


def shingle_hashes(texts: list[str], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every text's n-grams of units, flat, with row offsets (len(texts) + 1).

    A text shorter than ``ngram`` units has one shingle (all its units); one without units, none.
    """
    parts: list[np.ndarray] = []
    for text in texts:
        h, _ = unit_hashes(text)
        width = min(ngram, h.size)
        count = h.size - width + 1 if width else 0
        acc = np.zeros(count, dtype=np.uint64)
        for k in range(width):
            acc += h[k:k + count] * POSITION_MULTIPLIERS[k]
        parts.append(mix64(acc + np.uint64(width)))
    sizes = np.array([p.size for p in parts], dtype=np.uint64)
    offsets = np.concatenate([np.zeros(1, np.uint64), np.cumsum(sizes, dtype=np.uint64)])
    flat = np.concatenate(parts) if parts else np.empty(0, np.uint64)
    return flat, offsets


def signatures(texts: list[str], ngram: int, num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(MinHash signatures of the texts that have shingles, uint32 [k, num_perm]; which texts).

    A long text is hashed in overlapping pieces whose signatures are merged (element-wise
    minimum), so no buffer grows beyond :data:`CHUNK_CHARS` characters' worth.
    """
    pieces, owner = [], []
    for i, text in enumerate(texts):
        for piece in _chunks(text, CHUNK_CHARS, CHUNK_OVERLAP):
            pieces.append(piece)
            owner.append(i)
    flat, offsets = shingle_hashes(pieces, ngram)
    sizes = np.diff(offsets)
    has = np.flatnonzero(sizes > 0)
    if has.size == 0:
        return np.empty((0, num_perm), np.uint32), np.empty(0, np.int64)
    offsets = np.concatenate([np.zeros(1, np.uint64), np.cumsum(sizes[has], dtype=np.uint64)])
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, seed)
    rows = np.array(matrix.to_rows(), dtype=np.uint32)
    owners = np.asarray(owner, dtype=np.int64)[has]
    heads = np.flatnonzero(np.concatenate([[True], owners[1:] != owners[:-1]]))
    return np.minimum.reduceat(rows, heads, axis=0), owners[heads]


def band_keys(signature: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 key per (document, band): the band's rows and its index, hashed."""
    values = signature[:, : bands * rows].astype(np.uint64).reshape(len(signature), bands, rows)
    acc = (values * POSITION_MULTIPLIERS[:rows]).sum(axis=2, dtype=np.uint64)
    return mix64(acc + np.arange(bands, dtype=np.uint64) * POSITION_MULTIPLIERS[rows])


class MinhashParams(KeyedDedupParams):
    threshold: float = Field(0.8, gt=0.0, lt=1.0, description="Jaccard similarity of shingle sets")
    num_perm: int = Field(128, ge=8, le=1024)
    bands: int | None = Field(None, ge=1, description="with rows: explicit LSH layout (else from threshold)")
    rows: int | None = Field(None, ge=1)
    ngram: int = Field(5, ge=1, le=32, description="units per shingle (words; Han/Kana characters)")
    seed: int = Field(1, ge=0)

    @model_validator(mode="after")
    def _layout(self) -> MinhashParams:
        if (self.bands is None) != (self.rows is None):
            raise ValueError("give both bands and rows, or neither")
        if self.bands is not None and self.rows is not None and self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}")
        return self

    def layout(self) -> tuple[int, int]:
        if self.bands is not None and self.rows is not None:
            return self.bands, self.rows
        return lsh_layout(self.threshold, self.num_perm)


class MinhashDedup(KeyedDedup):
    name = "minhash_dedup"
    reason = "near_duplicate"
    Params = MinhashParams

    def doc_keys(self, docs: list[Document]) -> list[np.ndarray]:
        p: MinhashParams = self.params  # type: ignore[assignment]
        bands, rows = p.layout()
        sig, which = signatures([d.text for d in docs], p.ngram, p.num_perm, p.seed)
        keys = band_keys(sig, bands, rows)
        out = [np.empty(0, np.uint64)] * len(docs)
        for row, index in enumerate(which):
            out[index] = keys[row]
        return out
