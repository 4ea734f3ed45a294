"""The YAML recipe: what to read, which steps to run, where to write, and how to execute.

Everything is validated before anything runs; a wrong key or value is a :class:`RecipeError`
naming it (``steps[2].text_length.min_words: ...``), never a silent default.

Example::

    input: {paths: ["crawl/*.warc.gz"]}
    output: {dir: out/run1}
    steps:
      - text_length: {min_words: 50}
    executor: {kind: local, workers: 4}

Presets: a step entry ``{preset: NAME}`` expands in place to the steps of the packaged preset
``omniweave/recipes/NAME.yaml`` (``omnicorpus-en``, ``omnicorpus-zh``, ``obelics``).
``overrides`` changes parameters key by key, per step label of the preset; ``without`` leaves
steps of the preset out::

    steps:
      - preset: omnicorpus-en
        overrides: {gopher_quality: {min_words: 30}, language_id: {min_score: 0.5}}
        without: [c4]

An unknown preset, an override or ``without`` naming a step the preset does not have, or an
override key the step does not take is a :class:`RecipeError`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from omniweave.pipeline.step import Step, StrictModel, registered_steps, step_class
from omniweave.pipeline.video_options import VideoOptions


class RecipeError(ValueError):
    """A recipe that cannot run; the message names the offending key(s).

    ``errors`` holds every problem found (validation does not stop at the first); the message
    joins them with "; ".
    """

    def __init__(self, errors: str | list[str]) -> None:
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        super().__init__("; ".join(self.errors))


class InputConfig(StrictModel):
    paths: list[str] = Field(min_length=1)
    format: Literal["auto", "warc", "arc", "html", "parquet", "jsonl", "video"] = "auto"
    max_html_bytes: int = Field(5_000_000, gt=0, description="larger pages are counted and skipped")
    split_bytes: int | None = Field(256 * 2**20, gt=0, description="gzip WARC, Parquet and plain JSONL files larger than this are read as "
                                    "several tasks of byte ranges of about this size (None: one task per file)")
    video: VideoOptions | None = Field(None, description="video inputs: manifest, frame selection, subtitle text")

    @field_validator("paths", mode="before")
    @classmethod
    def _one_path(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class OutputConfig(StrictModel):
    dir: str
    max_rows_per_shard: int = Field(10_000, gt=0)
    compression: Literal["zstd", "snappy", "gzip", "none"] = "zstd"
    keep_dropped: bool = False  # write dropped documents with their reason under stages/*/dropped/
    limit: int | None = Field(None, gt=0, description="write at most this many documents (a trial run; `run --limit`)")


class ExecutorConfig(StrictModel):
    kind: Literal["local", "ray"] = "local"
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, gt=0)
    retries: int = Field(2, ge=0, description="re-runs of a task whose worker died")
    address: str | None = Field(None, description="ray only: 'auto', 'ray://host:port', or None for a local cluster")


class StepSpec(StrictModel):
    """One entry of ``steps``: a registered step name with validated parameters."""

    name: str
    label: str
    params: dict[str, Any]

    def build(self) -> Step:
        cls = step_class(self.name)
        assert cls is not None, self.name  # validated when the recipe was parsed
        return cls(cls.Params(**self.params), label=self.label)


class Recipe(StrictModel):
    input: InputConfig
    output: OutputConfig
    steps: list[StepSpec] = []
    executor: ExecutorConfig = ExecutorConfig()

    def fingerprint(self) -> str:
        """Hash of what decides the output (not where it goes or how it runs)."""
        data = self.model_dump(include={"input", "steps"})
        if self.output.limit is not None:  # a trial run's output is not the full run's
            data["limit"] = self.output.limit
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def build_steps(self) -> list[Step]:
        return [spec.build() for spec in self.steps]


def _loc(parts: tuple[Any, ...]) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _format_errors(exc: ValidationError, prefix: str = "") -> list[str]:
    """One ``key: message`` line per error of ``exc`` (pydantic reports every field, validators included)."""
    lines = []
    for err in exc.errors():
        where = _loc(tuple(err["loc"]))
        where = f"{prefix}.{where}" if prefix and where else prefix or where
        lines.append(f"{where}: {err['msg']}")
    return lines


def _parse_step(where: str, entry: Any, seen: dict[str, int]) -> StepSpec:
    if isinstance(entry, str):
        name, params = entry, {}
    elif isinstance(entry, dict) and len(entry) == 1:
        name, params = next(iter(entry.items()))
        params = {} if params is None else params
    else:
        raise RecipeError(f"{where}: expected a step name or a mapping {{name: {{params}}}}, got {entry!r}")
    cls = step_class(name) if isinstance(name, str) else None
    if cls is None:
        steps = registered_steps()
        hint = difflib.get_close_matches(str(name), steps, n=1)
        known = ", ".join(sorted(steps)) or "(none)"
        raise RecipeError(
            f"{where}: unknown step {name!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "") + f"; known: {known}"
        )
    if not isinstance(params, dict):
        raise RecipeError(f"{where}.{name}: parameters must be a mapping, got {params!r}")
    try:
        validated = cls.Params(**params)
    except ValidationError as exc:
        raise RecipeError(_format_errors(exc, f"{where}.{name}")) from None
    seen[name] = seen.get(name, 0) + 1
    label = name if seen[name] == 1 else f"{name}#{seen[name]}"
    return StepSpec(name=name, label=label, params=validated.model_dump())


PRESET_KEYS = ("preset", "overrides", "without")


def preset_names() -> list[str]:
    """The packaged presets (``omniweave/recipes/*.yaml`` that hold steps)."""
    folder = resources.files("omniweave") / "recipes"
    return sorted(f.name.removesuffix(".yaml") for f in folder.iterdir() if f.name.endswith(".yaml"))


def _yaml(text: str) -> Any:
    """``yaml.safe_load`` of ``text``, with libyaml's parser where PyYAML has it (~5x less CPU a preset).
    Imported only where a recipe is read: a worker receives it parsed."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _label_steps(entries: list[Any]) -> list[tuple[str, Any, Any]]:
    """(label, name, params) of a preset's step entries, labelled like a recipe's."""
    seen: dict[str, int] = {}
    out = []
    for entry in entries:
        name, params = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
        seen[name] = seen.get(name, 0) + 1
        out.append((name if seen[name] == 1 else f"{name}#{seen[name]}", name, params or {}))
    return out


def _expand_preset(index: int, entry: dict[str, Any]) -> list[tuple[str, Any]]:
    """The step entries a ``{preset: ...}`` entry stands for, with overrides applied."""
    where = f"steps[{index}]"
    extra = sorted(set(entry) - set(PRESET_KEYS))
    if extra:
        raise RecipeError(f"{where}: unknown preset key(s) {extra}; allowed: {', '.join(PRESET_KEYS)}")
    name = entry["preset"]
    known = preset_names()
    if name not in known:
        raise RecipeError(f"{where}.preset: unknown preset {name!r}; known: {', '.join(known)}")
    text = (resources.files("omniweave") / "recipes" / f"{name}.yaml").read_text(encoding="utf-8")
    steps = _label_steps((_yaml(text) or {}).get("steps") or [])
    labels = [label for label, _, _ in steps]
    overrides, without = entry.get("overrides") or {}, entry.get("without") or []
    if not isinstance(overrides, dict) or not isinstance(without, list):
        raise RecipeError(f"{where}: overrides must be a mapping {{step: {{key: value}}}} and without a list")
    for key, named in (("overrides", list(overrides)), ("without", without)):
        unknown = [s for s in named if s not in labels]
        if unknown:
            raise RecipeError(
                f"{where}.{key}: preset {name!r} has no step {unknown[0]!r}; its steps: {', '.join(labels)}"
            )
    expanded = []
    for label, step, params in steps:
        if label in without:
            continue
        change = overrides.get(label) or {}
        if not isinstance(change, dict):
            raise RecipeError(f"{where}.overrides.{label}: expected a mapping of parameters, got {change!r}")
        expanded.append((f"{where}.preset[{name}]", {step: {**params, **change}}))
    return expanded


def parse_recipe(data: Any, *, source: str = "recipe") -> Recipe:
    """Validate a recipe given as a mapping (e.g. loaded YAML)."""
    if not isinstance(data, dict):
        raise RecipeError(f"{source}: top level must be a mapping")
    raw_steps = data.get("steps") or []
    if not isinstance(raw_steps, list):
        raise RecipeError(f"{source}: steps: expected a list")
    entries: list[tuple[str, Any]] = []
    errors: list[str] = []  # every problem is collected, then reported together
    for i, entry in enumerate(raw_steps):
        if isinstance(entry, dict) and "preset" in entry:
            try:
                entries.extend(_expand_preset(i, entry))
            except RecipeError as exc:
                errors.extend(exc.errors)
        else:
            entries.append((f"steps[{i}]", entry))
    seen: dict[str, int] = {}
    specs = []
    for where, entry in entries:
        try:
            specs.append(_parse_step(where, entry, seen))
        except RecipeError as exc:
            errors.extend(exc.errors)
    try:
        recipe = Recipe(**{**data, "steps": specs})
    except ValidationError as exc:
        errors.extend(f"{source}: {line}" for line in _format_errors(exc))
    if errors:
        raise RecipeError(errors)
    return recipe


def read_recipe_data(path: str | Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The YAML mapping of a recipe file with ``overrides`` (dotted keys -> values, CLI flags) applied."""
    import yaml

    path = Path(path)
    try:
        data = _yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecipeError(f"recipe {str(path)!r} not found") from None
    except yaml.YAMLError as exc:
        raise RecipeError(f"{path}: not valid YAML: {exc}") from None
    data = data or {}
    if not isinstance(data, dict):
        raise RecipeError(f"{path}: top level must be a mapping")
    for dotted, value in (overrides or {}).items():
        node = data
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    return data


def load_recipe(path: str | Path, overrides: dict[str, Any] | None = None) -> Recipe:
    """Read and validate a YAML recipe; ``overrides`` maps dotted keys to values (CLI flags)."""
    return parse_recipe(read_recipe_data(path, overrides), source=str(path))
