"""Run tasks on this machine: in-process for one worker, else a pool of worker processes.

Workers report progress (documents written, drops per step) through a queue for the progress
display, and which task each is running through a small shared array. A worker that dies (killed,
out of memory) breaks the pool; the pool is rebuilt and unfinished tasks run again. Only the task
the dead worker was running is charged a retry; after ``retries`` it is failed, with the reason
written under the run's ``failed/``. Workers ignore Ctrl-C: the driver stops them, so an interrupt
prints no tracebacks.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, TypeVar

from omniweave.pipeline.task import Progress, ProgressSink, TaskResult, TaskSpec, record_failure, run_task

if TYPE_CHECKING:  # the pool's modules load when a pool starts (one worker runs tasks in-process)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing.sharedctypes import SynchronizedArray

_progress_queue: mp.Queue | None = None
_running: Any = None  # the pool's shared array: (pid, task number) per worker slot
_slot = -1
T = TypeVar("T")
R = TypeVar("R")


def _init_worker(progress_queue: mp.Queue, running: SynchronizedArray) -> None:
    global _progress_queue, _running, _slot
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    _progress_queue, _running = progress_queue, running
    with running.get_lock():
        _slot = next(i for i in range(0, len(running), 2) if running[i] == 0)
        running[_slot] = os.getpid()
    logging.getLogger("omniweave").setLevel(logging.INFO)
    logging.getLogger("omniweave").propagate = False
    logging.raiseExceptions = False  # a log file that cannot be written (disk full) fails no task


def _report(report: Progress) -> None:
    if _progress_queue is not None:
        _progress_queue.put(report)


def _run_in_worker(spec: TaskSpec, number: int) -> TaskResult:
    _running[_slot + 1] = number  # a plain shared-memory store: it survives this process being killed
    try:
        return run_task(spec, _report)
    finally:
        _running[_slot + 1] = 0


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while worker processes are spawned, so that they start ignoring it too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _watch_every_worker(pool: ProcessPoolExecutor) -> None:
    """Make the pool notice the death of any of its workers. With "spawn", ``submit`` wakes the
    pool's manager thread *before* it starts a worker on demand, so the thread may go back to
    waiting on the workers it knew of without the new one (CPython 3.11-3.13): a worker started by
    the last ``submit`` could then be killed unnoticed, its task never failing and the run hanging
    (likely when the machine is loaded). One more wake-up, once every worker is started, closes the
    gap; ``submit`` starts them all, so none comes later."""
    wakeup = getattr(pool, "_executor_manager_thread_wakeup", None)
    if wakeup is not None:
        with contextlib.suppress(OSError):  # the pool broke meanwhile: the thread already stopped
            wakeup.wakeup()


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


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
        self._running: Any = None

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

    def _terminate(self) -> None:
        """End the workers now, tasks and all (after Ctrl-C: waiting for them could take hours)."""
        if self._pool is not None:
            for process in list((getattr(self._pool, "_processes", None) or {}).values()):
                process.terminate()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _start(self) -> ProcessPoolExecutor:
        import multiprocessing as mp  # here, not at the top: in-process runs never need it
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("spawn")
        if self._drainer is None:
            self._queue, self._stop = ctx.Queue(), threading.Event()
            self._drainer = threading.Thread(target=self._drain, daemon=True)
            self._drainer.start()
        if self._pool is None:
            self._running = ctx.Array("q", 2 * self.workers)
            self._pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker,
                                             initargs=(self._queue, self._running))
        return self._pool

    def _drain(self) -> None:
        assert self._queue is not None
        while not self._stop.is_set():
            try:
                self._on_docs(self._queue.get(timeout=0.2))
            except queue.Empty:
                continue

    def _casualties(self, processes: dict[int, Any]) -> dict[int, str]:
        """After the pool broke: {task number: why} for the tasks whose worker died. The pool
        terminates its other workers itself (SIGTERM); a worker that died otherwise is the cause.
        When none can be told apart, every task that was running is charged."""
        running = {self._running[i]: self._running[i + 1] for i in range(0, len(self._running), 2)
                   if self._running[i + 1]}
        dead = {pid: p.exitcode for pid, p in processes.items() if p.exitcode not in (None, -signal.SIGTERM)}
        hit = {number: _exit_reason(dead[pid]) for pid, number in running.items() if pid in dead}
        return hit or {number: "exit not observed" for number in running.values()}

    def _run_pool(self, specs: list[TaskSpec], on_result: Callable[[TaskResult], None]) -> list[TaskResult]:
        from concurrent.futures.process import BrokenProcessPool  # loaded with the pool (see _start)

        results: dict[str, TaskResult] = {}
        deaths = {number: 0 for number in range(1, len(specs) + 1)}
        pending = list(range(1, len(specs) + 1))  # task numbers (1-based; 0 marks an idle worker)
        unexplained = 0  # pool breaks with no task running (a worker died starting up)
        try:
            while pending:
                pool = self._start()
                futures: dict[Future, int] = {}
                broken = False
                with _sigint_ignored():
                    for number in pending:
                        try:
                            futures[pool.submit(_run_in_worker, specs[number - 1], number)] = number
                        except BrokenProcessPool:  # a worker died while tasks were being handed out
                            broken = True
                            futures[Future()] = number
                if not broken:
                    _watch_every_worker(pool)
                while futures and not broken:
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for fut in done:
                        number = futures.pop(fut)
                        try:
                            result = fut.result()
                        except BrokenProcessPool:
                            broken = True
                            futures[fut] = number
                            continue
                        results[specs[number - 1].task_id] = result
                        on_result(result)
                pending = sorted(futures.values())
                if not broken:
                    continue
                processes = dict(getattr(pool, "_processes", None) or {})
                pool.shutdown(wait=True, cancel_futures=True)  # unusable: the next round starts a fresh one
                self._pool = None
                casualties = self._casualties(processes)
                unexplained = unexplained + 1 if not casualties else 0
                charged = list(pending) if unexplained > self.retries else [n for n in casualties if n in pending]
                for number in charged:
                    deaths[number] += 1
                    if deaths[number] > self.retries or unexplained > self.retries:
                        spec = specs[number - 1]
                        why = casualties.get(number, "workers kept dying before running it")
                        error = f"worker process died {deaths[number]} times running this task ({why}; out of memory?)"
                        logging.getLogger("omniweave").error("task %s failed: %s", spec.task_id, error)
                        result = record_failure(spec, error)
                        results[spec.task_id] = result
                        on_result(result)
                        pending.remove(number)
        except BaseException:  # Ctrl-C (or a bug): stop the workers rather than wait for them
            self._terminate()
            raise
        return [results[s.task_id] for s in specs]
