"""Small score heads on CLIP image embeddings (LAION-style aesthetic / NSFW predictors).

A head file is a PyTorch state dict (``.pth``/``.pt``, as the LAION aesthetic predictors ship) or
a ``.safetensors`` file. Its 2-D ``*weight`` tensors, in file order, are the linear layers (with
their ``*bias``), so both a single ``nn.Linear`` (keys ``weight``/``bias``) and an
``nn.Sequential`` MLP (``layers.0.weight``, ``layers.2.weight``, ...) load without code of their own.
``activation`` goes between layers (LAION's MLP predictor has none: dropout only). ``output``
turns the last layer into a probability: ``sigmoid`` of one logit, ``softmax`` over classes
taking ``positive_index``, or ``identity`` for a head that already outputs one (clipped to [0, 1]).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field

from omniweave.annotate.runtime import require
from omniweave.pipeline.recipe import RecipeError
from omniweave.pipeline.step import StepParams


class HeadParams(StepParams):
    """Recipe keys of one head (``unsafe`` or ``aesthetic`` of the ``clip_score`` step)."""

    path: str = Field(description="state dict (.pth/.pt) or .safetensors file of the head")
    output: Literal["sigmoid", "softmax", "identity"] = "sigmoid"
    positive_index: int = Field(1, ge=0, description="softmax only: the class whose probability is written")
    activation: Literal["none", "relu"] = "none"
    normalize: bool = Field(True, description="feed unit-length embeddings (as LAION heads expect)")


class ScoreHead:
    """Linear layers read from a head file, applied to embeddings on the CPU with numpy."""

    def __init__(self, params: HeadParams, step: str, key: str) -> None:
        self.params, self.where = params, f"{step}.{key}.path"
        path = Path(params.path)
        if not path.is_file():
            raise RecipeError(f"{self.where}: head weights {params.path!r} not found")
        state = self._load(path)
        self.layers: list[tuple[np.ndarray, np.ndarray]] = []
        for name, tensor in state.items():
            if name.endswith("weight") and tensor.ndim == 2:
                bias = state.get(name[: -len("weight")] + "bias")
                b = bias if bias is not None else np.zeros(tensor.shape[0], np.float32)
                self.layers.append((tensor.T.astype(np.float32), b.astype(np.float32)))
        if not self.layers:
            raise RecipeError(f"{self.where}: {params.path!r} holds no 2-D weight tensors")
        for (w1, _), (w2, _) in zip(self.layers, self.layers[1:]):
            if w1.shape[1] != w2.shape[0]:
                raise RecipeError(f"{self.where}: layer sizes do not chain ({w1.shape[1]} -> {w2.shape[0]})")
        self.in_dim, self.out_dim = self.layers[0][0].shape[0], self.layers[-1][0].shape[1]
        if params.output != "softmax" and self.out_dim != 1:
            raise RecipeError(f"{self.where}: output {params.output!r} needs one output, the head has {self.out_dim}")
        if params.output == "softmax" and params.positive_index >= self.out_dim:
            raise RecipeError(f"{self.where}: positive_index {params.positive_index} >= {self.out_dim} classes")

    def _load(self, path: Path) -> dict[str, np.ndarray]:
        torch = require(self.where, "torch")
        try:
            if path.suffix == ".safetensors":
                from safetensors.torch import load_file

                state = load_file(str(path))
            else:
                state = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:  # noqa: BLE001 (any unreadable file is one recipe error)
            raise RecipeError(f"{self.where}: cannot read {str(path)!r}: {exc}") from None
        if isinstance(state, dict) and "state_dict" in state:
            state = state["state_dict"]
        if not isinstance(state, dict):
            raise RecipeError(f"{self.where}: {str(path)!r} is not a state dict")
        return {k: v.detach().float().numpy() for k, v in state.items() if isinstance(v, torch.Tensor)}

    def __call__(self, embeddings: np.ndarray) -> np.ndarray:
        """One probability per embedding row."""
        x = embeddings.astype(np.float32)
        if self.params.normalize:
            x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        for i, (w, b) in enumerate(self.layers):
            x = x @ w + b
            if i < len(self.layers) - 1 and self.params.activation == "relu":
                x = np.maximum(x, 0)
        if self.params.output == "sigmoid":
            return 1 / (1 + np.exp(-x[:, 0]))
        if self.params.output == "softmax":
            e = np.exp(x - x.max(axis=1, keepdims=True))
            return (e / e.sum(axis=1, keepdims=True))[:, self.params.positive_index]
        return np.clip(x[:, 0], 0.0, 1.0)
