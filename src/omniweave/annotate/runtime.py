"""What the model steps share: the lazy torch import, device choice, batching, timing counters."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import Field

from omniweave.pipeline.step import StepParams

if TYPE_CHECKING:
    import torch

T = TypeVar("T")
Device = Literal["auto", "cpu", "cuda"]


class ModelParams(StepParams):
    """Recipe keys shared by the model steps (where and how the model runs)."""

    device: Device = Field("auto", description="auto: CUDA when present, else CPU")
    half: bool | None = Field(None, description="float16 weights; None: on CUDA only")
    batch_size: int = Field(64, gt=0, description="inputs per forward pass")
    docs_per_batch: int = Field(64, gt=0, description="documents gathered before their inputs are batched")


def require(step: str, module: str) -> Any:
    """Import an optional model library, or fail with the install command."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(f"{step}: needs {module.split('.')[0]}: pip install 'omniweave[models]'") from exc


def pick_device(step: str, device: Device, half: bool | None) -> tuple[torch.device, torch.dtype]:
    """The torch device and dtype for a step's parameters (half precision only where it helps)."""
    torch = require(step, "torch")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"{step}.device: cuda requested but torch sees no CUDA device")
    name = "cuda" if device == "cuda" or (device == "auto" and torch.cuda.is_available()) else "cpu"
    use_half = (name == "cuda") if half is None else half
    return torch.device(name), torch.float16 if use_half else torch.float32


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def timed(counts: Counter[str], key: str) -> Iterator[None]:
    """Add the block's wall time in milliseconds to ``counts[key]``."""
    start = time.perf_counter()
    try:
        yield
    finally:
        counts[key] += round((time.perf_counter() - start) * 1000)
