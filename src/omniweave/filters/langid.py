"""Language identification: writes ``Document.language``/``language_score`` and optionally filters.

The default model is py3langid's (shipped inside the package, 97 languages, calibrated
probabilities). With ``fasttext_model`` set, that fastText classifier is used instead (lid.176,
GlotLID, ...; labels such as ``__label__en`` or ``__label__zho_Hans`` are normalised to ISO 639-1
where a table entry exists). The text looked at is the document's text nodes, cut to ``max_chars``.

py3langid ships its model LZMA-compressed (4.6 MB, 68 MB once unpacked: ~0.7 s of CPU and ~150 MB
of peak memory per process). It is unpacked once per machine into the user's cache
(``$XDG_CACHE_HOME/omniweave``, else ``~/.cache/omniweave``; ``OMNIWEAVE_CACHE`` overrides) as
plain ``.npy`` files that every worker memory-maps: the same arrays, loaded in milliseconds, with
their pages shared between the workers of a machine. Where the cache cannot be written the model
is unpacked in memory as before.

py3langid walks its byte automaton in a Python loop, one step per byte (~0.1 µs a byte, most of
its time), over a 39 MB transition table. Here the automaton is its trie, stored as a double array
(:mod:`omniweave.filters.langid_trie`, ~1.5 MB) and walked in C loops (the compiled build) or for
every byte at once in numpy; the features counted, in the same order, and so the scores are exactly py3langid's
(tests/test_language_id.py compares them on real pages).
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
from py3langid.langid import LanguageIdentifier
from pydantic import Field, field_validator, model_validator

from omniweave.document import Document
from omniweave.filters.langid_trie import (
    COMPILED, Trie, check_walk, double_array, feature_counts, node_slots, pair_slots, widened_rows)
from omniweave.io.cache import cached_arrays, load_arrays
from omniweave.pipeline.step import Filter, StepParams

if TYPE_CHECKING:
    from omniweave.pipeline.context import TaskContext

# 639-3 / macro codes that fastText-style models emit, for the languages this project tunes for.
_ISO3_TO_1 = {
    "eng": "en", "zho": "zh", "cmn": "zh", "yue": "zh", "jpn": "ja", "kor": "ko", "deu": "de", "fra": "fr",
    "spa": "es", "por": "pt", "ita": "it", "rus": "ru", "arb": "ar", "ara": "ar", "nld": "nl", "pol": "pl",
    "tur": "tr", "vie": "vi", "ukr": "uk", "hin": "hi", "ind": "id", "swe": "sv", "ces": "cs", "fas": "fa",
}


def normalize_label(label: str) -> str:
    """``__label__zho_Hans`` -> ``zh``; ``__label__en`` -> ``en``; unknown codes pass unchanged."""
    code = label.removeprefix("__label__")
    base = code.split("_")[0].split("-")[0].lower()
    return _ISO3_TO_1.get(base, base)


class LanguageModel(Protocol):
    def predict(self, text: str) -> tuple[str, float]: ...


log = logging.getLogger(__name__)
_PY3LANGID_ARRAYS = ("ptc", "pc", "classes", "base", "check", "feature", "depth", "negative_normal")
_CACHE_LAYOUT = "trie3"  # bumped when the cached arrays change meaning
_NEGATIVE_NORMAL = (0x8400, 0xFBFF)  # the float16 bit patterns of negative normal numbers


def _unpacked_py3langid() -> Path:
    """The cache folder of py3langid's model as ``.npy`` files (unpacked on first use)."""
    return cached_arrays(f"py3langid-{version('py3langid')}-{_CACHE_LAYOUT}", _PY3LANGID_ARRAYS, _unpack_py3langid)


def _unpack_py3langid() -> dict[str, np.ndarray]:
    from py3langid.langid import MODEL_DIR, MODEL_FILE
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    arrays = {"ptc": np.asarray(ptc), "pc": np.asarray(pc), "classes": np.asarray(classes)}
    bits = arrays["ptc"].view(np.uint16) if arrays["ptc"].dtype == np.float16 else np.zeros(1, np.uint16)
    arrays["negative_normal"] = np.asarray(bits.min() >= _NEGATIVE_NORMAL[0] and bits.max() <= _NEGATIVE_NORMAL[1])
    arrays["base"], arrays["check"], arrays["feature"], arrays["depth"] = trie_model(
        np.asarray(nextmove, dtype=np.int64), np.asarray(row, dtype=np.int64), np.asarray(output, dtype=np.int64))
    return arrays


def trie_model(nextmove: np.ndarray, row: np.ndarray, output: np.ndarray) -> tuple[np.ndarray, ...]:
    """py3langid's automaton as a double-array trie: (base, check, feature of each slot, depth)."""
    trie = Trie.of_automaton(nextmove, row)
    slot, base, check = double_array(trie)
    feature = np.full(len(base), -1, dtype=np.int32)
    feature[slot] = output
    return base.astype(np.int32), check.astype(np.int32), feature, np.asarray(trie.depth)


class VectorisedIdentifier(LanguageIdentifier):
    """py3langid's identifier with the automaton walked by :mod:`~omniweave.filters.langid_trie`.

    py3langid's score is ``log1p(counts) @ ptc[features]``: numpy first widens the float16 rows of
    ``ptc`` to float32 one value at a time (~4 ns a value, 6x the product itself). Here the rows are
    widened with integer shifts (:func:`_shift_widen`; exactly the same numbers), and the same float32
    product is taken, so the scores are the same to the bit."""

    __slots__ = ("_per_thread", "_widened", "negative_normal", "pairs", "walk")
    walk: tuple[np.ndarray, np.ndarray, np.ndarray, int]  # base, check, feature of each slot, depth
    negative_normal: bool  # every value of ptc is a negative normal float16 (checked when cached)
    pairs: tuple[np.ndarray, np.ndarray] | None  # the walk's pair_slots (made on first use)
    _widened: np.ndarray | None  # float32 value of each float16 bit pattern, when ptc is float16
    _per_thread: threading.local  # .tally: feature_counts' zeroed counts; .rows: widened_rows' buffer

    def _raw_score(self, text: bytes) -> np.ndarray:
        seen, counts = self._feature_counts(text)
        if not len(seen):
            return super()._raw_score(b"")  # featureless: py3langid's own answer (its loop reads nothing)
        if self.nb_ptc.dtype != np.float16:
            return self._sparse_score(dict(zip(seen.tolist(), counts.tolist())), self.nb_ptc)
        if COMPILED and getattr(self, "negative_normal", False):
            rows = self._widened_rows(seen)
        else:
            bits = self.nb_ptc.view(np.uint16).take(seen, axis=0)
            rows = _shift_widen(bits) if getattr(self, "negative_normal", False) else self._widen(bits)
        return np.log1p(counts.astype(np.float32)) @ rows + self.nb_pc

    def _widened_rows(self, seen: np.ndarray) -> np.ndarray:
        """The rows ``seen`` of ``ptc`` as float32, gathered and widened in one C pass into this
        thread's buffer (grown as needed: fresh arrays of this size cost page faults)."""
        buffer = getattr(self._per_thread, "rows", None)
        if buffer is None or len(buffer) < len(seen):
            buffer = self._per_thread.rows = np.empty((max(len(seen), 4096), self.nb_ptc.shape[1]), np.uint32)
        return widened_rows(self.nb_ptc.view(np.uint16), seen, buffer).view(np.float32)

    def _feature_counts(self, text: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The features ``text`` reaches, distinct in the order first seen, and their counts: C loops
        in the compiled build, else numpy passes over every byte at once (the same arrays)."""
        base, check, feature, depth = self.walk
        if COMPILED:
            tally = getattr(self._per_thread, "tally", None)
            if tally is None:
                tally = self._per_thread.tally = np.zeros(len(self.nb_ptc), dtype=np.int32)
            return feature_counts(base, check, feature, text, depth, tally)
        if getattr(self, "pairs", None) is None:
            self.pairs = pair_slots(base, check)
        features = feature[node_slots(base, check, text, depth, self.pairs)]
        return _first_seen_counts(features[features >= 0], len(self.nb_ptc))

    def _widen(self, bits: np.ndarray) -> np.ndarray:
        """float16 bit patterns as the float32 numbers they stand for: by :func:`_shift_widen` when all
        are negative and normal, else through a 65,536-entry lookup table."""
        if len(bits) and bits.min() >= _NEGATIVE_NORMAL[0] and bits.max() <= _NEGATIVE_NORMAL[1]:
            return _shift_widen(bits)
        if getattr(self, "_widened", None) is None:
            self._widened = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
        return self._widened.take(bits)


def _shift_widen(bits: np.ndarray) -> np.ndarray:
    """Negative normal float16 bit patterns (log probabilities) as float32 numbers: each one's float32
    bits are its own shifted, the exponent rebased (15 to 127) and the sign kept, in two integer
    passes (~25% faster than a lookup)."""
    widened = np.left_shift(bits, 13, dtype=np.uint32)
    # shifted, the sign lies at bit 28: adding 2**31 - 2**28 (mod 2**32) moves it to bit 31, 112 << 23 rebases
    widened += np.uint32(0xA800_0000)
    return widened.view(np.float32)


def _first_seen_counts(features: np.ndarray, vocabulary: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``features`` in the order first seen (py3langid sums them in that order) and how
    often each occurs, from one sort of (feature, position) keys: 32-bit keys where they fit
    (``vocabulary`` features), else 64-bit."""
    n = len(features)
    if not n:
        return features, np.zeros(0, dtype=np.int64)
    shift = n.bit_length()
    wide = vocabulary > (1 << (32 - shift))
    keys = features.astype(np.int64 if wide else np.uint32)
    keys <<= shift
    keys |= np.arange(n, dtype=keys.dtype)
    keys.sort()
    feature = keys >> shift
    heads = np.flatnonzero(np.concatenate(([True], feature[1:] != feature[:-1])))
    counts = np.diff(np.append(heads, n))
    order = np.argsort(keys[heads] & ((1 << shift) - 1))
    return feature[heads][order], counts[order]


class Py3LangidModel:
    """py3langid's bundled model with normalised probabilities (memory-mapped from the cache)."""

    def __init__(self) -> None:
        from py3langid.langid import MODEL_FILE

        try:
            folder = _unpacked_py3langid()
        except OSError as exc:
            log.warning("py3langid model not cached (%s); unpacking it in memory", exc)
            self._model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            return
        arrays = load_arrays(folder, _PY3LANGID_ARRAYS)
        # py3langid's own loop, which wants the transition table as lists, is not used
        self._model = VectorisedIdentifier(
            arrays["ptc"], np.asarray(arrays["pc"]), arrays["classes"].tolist(), [], [], norm_probs=True, tk_row=[])
        self._model.walk = (np.asarray(arrays["base"]), np.asarray(arrays["check"]), np.asarray(arrays["feature"]),
                            int(arrays["depth"]))
        self._model.negative_normal = bool(arrays["negative_normal"])
        self._model._per_thread = threading.local()
        check_walk(*self._model.walk[:3], len(arrays["ptc"]))

    def predict(self, text: str) -> tuple[str, float]:
        lang, score = self._model.classify(text)
        return normalize_label(lang), float(score)


class FastTextModel:
    """A fastText language-ID model read from ``path`` (needs the optional ``fasttext`` package)."""

    def __init__(self, path: str) -> None:
        if not Path(path).is_file():
            raise FileNotFoundError(f"language_id: fastText model {path!r} not found")
        try:
            import fasttext
        except ImportError as exc:
            raise ImportError(
                "language_id: fasttext_model needs the fasttext package: pip install 'omniweave[fasttext]'"
            ) from exc
        self._model = fasttext.load_model(path)

    def predict(self, text: str) -> tuple[str, float]:
        labels, scores = self._model.predict(text.replace("\n", " "), k=1)
        if not labels:
            return "und", 0.0
        return normalize_label(labels[0]), min(1.0, float(scores[0]))


@lru_cache(maxsize=1)
def py3langid_languages() -> frozenset[str]:
    """The codes the bundled model can give (after :func:`normalize_label`)."""
    model = load_language_model(None)
    assert isinstance(model, Py3LangidModel)
    return frozenset(normalize_label(label) for label in model._model.nb_classes)


@lru_cache(maxsize=4)
def load_language_model(fasttext_model: str | None = None) -> LanguageModel:
    """The model for a recipe (cached per process: loading costs ~0.1-1 s)."""
    return FastTextModel(fasttext_model) if fasttext_model else Py3LangidModel()


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


class LanguageIdParams(StepParams):
    languages: list[str] | None = Field(None, description="keep only these (ISO 639-1); None keeps all")
    min_score: float = Field(0.0, ge=0.0, le=1.0, description="drop documents scored below this")
    fasttext_model: str | None = Field(None, description="path of a fastText model to use instead of py3langid")
    max_chars: int = Field(5000, gt=0, description="characters of text given to the model")

    @field_validator("languages")
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        bad = [code for code in value or [] if not _LANGUAGE_CODE.fullmatch(code)]
        if bad:
            raise ValueError(f"{bad[0]!r} is not a language code (ISO 639-1 in lower case, e.g. en, zh, de)")
        return value

    @field_validator("fasttext_model")
    @classmethod
    def _model_file(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"fastText model file {value!r} not found")
        return value

    @model_validator(mode="after")
    def _known_to_the_model(self) -> LanguageIdParams:
        """With the bundled model, every language must be one it can name (else all is dropped)."""
        if self.languages and self.fasttext_model is None:
            known = py3langid_languages()
            unknown = [code for code in self.languages if code not in known]
            if unknown:
                raise ValueError(f"languages: the bundled model never names {unknown[0]!r}; "
                                 f"it knows: {', '.join(sorted(known))}")
        return self


class LanguageId(Filter):
    """Identify each document's language; drop those not in ``languages`` or scored under ``min_score``."""

    name = "language_id"
    Params = LanguageIdParams

    @property
    def model(self) -> LanguageModel:
        return load_language_model(self.params.fasttext_model)

    def setup(self, ctx: TaskContext) -> None:
        self.model  # noqa: B018 (load before the first document, so a bad path fails early)

    def keep(self, doc: Document) -> bool | str:
        text = doc.text_head(self.params.max_chars).strip()
        if not text:
            doc.language, doc.language_score = "und", 0.0
            return "no_text"
        doc.language, doc.language_score = self.model.predict(text)
        if self.params.languages is not None and doc.language not in self.params.languages:
            return "wrong_language"
        if doc.language_score < self.params.min_score:
            return "low_language_score"
        return True
