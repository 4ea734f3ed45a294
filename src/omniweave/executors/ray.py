"""Run the same tasks as Ray tasks, on a local Ray instance or an existing cluster.

Each pipeline task is one Ray task running :func:`omniweave.pipeline.task.run_task` unchanged; it
reads inputs and writes outputs through fsspec, so on a multi-node cluster ``output.dir`` must be a
path every node sees (a shared filesystem or an object store such as ``s3://``). A task whose
worker dies is retried by Ray (``retries`` times); task outputs are idempotent (stale parts are
removed, markers are written last), so a retry or a rerun never doubles rows. Live progress (documents,
drops per step) reaches the driver through a small actor; stats are merged from the completion markers as locally.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from omniweave.pipeline.task import Progress, ProgressSink, TaskResult, TaskSpec, record_failure, run_task

log = logging.getLogger("omniweave.run")
T = TypeVar("T")
R = TypeVar("R")


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("executor.kind 'ray' needs Ray: pip install 'omniweave[ray]'") from exc
    return ray


class _ProgressCounter:
    """Actor body: workers add progress reports (documents, drops per step), the driver takes their sum."""

    def __init__(self) -> None:
        self.pending: Counter[str] = Counter()

    def add(self, report: Progress) -> None:
        self.pending.update(report)

    def take(self) -> Progress:
        report, self.pending = dict(self.pending), Counter()
        return report


def _run_on_worker(spec: TaskSpec, counter: Any) -> TaskResult:
    logging.getLogger("omniweave").setLevel(logging.INFO)
    return run_task(spec, lambda report: counter.add.remote(report))


class RayExecutor:
    """``address=None`` starts a local Ray instance with ``workers`` CPUs; ``"auto"`` or
    ``"ray://host:port"`` joins a running cluster (then ``workers`` does not limit its size)."""

    def __init__(self, workers: int = 1, retries: int = 2, *, address: str | None = None) -> None:
        ray = _ray()
        self.workers, self.retries, self.address = workers, retries, address
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"address": address, "include_dashboard": False, "log_to_driver": False}
            if address is None:
                kwargs["num_cpus"] = workers
            ray.init(**kwargs)
        self._task = ray.remote(num_cpus=1, max_retries=retries)(_run_on_worker)
        self._counter_cls = ray.remote(num_cpus=0)(_ProgressCounter)

    def run(
        self,
        specs: list[TaskSpec],
        on_docs: ProgressSink,
        on_result: Callable[[TaskResult], None],
    ) -> list[TaskResult]:
        ray = _ray()
        if not specs:
            return []
        counter = self._counter_cls.remote()
        pending = {self._task.remote(spec, counter): spec for spec in specs}
        results: dict[str, TaskResult] = {}
        try:
            while pending:
                done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0.5, fetch_local=True)
                on_docs(ray.get(counter.take.remote()))
                for ref in done:
                    spec = pending.pop(ref)
                    try:
                        result = ray.get(ref)
                    except ray.exceptions.RayError as exc:  # worker died more often than retries allow
                        result = record_failure(spec, f"Ray task failed: {type(exc).__name__}: {exc}")
                    results[spec.task_id] = result
                    on_result(result)
        finally:
            ray.kill(counter)
        return [results[s.task_id] for s in specs]

    def close(self) -> None:
        """Nothing to stop: the Ray instance outlives a run (``ray.shutdown()`` ends a local one)."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[fn(x) for x in items]`` as Ray tasks (closures travel by cloudpickle)."""
        ray = _ray()
        if len(items) <= 1:
            return [fn(x) for x in items]
        remote = ray.remote(num_cpus=1, max_retries=self.retries)(fn)
        started = time.monotonic()
        out = ray.get([remote.remote(x) for x in items])
        log.info("ray map of %d pieces took %.1f s", len(items), time.monotonic() - started)
        return out
