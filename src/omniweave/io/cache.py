"""omniweave's folder in the user's cache: arrays derived once per machine, then memory-mapped.

The folder is ``$OMNIWEAVE_CACHE``, else ``$XDG_CACHE_HOME/omniweave``, else ``~/.cache/omniweave``.
Each set of arrays lives in a subfolder named for what it was derived from (a package version, a
layout); every worker of a machine maps the same files, so their pages are shared and loading costs
milliseconds.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    """omniweave's folder in the user's cache (``OMNIWEAVE_CACHE`` overrides it)."""
    if os.environ.get("OMNIWEAVE_CACHE"):
        return Path(os.environ["OMNIWEAVE_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "omniweave"


def cached_arrays(folder: str, names: tuple[str, ...], derive: Callable[[], dict[str, np.ndarray]]) -> Path:
    """The cache subfolder holding ``<name>.npy`` for each of ``names``, written from ``derive()`` on
    first use (each file atomically, so concurrent workers never read a partial one). Raises
    :class:`OSError` where the cache cannot be written."""
    path = cache_dir() / folder
    if all((path / f"{name}.npy").is_file() for name in names):
        return path
    arrays = derive()
    path.mkdir(parents=True, exist_ok=True)
    for name in names:
        tmp = path / f".{name}-{uuid.uuid4().hex}.npy"
        np.save(tmp, arrays[name])
        tmp.replace(path / f"{name}.npy")
    return path


def load_arrays(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays of a cache subfolder, memory-mapped (read-only)."""
    return {name: np.load(path / f"{name}.npy", mmap_mode="r") for name in names}
