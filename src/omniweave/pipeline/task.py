"""One task: read its inputs, run the pass's steps, publish shards, then the completion marker.

The same function runs in-process, in a local worker process, or as a Ray task; it never knows
which. It does not raise for bad data (readers and steps count and log that); an unexpected error
is returned as a failed result, recorded under ``failed/``, and the task's partial output removed.
"""

from __future__ import annotations

import itertools
import logging
import os
import socket
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq

from omniweave import counters
from omniweave.document import Document
from omniweave.io.inputs import InputFile
from omniweave.io.output import ShardWriter, write_json_atomic
from omniweave.io.warc import WarcImage, warc_image_table
from omniweave.layout import SCHEMA, document_to_row
from omniweave.pipeline.context import DROPPED_IMAGE_SCHEMA, DROPPED_PARAGRAPH_SCHEMA, DROPPED_SCHEMA, TaskContext
from omniweave.pipeline.no_pandas import keep_pandas_out, release_free_memory, steady_heap
from omniweave.pipeline.recipe import Recipe
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.distributions import Distributions, carry_word_count, restore_word_count
from omniweave.pipeline.stats import peak_rss_mb
from omniweave.pipeline.step import Step, TableStep
from omniweave.pipeline.table_pass import BATCH_ROWS, run_table_pass, table_steps
from omniweave.pipeline.video_options import VideoOptions

log = logging.getLogger("omniweave")

@dataclass
class PassPlan:
    """The steps of one pass: (index into the recipe's steps, "run" or "collect")."""

    index: int
    steps: list[tuple[int, str]]
    last: bool


class Reader(Protocol):
    """Makes the documents of one input file, counting (never raising) what it cannot read: the
    run's is :func:`omniweave.readers.read_input`, handed to the runner by whoever starts the run.
    A reader that also has ``parquet_batches`` (:func:`omniweave.readers.parquet_batches`) lets a
    later pass of :class:`TableStep` steps read its shards as Arrow rows."""

    def __call__(self, inp: InputFile, counts: Counter[str], *, max_html_bytes: int,
                 on_image: Callable[[WarcImage], None] | None = None, video: VideoOptions | None = None,
                 image_store: str | None = None, errors: list[str] | None = None) -> Iterator[Document]: ...


@dataclass
class TaskSpec:
    task_id: str
    plan: PassPlan
    inputs: list[InputFile]
    recipe: Recipe
    run_root: str
    reader: Reader
    limit: int | None = None  # write at most this many documents (``output.limit``, last pass only)


@dataclass
class TaskResult:
    task_id: str
    ok: bool
    docs_out: int = 0
    stats: dict[str, dict[str, int]] = field(default_factory=dict)
    error: str | None = None


Progress = dict[str, int]  # a progress report: "documents" written, "dropped:<step label>" since the last one
ProgressSink = Callable[[Progress], None]


def dropped_per_step(stats: dict[str, Counter[str]] | dict[str, dict[str, int]]) -> Counter[str]:
    """Documents dropped so far, per step label (a read's skipped records under its ``read`` label)."""
    drops: Counter[str] = Counter()
    for label, counts in stats.items():
        kind = counters.SKIPPED if label.startswith("read") else counters.DROPPED
        drops[label] += sum(counters.reasons(counts, kind).values())
    return +drops


class _ProgressThrottle:
    """Batches progress into at most a few reports per second: documents written since the last
    report and, from the task's counters, the documents each step dropped since then."""

    def __init__(self, report: ProgressSink, stats: dict[str, Counter[str]], interval: float = 0.5) -> None:
        self.report, self.stats, self.interval = report, stats, interval
        self.pending, self.last, self.sent = 0, time.monotonic(), Counter[str]()

    def __call__(self, n: int) -> None:
        self.pending += n
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.flush()
            self.last = now

    def flush(self) -> None:
        drops = dropped_per_step(self.stats)
        delta = {counters.dropped(k): v - self.sent[k] for k, v in drops.items() if v != self.sent[k]}
        if self.pending or delta:
            self.report({"documents": self.pending, **delta})
            self.pending, self.sent = 0, drops


def _ticking(docs: Iterable[Document], throttle: _ProgressThrottle) -> Iterator[Document]:
    """``docs``, giving the throttle a chance to report at each one (drops show while nothing is written)."""
    for doc in docs:
        throttle(0)
        yield doc


class _Timed:
    """A stream that adds up the time spent producing its items (its upstream steps included)."""

    def __init__(self, items: Iterable[Document]) -> None:
        self.items, self.seconds = iter(items), 0.0

    def __iter__(self) -> _Timed:
        return self

    def __next__(self) -> Document:
        start = time.perf_counter()
        try:
            return next(self.items)
        finally:
            self.seconds += time.perf_counter() - start


def _step_seconds(stages: list[tuple[str, _Timed, float]]) -> dict[str, float]:
    """Each stage's own time: its stream's time less its upstream's, plus its setup."""
    out: dict[str, float] = {}
    upstream = 0.0
    for label, stream, setup in stages:
        out[label] = round(out.get(label, 0.0) + max(stream.seconds - upstream, 0.0) + setup, 4)
        upstream = stream.seconds
    return out


def _read(spec: TaskSpec, steps: list[Step], ctx: TaskContext, images: list[WarcImage], errors: list[str]) -> Iterator[Document]:
    # only reading the run's inputs is the funnel's "read"; later passes re-read the run's own shards
    counts = ctx.counts("read" if spec.plan.index == 0 else f"read@pass-{spec.plan.index:02d}")
    # video frames go to the image store a step of the recipe keeps, else <run>/images/store
    store = next(filter(None, (s.image_store(spec.run_root) for s in steps)), ctx.run.image_store)
    for inp in spec.inputs:
        for doc in spec.reader(inp, counts, max_html_bytes=spec.recipe.input.max_html_bytes, on_image=images.append,
                               video=spec.recipe.input.video, image_store=store, errors=errors):
            restore_word_count(doc)  # a previous pass's shards carry the word counts (for the data card)
            yield doc


def _run_on_documents(spec: TaskSpec, steps: list[Step], ctx: TaskContext, images: list[WarcImage],
                      read_errors: list[str], writer: ShardWriter, distributions: Distributions | None,
                      throttle: _ProgressThrottle) -> dict[str, float]:
    """The pass's steps over its documents into ``writer``; returns each stage's seconds."""
    p = spec.plan.index
    docs = _Timed(_ticking(_read(spec, steps, ctx, images, read_errors), throttle))
    stages = [("read" if p == 0 else f"read@pass-{p:02d}", docs, 0.0)]
    for index, mode in spec.plan.steps:
        step = steps[index]
        setup = time.perf_counter()
        step.setup(ctx)
        setup = time.perf_counter() - setup
        docs = _Timed(step.collect(docs, ctx) if mode == "collect" else step.run(docs, ctx))  # type: ignore[attr-defined]
        stages.append((step.label, docs, setup))
    out: Iterable[Document] = docs if spec.limit is None else itertools.islice(docs, spec.limit)
    for doc in out:
        if distributions is None:
            carry_word_count(doc)
        writer.write(document_to_row(doc))
        if distributions is not None:
            distributions.add(doc)
        throttle(1)
    return _step_seconds(stages)


def _shard_batches(spec: TaskSpec) -> Callable[..., Iterator[pa.RecordBatch]] | None:
    """The reader's batched Parquet reading (:data:`Reader`'s optional ``parquet_batches``) when the
    task reads whole Parquet files (a later pass's shards); else None."""
    if not all(i.format == "parquet" and not i.is_part for i in spec.inputs):
        return None
    return getattr(spec.reader, "parquet_batches", None)


def _run_on_rows(spec: TaskSpec, steps: list[TableStep], batches: Callable[..., Iterator[pa.RecordBatch]],
                 ctx: TaskContext, read_errors: list[str], writer: ShardWriter, distributions: Distributions,
                 throttle: _ProgressThrottle) -> dict[str, float]:
    """The pass's steps over its shards' Arrow rows (:mod:`omniweave.pipeline.table_pass`)."""
    setups = {}
    for step in steps:
        setup = time.perf_counter()
        step.setup(ctx)  # type: ignore[attr-defined]
        setups[step.label] = time.perf_counter() - setup  # type: ignore[attr-defined]
    label = f"read@pass-{spec.plan.index:02d}"
    counts = ctx.counts(label)
    seconds = run_table_pass(lambda: (b for inp in spec.inputs for b in batches(inp, BATCH_ROWS, counts, read_errors)),
                             steps, ctx, label, writer, distributions, throttle)
    return {label: round(s + setups.get(label, 0.0), 4) for label, s in seconds.items()}


def record_failure(spec: TaskSpec, error: str, details: str | None = None) -> TaskResult:
    """Write a task's failure under ``failed/`` (the task itself, or the executor for a task whose
    worker died) and return the failed result."""
    run = RunDir(spec.run_root)
    data = {"task": spec.task_id, "inputs": [i.path for i in spec.inputs], "error": error}
    if details:
        data["traceback"] = details
    write_json_atomic(run.fs, run.failure(spec.plan.index, spec.task_id), data)
    return TaskResult(spec.task_id, False, error=error)


def run_task(spec: TaskSpec, progress: ProgressSink = lambda report: None) -> TaskResult:
    """Run one task to completion (see the module docstring)."""
    keep_pandas_out()
    steady_heap()
    run = RunDir(spec.run_root)
    fs, out = run.fs, spec.recipe.output
    p = spec.plan.index
    fs.makedirs(run.stage(p, "logs"), exist_ok=True)
    handler = logging.FileHandler(run.log(p, spec.task_id), mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    compression = None if out.compression == "none" else out.compression
    writer = ShardWriter(fs, run.shards(p, spec.plan.last), spec.task_id, SCHEMA,
                         max_rows=out.max_rows_per_shard, compression=compression)
    dropped = dropped_paragraphs = dropped_images = None
    if out.keep_dropped:
        dropped = ShardWriter(fs, run.dropped(p), spec.task_id, DROPPED_SCHEMA,
                              max_rows=out.max_rows_per_shard, compression=compression)
        dropped_paragraphs = ShardWriter(fs, run.dropped_paragraphs(p), spec.task_id, DROPPED_PARAGRAPH_SCHEMA,
                                         max_rows=out.max_rows_per_shard, compression=compression)
        dropped_images = ShardWriter(fs, run.dropped_images(p), spec.task_id, DROPPED_IMAGE_SCHEMA,
                                     max_rows=out.max_rows_per_shard, compression=compression)
    counters: dict[str, Counter[str]] = {}  # the context's step counters, which the throttle reports from
    throttle = _ProgressThrottle(progress, counters)
    ctx = TaskContext(task_id=spec.task_id, pass_index=p, run=run, stats=counters, dropped=dropped,
                      dropped_paragraphs=dropped_paragraphs, dropped_images=dropped_images, progress=throttle)
    images: list[WarcImage] = []
    read_errors: list[str] = []
    started, cpu_started = time.time(), time.process_time()
    try:
        log.info("task %s (pass %d) on %d input(s)", spec.task_id, p, len(spec.inputs))
        steps = spec.recipe.build_steps()
        distributions = Distributions() if spec.plan.last else None  # the data card's, of the corpus
        batches = _shard_batches(spec)
        on_rows = table_steps(steps, spec.plan.steps, p, spec.plan.last, spec.limit, batches is not None)
        if on_rows is not None and batches is not None and distributions is not None:
            step_seconds = _run_on_rows(spec, on_rows, batches, ctx, read_errors, writer, distributions, throttle)
        else:
            step_seconds = _run_on_documents(spec, steps, ctx, images, read_errors, writer, distributions, throttle)
        throttle.flush()
        shards = writer.commit()
        dropped_shards = [path for w in (dropped, dropped_paragraphs, dropped_images) if w is not None for path in w.commit()]
        if images:
            fs.makedirs(run.warc_image_index, exist_ok=True)
            table = warc_image_table(images)
            path = f"{run.warc_image_index}/{spec.task_id}.parquet"
            with fs.open(path + ".tmp", "wb") as fh:
                pq.write_table(table, fh)
            fs.mv(path + ".tmp", path)
        stats = {label: dict(counts) for label, counts in ctx.stats.items()}
        write_json_atomic(fs, run.completion(p, spec.task_id), {
            "task": spec.task_id,
            "pass": p,
            "inputs": [i.path if not i.is_part else f"{i.path}@{i.start}-{i.end or ''}" for i in spec.inputs],
            "outputs": shards,
            "dropped": dropped_shards,
            "docs_out": writer.rows_written,
            "warc_images": len(images),
            "read_errors": read_errors,
            "seconds": round(time.time() - started, 3),
            "step_seconds": step_seconds,
            "cpu_s": round(time.process_time() - cpu_started, 3),  # the worker runs one task at a time
            "max_rss_mb": peak_rss_mb(),  # the worker's peak so far
            "worker": f"{socket.gethostname()}:{os.getpid()}",
            "stats": stats,
            **({"distributions": distributions.to_json()} if distributions is not None else {}),
        })
        if fs.exists(run.failure(p, spec.task_id)):
            fs.rm(run.failure(p, spec.task_id))
        log.info("task %s done: %d documents out", spec.task_id, writer.rows_written)
        return TaskResult(spec.task_id, True, writer.rows_written, stats)
    except Exception as exc:
        for w in (writer, dropped, dropped_paragraphs, dropped_images):
            if w is not None:
                w.abort()
        error = f"{type(exc).__name__}: {exc}"
        log.error("task %s failed: %s\n%s", spec.task_id, error, traceback.format_exc())
        return record_failure(spec, error, traceback.format_exc())
    finally:
        log.removeHandler(handler)
        handler.close()
        release_free_memory()

