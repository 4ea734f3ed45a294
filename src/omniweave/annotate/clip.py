"""A CLIP model (transformers format) that turns images and texts into unit-length embeddings.

``source`` is a folder written by ``save_pretrained`` (config, weights, tokenizer and image
processor files) or a hub id already in the local Hugging Face cache. Images are preprocessed
with the PIL/numpy image processor (no torchvision).
"""

from __future__ import annotations

from concurrent.futures import Executor
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from omniweave.annotate.imagebytes import decode_rgb
from omniweave.annotate.runtime import Device, pick_device, require
from omniweave.pipeline.recipe import RecipeError

if TYPE_CHECKING:
    from PIL import Image


def clip_config(step: str, source: str) -> Any:
    """The CLIP config at ``source``; a clear :class:`RecipeError` when there is none."""
    transformers = require(step, "transformers")
    try:
        config = transformers.AutoConfig.from_pretrained(source)
    except (OSError, ValueError) as exc:
        raise RecipeError(f"{step}.model: no model config at {source!r} ({exc})") from None
    if getattr(config, "model_type", None) != "clip":
        raise RecipeError(f"{step}.model: {source!r} is a {config.model_type!r} model, not a CLIP model")
    return config


class ClipEncoder:
    """Loads a CLIP model once; ``encode_images`` / ``encode_texts`` return float32 unit vectors."""

    def __init__(self, source: str, device: Device = "auto", half: bool | None = None, step: str = "clip") -> None:
        torch = require(step, "torch")
        transformers = require(step, "transformers")
        self.torch, self.source = torch, source
        self.device, self.dtype = pick_device(step, device, half)
        self.model = transformers.CLIPModel.from_pretrained(source, dtype=self.dtype).to(self.device).eval()
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(source)
        self.processor = transformers.CLIPImageProcessorPil.from_pretrained(source)
        self.max_tokens = int(self.model.config.text_config.max_position_embeddings)
        crop = self.processor.crop_size
        self.image_side = int(max(crop.height or 0, crop.width or 0) or self.model.config.vision_config.image_size)
        self.dim = int(self.model.config.projection_dim)

    def _unit(self, out: Any) -> np.ndarray:
        feats = out if isinstance(out, self.torch.Tensor) else out.pooler_output
        feats = self.torch.nn.functional.normalize(feats.float(), dim=-1)
        return feats.cpu().numpy()

    def encode_images(self, images: list[Image.Image]) -> np.ndarray:
        """(len(images), dim) embeddings of RGB images."""
        if not images:
            return np.zeros((0, self.dim), np.float32)
        return self.encode_pixels(self.processor(images=images, return_tensors="np")["pixel_values"])

    def prepare(self, data: bytes) -> np.ndarray:
        """Decoded and preprocessed pixels of one encoded image (raises on bytes that do not decode)."""
        return self.processor(images=[decode_rgb(data, self.image_side)], return_tensors="np")["pixel_values"][0]

    def prepare_many(self, blobs: list[bytes], pool: Executor | None) -> list[np.ndarray | Exception]:
        """:meth:`prepare` of each blob (in ``pool``'s threads when given), or the error it raised."""

        def one(data: bytes) -> np.ndarray | Exception:
            try:
                return self.prepare(data)
            except Exception as exc:  # noqa: BLE001 (returned, the caller counts it)
                return exc

        return list(pool.map(one, blobs)) if pool is not None else [one(b) for b in blobs]

    def encode_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """(n, dim) embeddings of preprocessed pixels (n, 3, side, side)."""
        if not len(pixels):
            return np.zeros((0, self.dim), np.float32)
        tensor = self.torch.from_numpy(np.ascontiguousarray(pixels)).to(self.device, self.dtype)
        with self.torch.inference_mode():
            out = self.model.get_image_features(pixel_values=tensor)
        return self._unit(out)

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dim) embeddings; each text is cut to the model's token limit."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        tokens = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt")
        with self.torch.inference_mode():
            out = self.model.get_text_features(input_ids=tokens["input_ids"].to(self.device),
                                               attention_mask=tokens["attention_mask"].to(self.device))
        return self._unit(out)


@lru_cache(maxsize=2)
def load_clip(source: str, device: Device = "auto", half: bool | None = None, step: str = "clip") -> ClipEncoder:
    """One encoder per process and setting (tasks in the same worker share it)."""
    return ClipEncoder(source, device, half, step)
