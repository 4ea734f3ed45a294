"""Run tasks on this machine: in-process for one worker, else a pool of worker processes.

Workers report document counts through a queue for the progress bar. A worker that dies (killed,
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

from omniweave.pipeline.task import TaskResult, TaskSpec, run_task

_progress_queue: mp.Queue | None = None
T = TypeVar("T")
R = TypeVar("R")


def _init_worker(progress_queue: mp.Queue) -> None:
    global _progress_queue
    _progress_queue = progress_queue
    logging.getLogger("omniweave").setLevel(logging.INFO)
    logging.getLogger("omniweave").propagate = False


def _report(n: int) -> None:
    if _progress_queue is not None:
        _progress_queue.put(n)


def _run_in_worker(spec: TaskSpec) -> TaskResult:
    return run_task(spec, _report)


class LocalExecutor:
    def __init__(self, workers: int = 1, retries: int = 2) -> None:
        self.workers, self.retries = workers, retries

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
        on_docs: Callable[[int], None],
        on_result: Callable[[TaskResult], None],
    ) -> list[TaskResult]:
        if not specs:
            return []
        if self.workers == 1 or len(specs) == 1:
            results = []
            for spec in specs:
                result = run_task(spec, on_docs)
                on_result(result)
                results.append(result)
            return results
        return self._run_pool(specs, on_docs, on_result)

    def _run_pool(
        self,
        specs: list[TaskSpec],
        on_docs: Callable[[int], None],
        on_result: Callable[[TaskResult], None],
    ) -> list[TaskResult]:
        ctx = mp.get_context("spawn")
        progress_queue: mp.Queue = ctx.Queue()
        stop = threading.Event()

        def drain() -> None:
            while not stop.is_set():
                try:
                    on_docs(progress_queue.get(timeout=0.2))
                except queue.Empty:
                    continue

        drainer = threading.Thread(target=drain, daemon=True)
        drainer.start()
        results: dict[str, TaskResult] = {}
        attempts = {s.task_id: 0 for s in specs}
        pending = list(specs)
        try:
            while pending:
                workers = min(self.workers, len(pending))
                with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                         initargs=(progress_queue,)) as pool:
                    futures, broken = {}, False
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
                    unfinished = list(futures.values())
                pending = []
                for spec in unfinished:
                    attempts[spec.task_id] += 1
                    if attempts[spec.task_id] > self.retries:
                        result = TaskResult(spec.task_id, False, error="worker process died "
                                            f"{attempts[spec.task_id]} times (killed or out of memory)")
                        results[spec.task_id] = result
                        on_result(result)
                    else:
                        pending.append(spec)
        finally:
            stop.set()
            drainer.join()
        return [results[s.task_id] for s in specs]
