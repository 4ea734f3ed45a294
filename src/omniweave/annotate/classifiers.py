"""Document classifiers behind one interface: a fastText model file or a Hugging Face text classifier.

``predict(texts)`` returns one ``{label: probability}`` per text. fastText labels lose their
``__label__`` prefix; a Hugging Face model's labels are its ``config.id2label``, with softmax
probabilities (sigmoid per label when ``problem_type`` is ``multi_label_classification``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from omniweave.annotate.runtime import Device, batched, pick_device, require
from omniweave.pipeline.recipe import RecipeError

Kind = Literal["auto", "fasttext", "huggingface"]


class DocumentClassifier(Protocol):
    def predict(self, texts: list[str]) -> list[dict[str, float]]: ...


def resolve_kind(step: str, source: str, kind: Kind) -> Literal["fasttext", "huggingface"]:
    """Which loader ``source`` needs (a file: fastText; a folder or hub id: Hugging Face), checked now."""
    path = Path(source)
    if kind == "auto":
        kind = "fasttext" if path.is_file() else "huggingface"
    if kind == "fasttext":
        if not path.is_file():
            raise RecipeError(f"{step}.model: fastText model file {source!r} not found")
        require(step, "fasttext")
        return kind
    transformers = require(step, "transformers")
    try:
        config = transformers.AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise RecipeError(f"{step}.model: no model config at {source!r} ({exc})") from None
    if not getattr(config, "id2label", None):
        raise RecipeError(f"{step}.model: {source!r} has no labels (config.id2label)")
    return kind


class FastTextClassifier:
    """A supervised fastText model; probabilities of all its labels."""

    def __init__(self, path: str, step: str = "doc_classifier") -> None:
        self.model = require(step, "fasttext").load_model(path)

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        lines = [" ".join(t.split()) for t in texts]
        labels, probs = self.model.predict(lines, k=-1, threshold=0.0)
        return [{lab.removeprefix("__label__"): min(1.0, float(p)) for lab, p in zip(ls, ps)}
                for ls, ps in zip(labels, probs)]


class HuggingFaceClassifier:
    """``AutoModelForSequenceClassification`` with its tokenizer, batched on the chosen device."""

    def __init__(self, source: str, device: Device = "auto", half: bool | None = None, batch_size: int = 32,
                 max_tokens: int = 512, step: str = "doc_classifier") -> None:
        self.torch = require(step, "torch")
        transformers = require(step, "transformers")
        self.device, self.dtype = pick_device(step, device, half)
        self.model: Any = transformers.AutoModelForSequenceClassification.from_pretrained(source, dtype=self.dtype)
        self.model = self.model.to(self.device).eval()
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(source)
        limit = getattr(self.model.config, "max_position_embeddings", None) or max_tokens
        self.max_tokens, self.batch_size = min(max_tokens, int(limit)), batch_size
        self.labels = [self.model.config.id2label[i] for i in range(self.model.config.num_labels)]
        self.multi_label = self.model.config.problem_type == "multi_label_classification"

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        out: list[dict[str, float]] = []
        for chunk in batched(texts, self.batch_size):
            tokens = self.tokenizer(chunk, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt")
            with self.torch.inference_mode():
                logits = self.model(**{k: v.to(self.device) for k, v in tokens.items()}).logits.float()
            probs = (logits.sigmoid() if self.multi_label else logits.softmax(dim=-1)).cpu().numpy()
            out.extend(dict(zip(self.labels, row.tolist())) for row in np.asarray(probs))
        return out
