"""What a run would do, without running it (``omniweave validate``, ``omniweave run --dry-run``).

:func:`plan_run` collects every problem at once (recipe keys and values, each input pattern, steps
that cannot be built, an output folder holding another recipe's run) and, when the recipe is
valid, the plan: inputs found, tasks, passes and the steps of each with their resolved parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omniweave.io.inputs import InputError, InputFile, expand_inputs
from omniweave.io.output import read_json
from omniweave.pipeline.recipe import Recipe, RecipeError, parse_recipe, read_recipe_data
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.runner import pass_description, plan_passes
from omniweave.pipeline.step import GlobalStep
from omniweave.pipeline.task import PassPlan


@dataclass
class RunPlan:
    source: str
    errors: list[str] = field(default_factory=list)
    recipe: Recipe | None = None
    inputs: list[InputFile] = field(default_factory=list)
    passes: list[PassPlan] = field(default_factory=list)
    resume: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


def _input_errors(data: Any) -> tuple[list[InputFile], list[str]]:
    """The files each input pattern names, and one error per pattern that names none."""
    spec = data.get("input") if isinstance(data, dict) else None
    paths = spec.get("paths") if isinstance(spec, dict) else None
    paths = [paths] if isinstance(paths, str) else paths
    fmt = spec.get("format", "auto") if isinstance(spec, dict) else "auto"
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths) or not isinstance(fmt, str):
        return [], []  # the recipe's own validation reports it
    found: dict[str, InputFile] = {}
    errors = []
    for pattern in paths:
        try:
            found.update((f.path, f) for f in expand_inputs([pattern], fmt))
        except InputError as exc:
            errors.append(f"input.paths: {exc}")
        except (OSError, ValueError) as exc:
            errors.append(f"input.paths: {pattern!r}: {exc}")
    return [found[k] for k in sorted(found)], errors


def _resume_state(recipe: Recipe) -> tuple[str, str | None]:
    """(what happens to output.dir, an error when it holds another recipe's run)."""
    run = RunDir(recipe.output.dir)
    if not run.fs.exists(run.run_json):
        return f"new run in {recipe.output.dir}", None
    previous = read_json(run.fs, run.run_json)
    if previous.get("fingerprint") != recipe.fingerprint():
        return "", (f"output.dir: {recipe.output.dir!r} holds a run of a different recipe (inputs or steps changed); "
                    "choose another output.dir or delete that folder")
    return f"resumes the run in {recipe.output.dir} (status {previous.get('status', '?')})", None


def plan_run(path: str | Path, overrides: dict[str, Any] | None = None) -> RunPlan:
    """Validate the recipe at ``path`` and say what running it would do; never raises RecipeError."""
    plan = RunPlan(source=str(path))
    try:
        data = read_recipe_data(path, overrides)
    except RecipeError as exc:
        plan.errors.extend(exc.errors)
        return plan
    plan.inputs, input_errors = _input_errors(data)
    try:
        plan.recipe = parse_recipe(data, source=str(path))
    except RecipeError as exc:
        plan.errors.extend(exc.errors)
    plan.errors.extend(input_errors)
    if plan.recipe is None:
        return plan
    try:
        steps = plan.recipe.build_steps()
    except Exception as exc:  # a step whose constructor refuses its settings (model files, ...)
        plan.errors.append(f"steps: cannot be built: {type(exc).__name__}: {exc}")
        return plan
    plan.passes = plan_passes(steps)
    plan.resume, error = _resume_state(plan.recipe)
    if error:
        plan.errors.append(error)
    return plan


def _size(n: int | None) -> str:
    if n is None:
        return "size unknown"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return ""


def format_plan(plan: RunPlan, max_inputs: int = 10) -> str:
    """The plan as text: errors first (every one), else inputs, tasks, passes and steps."""
    if plan.errors:
        lines = [f"{plan.source}: {len(plan.errors)} error(s)"]
        lines += [f"  - {e}" for e in plan.errors]
        return "\n".join(lines)
    assert plan.recipe is not None
    recipe, steps = plan.recipe, plan.recipe.build_steps()
    total = sum(f.size or 0 for f in plan.inputs)
    kinds = sorted({f.format for f in plan.inputs})
    lines = [f"{plan.source}: valid",
             f"inputs: {len(plan.inputs)} file(s), {_size(total)} ({', '.join(kinds)})"]
    lines += [f"  {f.path} ({f.format}, {_size(f.size)})" for f in plan.inputs[:max_inputs]]
    if len(plan.inputs) > max_inputs:
        lines.append(f"  ... and {len(plan.inputs) - max_inputs} more")
    limit = f", at most {recipe.output.limit} documents written" if recipe.output.limit else ""
    lines.append(f"tasks: {len(plan.inputs)} per pass, on {recipe.executor.kind} with {recipe.executor.workers} worker(s){limit}")
    lines.append(f"output: {plan.resume}")
    lines.append(f"passes: {len(plan.passes)}")
    for p in plan.passes:
        lines.append(f"  pass {p.index + 1}: {pass_description(p, steps)}")
        for index, mode in p.steps:
            spec = recipe.steps[index]
            what = "map" if mode == "collect" else "apply" if isinstance(steps[index], GlobalStep) else "run"
            params = json.dumps(spec.params, ensure_ascii=False, default=str, separators=(", ", ": "))
            lines.append(f"    {spec.label} ({what}) {params}")
        last_index, mode = p.steps[-1] if p.steps else (None, None)
        if mode == "collect":
            lines.append(f"    then {recipe.steps[last_index].label} (reduce, once)")
    return "\n".join(lines)
