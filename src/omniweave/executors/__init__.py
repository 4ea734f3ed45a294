"""Executors decide only where tasks run: :class:`LocalExecutor` (default) or :class:`RayExecutor`,
both :class:`omniweave.pipeline.executor.Executor`: ``run(specs, on_docs, on_result)`` for pipeline
tasks, ``map(fn, items)`` for the independent pieces of a global step's reduce, and ``close()``.
"""

from __future__ import annotations

from omniweave.pipeline.executor import Executor
from omniweave.pipeline.recipe import ExecutorConfig


def make_executor(config: ExecutorConfig) -> Executor:
    """The executor a recipe's ``executor`` section asks for."""
    if config.kind == "ray":
        from omniweave.executors.ray import RayExecutor

        return RayExecutor(config.workers, config.retries, address=config.address)
    from omniweave.executors.local import LocalExecutor

    return LocalExecutor(config.workers, config.retries)
