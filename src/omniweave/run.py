"""A whole run of a recipe: the executor it names, the readers, every pass, then the data card.

:func:`run_recipe` is what ``omniweave run`` and the tests call; it puts together the parts that
the pipeline only knows through interfaces (:class:`~omniweave.pipeline.executor.Executor`,
:class:`~omniweave.pipeline.task.Reader`) and writes ``report.html`` after a run without failures.
"""

from __future__ import annotations

from omniweave.executors import make_executor
from omniweave.pipeline.executor import Executor
from omniweave.pipeline.progress import LOG_EVERY_S
from omniweave.pipeline.recipe import Recipe
from omniweave.pipeline.runner import RunSummary, run_passes
from omniweave.readers import read_input
from omniweave.report import write_report_safely


def run_recipe(
    recipe: Recipe,
    *,
    progress: bool | None = None,
    executor: Executor | None = None,
    log_every: float = LOG_EVERY_S,
) -> RunSummary:
    """Run (or resume) a recipe end to end; returns a summary with the merged stats.

    ``progress=None`` shows bars on a terminal, else a log line every ``log_every`` seconds;
    ``executor`` defaults to the recipe's (and is then closed at the end).
    """
    owned = executor is None
    runner = make_executor(recipe.executor) if executor is None else executor
    try:
        summary = run_passes(recipe, executor=runner, reader=read_input, progress=progress, log_every=log_every)
    finally:
        if owned:
            runner.close()
    if summary.ok:
        write_report_safely(summary.run_dir)  # report.html; an error there is logged, never raised
    return summary
