"""What a run shows while it runs: one tqdm bar per pass naming its steps, or log lines when the
output is not a terminal (a cluster job's log), with documents per second and drops.

A pass runs its steps as one stream, so the bar names them all (``pass 1/3 read → language_id →
exact_dedup:map``). Documents written and drops per step come from the workers every half second;
a finished task's own counts correct what arrived late.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from typing import TYPE_CHECKING, TextIO

from omniweave import counters
from omniweave.pipeline.task import Progress, TaskResult, dropped_per_step

if TYPE_CHECKING:
    from tqdm import tqdm

LOG_EVERY_S = 30.0


class PassProgress:
    """Progress of one pass: tasks done, documents out, documents/s, drops.

    ``enabled``: True bars, False nothing, None bars on a terminal and else a log line every
    ``log_every`` seconds on ``stream``.
    """

    def __init__(self, desc: str, total: int, done: int, enabled: bool | None, *,
                 log_every: float = LOG_EVERY_S, stream: TextIO | None = None) -> None:
        self.desc, self.total, self.done = desc, total, done
        self.stream = stream or sys.stderr
        self.docs, self.started, self.lock = 0, time.monotonic(), threading.Lock()
        self.finished_docs = 0  # documents and drops of finished tasks (streamed reports may arrive late)
        self.streamed_drops: Counter[str] = Counter()
        self.finished_drops: Counter[str] = Counter()
        bars = enabled if enabled is not None else self.stream.isatty()
        self.bar: tqdm | None = None
        if bars:  # tqdm (and its monitor thread) only where bars show
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, desc=desc, unit="task", file=self.stream)
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if enabled is None and not bars and log_every > 0:
            self._ticker = threading.Thread(target=self._tick, args=(log_every,), daemon=True)
            self._ticker.start()

    def status(self) -> str:
        rate = self.docs / max(time.monotonic() - self.started, 1e-6)
        drops = self.streamed_drops | self.finished_drops  # per step, the larger of the two
        dropped = sum(drops.values())
        top = ", ".join(f"{k}={v}" for k, v in drops.most_common(3))
        return f"{self.docs} docs out, {rate:.1f} docs/s, {dropped} dropped" + (f" ({top})" if top else "")

    def on_docs(self, report: Progress) -> None:
        with self.lock:
            for key, n in report.items():
                if key == "documents":
                    self.docs += n
                elif (parsed := counters.parse(key))[0] == counters.DROPPED and parsed[1] is not None:
                    self.streamed_drops[parsed[1]] += n
            if self.bar is not None:
                self.bar.set_postfix_str(self.status(), refresh=True)

    def on_result(self, result: TaskResult) -> None:
        with self.lock:
            self.done += 1
            self.finished_docs += result.docs_out
            self.docs = max(self.docs, self.finished_docs)
            self.finished_drops.update(dropped_per_step(result.stats))
            if self.bar is not None:
                self.bar.update(1)
                self.bar.set_postfix_str(self.status(), refresh=True)
            if not result.ok:
                failed = f"task {result.task_id} failed: {result.error}"
                if self.bar is not None:
                    self.bar.write(failed, file=self.stream)
                else:
                    print(failed, file=self.stream)

    def log_line(self) -> str:
        elapsed = time.monotonic() - self.started
        return f"[omniweave] {self.desc}: {self.done}/{self.total} tasks, {self.status()}, {elapsed:.0f}s"

    def _tick(self, every: float) -> None:
        while not self._stop.wait(every):
            with self.lock:
                print(self.log_line(), file=self.stream, flush=True)

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            print(self.log_line() + " (pass done)", file=self.stream, flush=True)
        if self.bar is not None:
            self.bar.close()
