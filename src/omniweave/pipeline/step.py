"""Steps: the units a recipe chains. A step maps an iterator of documents to the documents it keeps.

- :class:`Step` is the base: a registry name, a pydantic ``Params`` model (unknown keys are errors),
  and ``run(docs, ctx)``.
- :class:`Filter` decides one document at a time (``keep(doc) -> True | reason``); the base counts
  ``in``/``kept``/``dropped:<reason>`` and hands drops to the context (which may write them).
- :class:`GlobalStep` needs every shard before it can decide (dedup, corpus-wide counts). The
  runner ends a pass with its ``collect`` (map: write small per-task files), calls ``reduce`` once
  (combine them into small decision files), and starts the next pass with its ``run`` (apply).
- :class:`TableStep` marks a step that can also decide on a shard's rows as Arrow (``run_table``),
  so that a later pass of such steps alone never makes documents (:mod:`omniweave.pipeline.table_pass`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from types import UnionType
from typing import TYPE_CHECKING, Any, ClassVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from omniweave import counters
from omniweave.document import Document

if TYPE_CHECKING:
    import pyarrow as pa

    from omniweave.pipeline.context import ReduceContext, TaskContext

STEPS: dict[str, type[Step]] = {}


def registered_steps() -> dict[str, type[Step]]:
    """Every step a recipe may name (imports every built-in step module: use :func:`step_class`
    to look one up)."""
    from omniweave.pipeline.registry import import_all

    import_all()
    return STEPS


def step_class(name: str) -> type[Step] | None:
    """The step registered as ``name``, importing only the module that declares it; None if unknown."""
    if name not in STEPS:
        from omniweave.pipeline.registry import import_step

        import_step(name)
    return STEPS.get(name)


def _is_number_type(annotation: object) -> bool:
    """int, float, or an optional/union of them (``bool`` is an int to Python, never to a recipe)."""
    if annotation in (int, float):
        return True
    args = [a for a in get_args(annotation) if a is not type(None)]
    return get_origin(annotation) in (Union, UnionType) and bool(args) and all(a in (int, float) for a in args)


class StrictModel(BaseModel):
    """Base of every recipe model: unknown keys are errors, and a boolean is not a number
    (``min_chars: true`` is refused, where pydantic alone would read it as 1)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _is_number_type(field.annotation):
            raise ValueError(f"expected a number, got the boolean {str(value).lower()}")
        return value


class StepParams(StrictModel):
    """Base for step parameters: unknown keys are recipe errors."""


class Step(ABC):
    name: ClassVar[str]
    Params: ClassVar[type[StepParams]] = StepParams

    def __init__(self, params: StepParams | None = None, label: str | None = None) -> None:
        self.params = params if params is not None else self.Params()
        self.label = label or self.name  # unique within a recipe (stats key)

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if isinstance(name, str):
            if name in STEPS and STEPS[name] is not cls:
                raise ValueError(f"step name {name!r} registered twice")
            STEPS[name] = cls

    def setup(self, ctx: TaskContext) -> None:
        """Called once per task before ``run`` (load models, open files)."""

    def image_store(self, run_root: str) -> str | None:
        """Where this step keeps image bytes (None: it keeps none); a run's video frames go there too."""
        return None

    @abstractmethod
    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        """Yield the documents this step keeps (possibly changed)."""

    def decide(self, doc: Document, verdict: bool | str, counts: Counter[str], ctx: TaskContext,
               detail: str | None = None) -> bool:
        """Count a verdict (True, or a drop reason) and hand a drop (with ``detail``, e.g. the kept
        twin) to the context; True means kept."""
        if verdict is True:
            counts["kept"] += 1
            return True
        reason = verdict if isinstance(verdict, str) and verdict else self.name
        counts[counters.dropped(reason)] += 1
        ctx.drop(doc, self.label, reason, detail=detail)
        return False


class Filter(Step):
    """A step that keeps or drops whole documents, one decision each."""

    @abstractmethod
    def keep(self, doc: Document) -> bool | str:
        """True to keep; a short reason (or False) to drop."""

    def run(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        counts = ctx.counts(self.label)
        for doc in docs:
            counts["in"] += 1
            if self.decide(doc, self.keep(doc), counts, ctx):
                yield doc


class GlobalStep(Step):
    """A step that decides with knowledge of the whole corpus (see the module docstring)."""

    @abstractmethod
    def collect(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        """Pass documents through unchanged while writing per-task data under ``ctx.map_dir``."""

    @abstractmethod
    def reduce(self, ctx: ReduceContext) -> dict[str, int]:
        """Combine every task's map output into decision files in ``ctx.out_dir``; return counts."""


class TableStep(ABC):
    """A step that decides on the rows of a corpus shard as :meth:`Step.run` would on their documents."""

    @abstractmethod
    def run_table(self, table: pa.Table, ctx: TaskContext,
                  document: Callable[[pa.Table, int], Document]) -> pa.Table:
        """The rows of ``table`` kept, counted (and drops recorded) as ``run`` does; ``document(table, i)``
        makes row ``i``'s document, for a drop to record."""
