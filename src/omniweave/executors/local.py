"""Run tasks on this machine: in-process for one worker, else a pool of worker processes.

Workers report progress (documents written, drops per step) through a queue for the progress display. A worker that dies (killed,
out of memory) breaks the pool; the pool is rebuilt and unfinished tasks run again, up to
``retries`` times each, after which they are reported as failed.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from omniweave.pipeline.task import Progress, ProgressSink, TaskResult, TaskSpec, run_task

_progress_queue: mp.Queue | None = None
T = TypeVar("T")
R = TypeVar("R")


def _init_worker(progress_queue: mp.Queue) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    logging.getLogger("omniweave").setLevel(logging.INFO)
    logging.getLogger("omniweave").propagate = False


def _report(report: Progress) -> None:
    if _progress_queue is not None:
        _progress_queue.put(report)


def _run_in_worker(spec: TaskSpec) -> TaskResult:
    return run_task(spec, _report)


class LocalExecutor:
    """Tasks on this machine. The worker pool is started once and kept for every pass of a run
    (a worker pays the imports once); :meth:`close` ends it."""

    def __init__(self, workers: int = 1, retries: int = 2) -> None:
        self.workers, self.retries = workers, retries
        self._pool: ProcessPoolExecutor | None = None
        self._queue: mp.Queue | None = None
        self._on_docs: ProgressSink = lambda report: None
        self._drainer: threading.Thread | None = None
        self._stop = threading.Event()

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[fn(x) for x in items]`` on up to ``workers`` threads (reduce pieces are numpy/Arrow work
        that releases the GIL, and may be closures, which worker processes could not receive)."""
        if self.workers <= 1 or len(items) <= 1:
            return [fn(x) for x in items]
        with ThreadPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            return list(pool.map(fn, items))

    def run(
        self,
        specs: list[TaskSpec],
        on_docs: ProgressSink,
        on_result: Callable[[TaskResult], None],
    ) -> list[TaskResult]:
        if not specs:
            return []
        if self.workers == 1 or (len(specs) == 1 and self._pool is None):
            results = []
            for spec in specs:
                result = run_task(spec, on_docs)
                on_result(result)
                results.append(result)
            return results
        self._on_docs = on_docs
        try:
            return self._run_pool(specs, on_result)
        finally:
            self._on_docs = lambda report: None

    def close(self) -> None:
        """Stop the worker pool and the progress thread (a later ``run`` starts them again)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._drainer is not None:
            self._stop.set()
            self._drainer.join()
            self._drainer = None

    def _start(self) -> ProcessPoolExecutor:
        if self._drainer is None:
            ctx = mp.get_context("spawn")
            self._queue, self._stop = ctx.Queue(), threading.Event()
            self._drainer = threading.Thread(target=self._drain, daemon=True)
            self._drainer.start()
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=mp.get_context("spawn"),
                                             initializer=_init_worker, initargs=(self._queue,))
        return self._pool

    def _drain(self) -> None:
        assert self._queue is not None
        while not self._stop.is_set():
            try:
                self._on_docs(self._queue.get(timeout=0.2))
            except queue.Empty:
                continue

    def _run_pool(self, specs: list[TaskSpec], on_result: Callable[[TaskResult], None]) -> list[TaskResult]:
        results: dict[str, TaskResult] = {}
        attempts = {s.task_id: 0 for s in specs}
        pending = list(specs)
        while pending:
            pool = self._start()
            futures: dict[Future, TaskSpec] = {}
            broken = False
            for spec in pending:
                try:
                    futures[pool.submit(_run_in_worker, spec)] = spec
                except BrokenProcessPool:  # a worker died while tasks were being handed out
                    broken = True
                    futures[Future()] = spec
            while futures and not broken:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    spec = futures.pop(fut)
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        broken = True
                        futures[fut] = spec
                        continue
                    results[spec.task_id] = result
                    on_result(result)
            if broken:  # the pool is unusable: drop it, the next round starts a fresh one
                pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
            pending = []
            for spec in futures.values():
                attempts[spec.task_id] += 1
                if attempts[spec.task_id] > self.retries:
                    result = TaskResult(spec.task_id, False, error="worker process died "
                                        f"{attempts[spec.task_id]} times (killed or out of memory)")
                    results[spec.task_id] = result
                    on_result(result)
                else:
                    pending.append(spec)
        return [results[s.task_id] for s in specs]
