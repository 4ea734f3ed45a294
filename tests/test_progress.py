"""Progress while a run runs: a task's reports (documents written, drops per step) add up to its
counts, and the pass display turns them into documents/s and drops by step, bars or log lines."""

from __future__ import annotations

import io
from collections import Counter

from omniweave.io.inputs import expand_inputs
from omniweave.pipeline.progress import PassProgress
from omniweave.pipeline.recipe import parse_recipe
from omniweave.pipeline.runner import pass_description, plan_passes
from omniweave.pipeline.task import TaskSpec, dropped_per_step, run_task
from omniweave.readers import read_input


def test_task_reports_add_up_to_its_counts_and_the_display_names_steps(warc_dir, tmp_path):
    recipe = parse_recipe({"input": {"paths": [str(warc_dir / "servo-warc-tests")]}, "output": {"dir": str(tmp_path / "o")},
                           "steps": [{"text_length": {"min_chars": 2000}}], "executor": {"workers": 1}})
    plan = plan_passes(recipe.build_steps())[0]
    reports: list[dict[str, int]] = []
    result = run_task(TaskSpec("t", plan, expand_inputs(recipe.input.paths), recipe, str(tmp_path / "o"), read_input),
                      reports.append)
    total: Counter[str] = Counter()
    for report in reports:
        total.update(report)
    drops = dropped_per_step(result.stats)
    assert total["documents"] == result.docs_out
    assert {k.removeprefix("dropped:"): v for k, v in total.items() if k != "documents"} == drops
    assert drops["text_length"] > 0 and drops["read"] > 0  # short pages; records with nothing to extract

    assert pass_description(plan, recipe.build_steps()) == "read → text_length"
    stream = io.StringIO()  # not a terminal: log lines only
    bar = PassProgress("pass 1/1 read → text_length", 2, 0, None, log_every=0.05, stream=stream)
    for report in reports:
        bar.on_docs(report)
    bar.on_result(result)
    bar.close()
    line = stream.getvalue().strip().splitlines()[-1]
    assert line.startswith("[omniweave] pass 1/1 read → text_length: 1/2 tasks,")
    assert f"{result.docs_out} docs out" in line and f"{sum(drops.values())} dropped" in line
    assert f"text_length={drops['text_length']}" in line
