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

import hashlib
import logging
import re
import unicodedata
from functools import lru_cache

import numpy as np
from pydantic import Field, model_validator
from rensa import RMinHash

from omniweave.dedup.base import KeyedDedup, KeyedDedupParams
from omniweave.document import Document
from omniweave.io.cache import cached_arrays, load_arrays
from omniweave.text.words import CJK_CHARS

log = logging.getLogger(__name__)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
MIN_CANDIDATE_PROBABILITY = 0.95
CHUNK_CHARS, CHUNK_OVERLAP = 500_000, 1_000  # long texts are hashed in pieces of this size
GROUP_CHARS = 100_000  # texts are hashed together up to this size (a text's hashes do not depend on it)
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
def char_tables() -> tuple[np.ndarray, np.ndarray]:
    """Per code point: its lower case (one code point), and its class: 0 separator, 1 word
    character (as regex ``\\w``), 2 Han/Kana character (a unit on its own). Derived once per machine
    (for this Unicode version and script table) into omniweave's cache and memory-mapped from it
    (~0.1 s of CPU saved per worker); in memory where the cache cannot be written."""
    names = ("lower", "classes")
    key = hashlib.sha256(f"{unicodedata.unidata_version}|{CJK_CHARS}".encode("utf-8", "surrogatepass")).hexdigest()
    try:
        arrays = load_arrays(cached_arrays(f"minhash-chars-{key[:16]}", names, _derive_char_tables), names)
    except OSError as exc:
        log.warning("minhash character tables not cached (%s); derived in memory", exc)
        arrays = _derive_char_tables()
    return np.asarray(arrays["lower"]), np.asarray(arrays["classes"])


def _derive_char_tables() -> dict[str, np.ndarray]:
    codes = np.arange(0x110000, dtype=np.uint32)
    codes = codes[(codes < 0xD800) | (codes >= 0xE000)]  # no lone surrogates
    text = codes.astype("<u4").tobytes().decode("utf-32-le")
    lowered = text.replace("\u0130", "i").lower()  # U+0130 is the one code point lower() expands
    lower = np.arange(0x110000, dtype=np.uint32)
    lower[codes] = np.frombuffer(lowered.encode("utf-32-le"), dtype="<u4")
    classes = np.zeros(0x110000, np.uint8)
    # each one-character match replaced by a marker that matches too: the marker's places are the matches
    for pattern, marker, value in ((r"\w", "a", 1), (f"[{CJK_CHARS}]", "\u4e00", 2)):
        marked = re.sub(pattern, marker, text).encode("utf-32-le")
        classes[codes[np.frombuffer(marked, dtype="<u4") == ord(marker)]] = value
    return {"lower": lower, "classes": classes}


def _chunks(text: str, size: int, overlap: int) -> list[str]:
    """``text`` cut into pieces of about ``size`` characters that overlap by ``overlap``."""
    if len(text) <= size:
        return [text]
    step = size - overlap
    return [text[i:i + size] for i in range(0, len(text) - overlap, step)]


def _power_table(base: int, count: int) -> np.ndarray:
    out = np.full(count, base, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)


_cached_power_table = lru_cache(maxsize=2)(_power_table)


def _powers(base: np.uint64, count: int) -> np.ndarray:
    """base**0 .. base**(count - 1) in wrapping uint64 arithmetic (from a cached table when it fits)."""
    size = 2 * GROUP_CHARS
    return _cached_power_table(int(base), size)[:count] if count <= size else _power_table(int(base), count)


def unit_hashes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the units of ``text`` (lower-cased) and the character offset of each."""
    lower, classes = char_tables()
    cp = lower[np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")]
    cls = classes[cp]
    word, cjk = cls == 1, cls == 2
    prev_word = np.concatenate([[False], word[:-1]])
    next_word = np.concatenate([word[1:], [False]])
    starts = np.flatnonzero((word & ~prev_word) | cjk)
    ends = np.flatnonzero((word & ~next_word) | cjk) + 1
    # polynomial hash sum(c_j * P^(j - start)) of each unit from prefix sums of c_j * P^j
    # (wrapping uint64 arithmetic; P is odd, so P^-start exists)
    prefix = np.concatenate([np.zeros(1, np.uint64), np.cumsum(cp * _powers(_P, cp.size), dtype=np.uint64)])
    raw = (prefix[ends] - prefix[starts]) * _powers(_P_INV, cp.size)[starts]
    return mix64(raw + (ends - starts).astype(np.uint64)), starts


def shingle_hashes(texts: list[str], ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of every text's n-grams of units, flat, with row offsets (len(texts) + 1).

    A text shorter than ``ngram`` units has one shingle (all its units); one without units, none.
    All texts are hashed as one array (joined by a separator), so the cost per text is small.
    """
    units, at = unit_hashes("\n".join(texts))
    text_starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    owner = np.searchsorted(text_starts, at, side="right") - 1
    per_text = np.bincount(owner, minlength=len(texts))
    first_unit = np.concatenate([[0], np.cumsum(per_text)[:-1]])
    count = max(units.size - ngram + 1, 0)
    acc = np.zeros(count, np.uint64)
    for k in range(ngram):
        acc += units[k:k + count] * POSITION_MULTIPLIERS[k]
    within = owner[ngram - 1:ngram - 1 + count] == owner[:count]  # n-grams inside one text
    hashes, hash_owner = [mix64(acc[within] + np.uint64(ngram))], [owner[:count][within]]
    for t in np.flatnonzero((per_text > 0) & (per_text < ngram)):  # short texts: one shingle each
        h = units[first_unit[t]:first_unit[t] + per_text[t]] * POSITION_MULTIPLIERS[:per_text[t]]
        hashes.append(mix64(np.array([h.sum(dtype=np.uint64) + np.uint64(per_text[t])], np.uint64)))
        hash_owner.append(np.array([t]))
    flat, flat_owner = np.concatenate(hashes), np.concatenate(hash_owner)
    flat = flat[np.argsort(flat_owner, kind="stable")]
    sizes = np.bincount(flat_owner, minlength=len(texts))
    return flat, np.concatenate([[0], np.cumsum(sizes)]).astype(np.uint64)


def _groups(pieces: list[str], limit: int) -> list[tuple[int, int]]:
    """Consecutive ranges of pieces of at most ``limit`` characters in all (or one piece)."""
    ranges, begin, size = [], 0, 0
    for i, piece in enumerate(pieces):
        if i > begin and size + len(piece) > limit:
            ranges.append((begin, i))
            begin, size = i, 0
        size += len(piece)
    if pieces:
        ranges.append((begin, len(pieces)))
    return ranges


def signatures(texts: list[str], ngram: int, num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(MinHash signatures of the texts that have shingles, uint32 [k, num_perm]; which texts).

    Texts are hashed in groups of at most :data:`GROUP_CHARS` characters, and a text longer than
    :data:`CHUNK_CHARS` in overlapping pieces whose signatures are merged (element-wise minimum),
    so no buffer grows with the length of a document.
    """
    pieces, owner = [], []
    for i, text in enumerate(texts):
        for piece in _chunks(text, CHUNK_CHARS, CHUNK_OVERLAP):
            pieces.append(piece)
            owner.append(i)
    rows, has = [], []
    for begin, end in _groups(pieces, GROUP_CHARS):
        flat, offsets = shingle_hashes(pieces[begin:end], ngram)
        sizes = np.diff(offsets)
        keep = np.flatnonzero(sizes > 0)
        if keep.size:
            offsets = np.concatenate([np.zeros(1, np.uint64), np.cumsum(sizes[keep], dtype=np.uint64)])
            matrix = RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, num_perm, seed)
            rows.append(np.array(matrix.to_rows(), dtype=np.uint32))
            has.append(keep + begin)
    if not rows:
        return np.empty((0, num_perm), np.uint32), np.empty(0, np.int64)
    owners = np.asarray(owner, dtype=np.int64)[np.concatenate(has)]
    heads = np.flatnonzero(np.concatenate([[True], owners[1:] != owners[:-1]]))
    return np.minimum.reduceat(np.concatenate(rows), heads, axis=0), owners[heads]


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
    batch_chars = CHUNK_CHARS

    def doc_keys(self, docs: list[Document]) -> list[np.ndarray]:
        p: MinhashParams = self.params  # type: ignore[assignment]
        bands, rows = p.layout()
        sig, which = signatures([d.text for d in docs], p.ngram, p.num_perm, p.seed)
        keys = band_keys(sig, bands, rows)
        out = [np.empty(0, np.uint64)] * len(docs)
        for row, index in enumerate(which):
            out[index] = keys[row]
        return out
