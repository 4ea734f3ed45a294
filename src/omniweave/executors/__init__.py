"""Executors decide only where tasks run: :class:`LocalExecutor` (default) or :class:`RayExecutor`.

Both offer ``run(specs, on_docs, on_result) -> list[TaskResult]`` for pipeline tasks,
``map(fn, items) -> list`` for the independent pieces of a global step's reduce, and ``close()``.
"""

from __future__ import annotations

from typing import Any

from omniweave.pipeline.recipe import ExecutorConfig


def make_executor(config: ExecutorConfig) -> Any:
    """The executor a recipe's ``executor`` section asks for."""
    if config.kind == "ray":
        from omniweave.executors.ray import RayExecutor

        return RayExecutor(config.workers, config.retries, address=config.address)
    from omniweave.executors.local import LocalExecutor

    return LocalExecutor(config.workers, config.retries)
