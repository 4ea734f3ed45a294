"""Run a recipe: plan passes and tasks, skip what already completed, execute, reduce, merge stats.

A pass is a run of steps that needs no knowledge of other shards. A global step (dedup, ...) ends
a pass with its map part; its reduce runs once; the next pass starts by applying its decisions.
Pass 0 has one task per input file (per byte range of a big WARC); a later pass has one task per task of the pass before, reading
that task's shards. Completed tasks and reduces are skipped, so a rerun resumes a killed run.
"""

from __future__ import annotations

import hashlib
import logging
import platform
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from omniweave.version import __version__
from omniweave.io.inputs import InputFile, expand_inputs, split_inputs
from omniweave.io.output import read_json, remove_temporary_files, write_json_atomic
from omniweave.pipeline.context import ReduceContext
from omniweave.pipeline.progress import LOG_EVERY_S, PassProgress
from omniweave.pipeline.recipe import Recipe, RecipeError
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.stats import collect_stats, collect_step_seconds, peak_rss_mb, run_problems
from omniweave.pipeline.step import GlobalStep, Step
from omniweave.pipeline.executor import Executor
from omniweave.pipeline.no_pandas import keep_pandas_out
from omniweave.pipeline.task import PassPlan, Reader, TaskResult, TaskSpec

log = logging.getLogger("omniweave.run")


@dataclass
class RunSummary:
    run_dir: str
    documents_out: int
    failed: list[TaskResult] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # read errors and failed tasks, named (run_problems)
    inputs: int = 0
    read_errors: list[str] = field(default_factory=list)  # one message per input that could not be read

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def nothing_readable(self) -> bool:
        """Every input failed to read and not one document was read from any."""
        read = next((row for row in self.stats.get("funnel", []) if row["step"] == "read"), {})
        return self.inputs > 0 and len(self.read_errors) >= self.inputs and not read.get("out")


def plan_passes(steps: list[Step]) -> list[PassPlan]:
    """Split the step list at every global step (see the module docstring)."""
    groups: list[list[tuple[int, str]]] = [[]]
    for i, step in enumerate(steps):
        if isinstance(step, GlobalStep):
            groups[-1].append((i, "collect"))
            groups.append([(i, "run")])
        else:
            groups[-1].append((i, "run"))
    return [PassPlan(index=k, steps=g, last=k == len(groups) - 1) for k, g in enumerate(groups)]


def task_id_for(path: str, start: int | None = None) -> str:
    """Readable, stable task id for an input file: its stem plus a hash of the full path (and, for
    a byte range of the file, where the range starts)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", path.rstrip("/").rsplit("/", 1)[-1])[:48]
    task = f"{stem}-{hashlib.sha1(path.encode()).hexdigest()[:8]}"
    return task if start is None else f"{task}-at{start:012d}"


def _check_run_json(run: RunDir, recipe: Recipe) -> dict[str, Any]:
    """Start or resume run.json; refuse to mix two different recipes in one output folder."""
    fingerprint = recipe.fingerprint()
    if run.fs.exists(run.run_json):
        previous = read_json(run.fs, run.run_json)
        if previous.get("fingerprint") != fingerprint:
            raise RecipeError(
                f"output.dir {run.root!r} holds a run of a different recipe (inputs or steps changed); "
                "choose another output.dir or delete that folder"
            )
        previous["resumed"] = previous.get("resumed", 0) + 1
        return previous
    return {
        "fingerprint": fingerprint,
        "recipe": recipe.model_dump(),
        "omniweave_version": __version__,
        "python": platform.python_version(),
        "started": datetime.now(timezone.utc).isoformat(),
        "resumed": 0,
    }


def run_passes(
    recipe: Recipe,
    *,
    executor: Executor,
    reader: Reader,
    progress: bool | None = None,
    log_every: float = LOG_EVERY_S,
) -> RunSummary:
    """Run (or resume) every pass of a recipe on ``executor``, reading inputs with ``reader``;
    returns a summary with the merged stats (written to stats.json). :func:`omniweave.run.run_recipe`
    is the whole run (executor, readers, data card).

    ``progress=None`` shows bars on a terminal, else a log line every ``log_every`` seconds.
    """
    keep_pandas_out()  # the driver builds Arrow tables too (reduces, the data card): ~0.3 CPU-s and ~50 MB saved
    run = RunDir(recipe.output.dir)
    run.fs.makedirs(run.path, exist_ok=True)
    info = _check_run_json(run, recipe)
    steps = recipe.build_steps()
    passes = plan_passes(steps)
    files = expand_inputs(recipe.input.paths, recipe.input.format)
    info.update(executor=type(executor).__name__, inputs=len(files), passes=len(passes), status="running")
    write_json_atomic(run.fs, run.run_json, info)

    tasks: dict[str, list[InputFile]] = {task_id_for(f.path, f.start if f.is_part else None): [f]
                                         for f in split_inputs(files, recipe.input.split_bytes)}
    failed: list[TaskResult] = []
    try:
        for plan in passes:
            desc = f"pass {plan.index + 1}/{len(passes)} {pass_description(plan, steps)}"
            failed = _run_pass(run, recipe, plan, steps, tasks, executor, reader, PassOptions(desc, progress, log_every))
            if failed:
                break
            tasks = _next_inputs(run, plan.index, tasks)
        stats = collect_stats(run, len(passes), [s.label for s in steps])
        stats["step_seconds"] = collect_step_seconds(run, len(passes))
        write_json_atomic(run.fs, run.stats_json, stats)
        info.update(finished=datetime.now(timezone.utc).isoformat(), status="failed" if failed else "completed",
                    driver_max_rss_mb=peak_rss_mb())
        write_json_atomic(run.fs, run.run_json, info)
    except BaseException as exc:  # disk full, Ctrl-C, ...: say so in run.json, leave no temporary files
        _mark_stopped(run, info, exc)
        raise
    return RunSummary(run.root, stats["documents_out"], failed, stats, run_problems(run, len(passes)), len(files),
                      _read_errors(run))


def pass_description(plan: PassPlan, steps: list[Step]) -> str:
    """The steps a pass runs, in order: ``read → language_id → exact_dedup:map``."""
    names = ["read" if plan.index == 0 else "shards"]
    for index, mode in plan.steps:
        names.append(steps[index].label + (":map" if mode == "collect" else ":apply" if isinstance(steps[index], GlobalStep) else ""))
    return " → ".join(names)


@dataclass
class PassOptions:
    desc: str
    progress: bool | None
    log_every: float


def _mark_stopped(run: RunDir, info: dict[str, Any], exc: BaseException) -> None:
    """Record in run.json why the run stopped (``interrupted`` or ``failed``) and remove the
    ``.tmp-*`` files it left; best effort (the disk may be full)."""
    interrupted = isinstance(exc, KeyboardInterrupt)
    info.update(finished=datetime.now(timezone.utc).isoformat(), status="interrupted" if interrupted else "failed",
                error="interrupted" if interrupted else f"{type(exc).__name__}: {exc}")
    remove_temporary_files(run.fs, run.path)
    try:
        write_json_atomic(run.fs, run.run_json, info)
    except OSError as write_error:
        log.error("could not record the run's status in %s: %s", run.run_json, write_error)


def _read_errors(run: RunDir) -> list[str]:
    """The read errors of the run's inputs (pass 0), as recorded in the task markers."""
    errors = []
    for path in sorted(run.fs.glob(run.stage(0, "completions", "*.json"))):
        errors.extend(read_json(run.fs, path).get("read_errors", []))
    return errors


def _run_pass(
    run: RunDir, recipe: Recipe, plan: PassPlan, steps: list[Step], tasks: dict[str, list[InputFile]],
    executor: Executor, reader: Reader, options: PassOptions,
) -> list[TaskResult]:
    """Run a pass's unfinished tasks, then its global step's reduce; returns the failed tasks."""
    specs = [
        TaskSpec(task_id=t, plan=plan, inputs=inp, recipe=recipe, run_root=run.root, reader=reader)
        for t, inp in tasks.items()
        if not run.fs.exists(run.completion(plan.index, t))
    ]
    bar = PassProgress(options.desc, len(tasks), len(tasks) - len(specs), options.progress, log_every=options.log_every)
    try:
        if plan.last and recipe.output.limit is not None:
            results = _run_limited(run, plan, tasks, specs, recipe.output.limit, executor, bar)
        else:
            results = executor.run(specs, bar.on_docs, bar.on_result)
    finally:
        bar.close()
    failed = [r for r in results if not r.ok]
    last_index, mode = plan.steps[-1] if plan.steps else (None, None)
    if not failed and mode == "collect":
        _reduce(run, plan.index, steps[last_index], executor)
    return failed


def _run_limited(run: RunDir, plan: PassPlan, tasks: dict[str, list[InputFile]], specs: list[TaskSpec], limit: int,
                 executor: Executor, bar: PassProgress) -> list[TaskResult]:
    """The last pass under ``output.limit``: tasks one after another in input order, each writing
    at most what is left of the limit (a task with nothing left writes an empty shard list)."""
    pending = {s.task_id for s in specs}
    left = limit - sum(read_json(run.fs, run.completion(plan.index, t)).get("docs_out", 0)
                       for t in tasks if t not in pending)
    results = []
    for spec in specs:
        spec.limit = max(left, 0)
        result = executor.run([spec], bar.on_docs, bar.on_result)[0]
        left -= result.docs_out
        results.append(result)
    return results


def _next_inputs(run: RunDir, pass_index: int, tasks: dict[str, list[InputFile]]) -> dict[str, list[InputFile]]:
    """Each task's published shards, as the inputs of the same task in the next pass."""
    out = {}
    for task_id in tasks:
        marker = read_json(run.fs, run.completion(pass_index, task_id))
        out[task_id] = [InputFile(path=run.url(p), format="parquet", size=None, relpath=p) for p in marker["outputs"]]
    return out


def _reduce(run: RunDir, pass_index: int, step: Step, executor: Executor) -> None:
    assert isinstance(step, GlobalStep)
    done = run.global_reduce(pass_index, step.label) + "/_SUCCESS.json"
    if run.fs.exists(done):
        return
    ctx = ReduceContext(
        label=step.label, run=run, map_dir=run.global_map(pass_index, step.label),
        out_dir=run.global_reduce(pass_index, step.label), workers=executor.workers, map=executor.map,
    )
    run.fs.makedirs(ctx.out_dir, exist_ok=True)
    started, cpu_started = time.perf_counter(), time.process_time()
    counts = step.reduce(ctx)
    write_json_atomic(run.fs, done, {
        "step": step.label, "counts": counts, "seconds": round(time.perf_counter() - started, 4),
        # the driver's own CPU (pieces run on its threads locally, elsewhere on Ray) and peak memory
        "driver_cpu_s": round(time.process_time() - cpu_started, 3), "driver_max_rss_mb": peak_rss_mb(),
    })
