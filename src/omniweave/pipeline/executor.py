"""What the runner needs of an executor; :mod:`omniweave.executors` has the implementations."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from omniweave.pipeline.task import TaskResult, TaskSpec

T = TypeVar("T")
R = TypeVar("R")


class Executor(Protocol):
    """Decides only where tasks run (processes, threads, a Ray cluster), never what they do."""

    workers: int

    def run(self, specs: list[TaskSpec], on_docs: Callable[[Any], None],
            on_result: Callable[[TaskResult], None]) -> list[TaskResult]:
        """Run pipeline tasks (each at most ``retries`` + 1 times); results in ``specs`` order."""
        ...

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Run the independent pieces of a global step's reduce; results in ``items`` order."""
        ...

    def close(self) -> None:
        """Release workers and connections."""
        ...
