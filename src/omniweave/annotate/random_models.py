"""Random-weight models of the real architectures, saved in the real on-disk formats.

For tests and benchmarks on machines that cannot download weights: the files load through the
same code paths as real checkpoints (``save_pretrained`` folders, head state dicts), but every
score they produce is meaningless. Never point a production recipe at them.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from omniweave.annotate.runtime import require

ClipSize = Literal["tiny", "vit-b-32"]

# (vision, text, projection_dim, image side) per size; vit-b-32 has the layer sizes of OpenAI's ViT-B/32
_CLIP_SIZES: dict[str, tuple[dict[str, int], dict[str, int], int]] = {
    "tiny": ({"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
              "image_size": 64, "patch_size": 16},
             {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2}, 16),
    "vit-b-32": ({"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_attention_heads": 12,
                  "image_size": 224, "patch_size": 32},
                 {"hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12, "num_attention_heads": 8}, 512),
}


def _byte_bpe_vocab() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """A byte-level BPE vocabulary (every byte, alone and word-final) with a few English merges."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    chars = list(bytes_to_unicode().values())
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for suffix in ("", "</w>"):
        for c in chars:
            vocab[c + suffix] = len(vocab)
    merges = [("t", "h"), ("th", "e</w>"), ("i", "n"), ("a", "n"), ("e", "r"), ("o", "n"), ("r", "e")]
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    return vocab, merges


def save_random_clip(path: str | Path, size: ClipSize = "tiny", seed: int = 0) -> Path:
    """A random CLIPModel with tokenizer and image processor, written by ``save_pretrained``."""
    torch = require("random_models", "torch")
    tf = require("random_models", "transformers")
    vision, text, projection = _CLIP_SIZES[size]
    vocab, merges = _byte_bpe_vocab()
    torch.manual_seed(seed)
    config = tf.CLIPConfig(
        text_config=dict(text, vocab_size=len(vocab), max_position_embeddings=77, bos_token_id=0, eos_token_id=1,
                         pad_token_id=1),
        vision_config=vision, projection_dim=projection,
    )
    side = vision["image_size"]
    processor = tf.CLIPImageProcessorPil(size={"shortest_edge": side}, crop_size={"height": side, "width": side})
    out = Path(path)
    tf.CLIPModel(config).save_pretrained(out)
    tf.CLIPTokenizer(vocab=vocab, merges=merges).save_pretrained(out)
    processor.save_pretrained(out)
    return out


def save_random_head(path: str | Path, dims: list[int], seed: int = 0) -> Path:
    """A LAION-style head state dict: ``nn.Linear`` for two dims, else ``layers.{0,2,...}`` of an MLP."""
    torch = require("random_models", "torch")
    torch.manual_seed(seed)
    linears = [torch.nn.Linear(a, b) for a, b in pairwise(dims)]
    state: dict[str, Any]
    if len(linears) == 1:
        state = linears[0].state_dict()
    else:
        state = {f"layers.{2 * i}.{k}": v for i, lin in enumerate(linears) for k, v in lin.state_dict().items()}
    out = Path(path)
    if out.suffix == ".safetensors":
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in state.items()}, str(out))
    else:
        torch.save(state, out)
    return out


def save_random_text_classifier(path: str | Path, labels: list[str], texts: list[str], seed: int = 0,
                                multi_label: bool = False) -> Path:
    """A tiny random BertForSequenceClassification with a WordPiece vocabulary of ``texts``' words."""
    torch = require("random_models", "torch")
    tf = require("random_models", "transformers")
    words = Counter(w for t in texts for w in t.lower().split() if w.isalpha())
    vocab = {tok: i for i, tok in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(words)])}
    torch.manual_seed(seed)
    config = tf.BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=64, max_position_embeddings=128, num_labels=len(labels),
                           id2label=dict(enumerate(labels)), label2id={lab: i for i, lab in enumerate(labels)},
                           problem_type="multi_label_classification" if multi_label else None)
    out = Path(path)
    tf.BertForSequenceClassification(config).save_pretrained(out)
    tf.BertTokenizer(vocab=vocab).save_pretrained(out)
    return out


def save_random_fasttext(path: str | Path, labels: list[str], words: list[str], dim: int = 8, seed: int = 0,
                         matrices: tuple[Any, Any] | None = None) -> Path:
    """A supervised fastText model file (format version 12: softmax loss, words only, no subwords or n-grams).

    Written directly rather than trained, so its weights are known to the caller: the input matrix
    has one row per word (``</s>`` first, then ``words``), the output matrix one row per label;
    ``matrices`` gives both instead of random ones.
    """
    import struct

    import numpy as np

    rng = np.random.default_rng(seed)
    vocab = ["</s>", *dict.fromkeys(words)]
    # Args: dim ws epoch minCount neg wordNgrams loss(softmax=3) model(sup=3) bucket minn maxn lrUpdateRate t
    blob = [struct.pack("<ii", 793712314, 12), struct.pack("<12id", dim, 5, 1, 1, 5, 1, 3, 3, 0, 0, 0, 100, 1e-4)]
    entries = [(w, 0) for w in vocab] + [(f"__label__{lab}", 1) for lab in labels]
    blob.append(struct.pack("<iiiqq", len(entries), len(vocab), len(labels), len(entries), -1))
    for word, kind in entries:
        blob.append(word.encode("utf-8") + b"\0" + struct.pack("<qb", 1, kind))
    for k, rows in enumerate((len(vocab), len(labels))):  # quantized flag, then the dense matrix
        matrix = (np.asarray(matrices[k]) if matrices else rng.normal(0, 1, (rows, dim))).astype("<f4")
        blob.append(struct.pack("<?qq", False, rows, dim) + matrix.tobytes())
    out = Path(path)
    out.write_bytes(b"".join(blob))
    return out
