"""The ``omniweave`` command: run a recipe, extract one page, print a run's funnel.

Importing this module loads neither typer nor what the commands need: a worker process imports it
again as its main module's twin (multiprocessing's spawn) and needs none of that. :func:`main` (and
``app``, for tests) builds the typer app on first use.
"""

from __future__ import annotations

import json
import logging
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

if TYPE_CHECKING:
    import typer  # noqa: TC004  (bound by _app when the command line runs)


@cache
def _app() -> typer.Typer:
    """The typer app with every command (typer resolves the commands' annotations, which name it,
    from this module's globals)."""
    global typer
    import typer

    app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.split("\n", 1)[0])
    app.callback()(_root)
    for command in (validate, run, extract, stats, export, report, view):
        app.command()(command)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _print_version(value: bool) -> None:
    if value:
        from omniweave.version import __version__, compiled_files

        typer.echo(f"omniweave {__version__}")
        compiled = len(compiled_files())
        typer.echo(f"compiled: {compiled} modules" if compiled else "compiled: none (pure Python)")
        raise typer.Exit()


def _root(
    version: Annotated[bool, typer.Option("--version", callback=_print_version, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    """Turn raw web crawls into clean image-text interleaved corpora."""


def _run_overrides(input: list[str] | None, output: str | None, workers: int | None, executor: str | None,
                   address: str | None, limit: int | None) -> dict[str, Any]:
    """Recipe keys the ``run`` flags replace."""
    flags = {"input.paths": input or None, "output.dir": output or None, "executor.workers": workers,
             "executor.kind": executor, "executor.address": address, "output.limit": limit}
    return {k: v for k, v in flags.items() if v is not None}


def validate(
    recipe: Annotated[Path, typer.Argument(help="YAML recipe")],
    input: Annotated[Optional[list[str]], typer.Option("--input", "-i", help="input path/glob/URL (repeatable); replaces input.paths")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="output folder; replaces output.dir")] = None,
) -> None:
    """Check a recipe and print what a run would do: every error at once (exit 2), else the inputs
    found, the tasks, and the passes with their steps and resolved parameters."""
    from omniweave.pipeline.plan import format_plan, plan_run

    plan = plan_run(recipe, _run_overrides(input, output, None, None, None, None))
    typer.echo(format_plan(plan), err=not plan.ok)
    if not plan.ok:
        raise typer.Exit(2)


def describe_error(exc: BaseException) -> str:
    """One line naming the cause of a fatal error, and the file when there is one."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def main() -> None:
    """The ``omniweave`` command: every fatal error ends as one line on stderr, never a traceback."""
    from omniweave.pipeline.no_pandas import fewer_young_passes

    fewer_young_passes()  # before the commands' imports
    logging.raiseExceptions = False  # a log file that cannot be written (disk full) is no reason to print one
    app = _app()
    try:
        app()
    except Exception as exc:
        typer.echo(f"error: {describe_error(exc)}", err=True)
        sys.exit(1)


def run(
    recipe: Annotated[Path, typer.Argument(help="YAML recipe")],
    input: Annotated[Optional[list[str]], typer.Option("--input", "-i", help="input path/glob/URL (repeatable); replaces input.paths")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="output folder; replaces output.dir")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", help="worker processes; replaces executor.workers")] = None,
    executor: Annotated[Optional[str], typer.Option("--executor", "-e", help="local | ray; replaces executor.kind")] = None,
    address: Annotated[Optional[str], typer.Option("--address", help="ray: 'auto' or 'ray://host:port'; replaces executor.address")] = None,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="progress bars (default: on a terminal, else a log line every --log-every seconds)")] = None,
    log_every: Annotated[float, typer.Option("--log-every", help="seconds between progress lines when not on a terminal (0: none)")] = 30.0,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="write at most N documents (a trial run; sets output.limit)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate and print what the run would do, then stop (as `validate`)")] = False,
) -> None:
    """Run (or resume) a recipe and print its funnel."""
    from omniweave.io.inputs import InputError
    from omniweave.pipeline.recipe import RecipeError, load_recipe
    from omniweave.pipeline.rundir import RunDir
    from omniweave.run import run_recipe
    from omniweave.pipeline.stats import format_funnel
    from omniweave.report.images import image_success_line

    overrides = _run_overrides(input, output, workers, executor, address, limit)
    if dry_run:
        from omniweave.pipeline.plan import format_plan, plan_run

        plan = plan_run(recipe, overrides)
        typer.echo(format_plan(plan), err=not plan.ok)
        raise typer.Exit(0 if plan.ok else 2)
    try:
        parsed = load_recipe(recipe, overrides)
        summary = run_recipe(parsed, progress=progress, log_every=log_every)
    except (RecipeError, InputError) as exc:
        _fail(str(exc))
        return
    except KeyboardInterrupt:
        typer.echo("\ninterrupted: finished tasks are kept; run the same command again to resume", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:
        where = f" (writing under {parsed.output.dir})" if isinstance(exc, OSError) and not exc.filename else ""
        _fail(f"{describe_error(exc)}{where}; the run stopped; fix the cause and run the same command again "
              "to resume", 1)
        return
    typer.echo(format_funnel(summary.stats))
    images = image_success_line(summary.stats)
    if images:
        typer.echo(images)
    run = RunDir(parsed.output.dir)
    typer.echo(f"corpus: {run.url(run.corpus)}   stats: {run.url(run.stats_json)}")
    if summary.read_errors:
        typer.echo(f"read errors: {len(summary.read_errors)} of {summary.inputs} input file(s) could not be read "
                   "(fully):", err=True)
        for message in summary.read_errors[:10]:
            typer.echo(f"  {message}", err=True)
        if len(summary.read_errors) > 10:
            typer.echo(f"  ... and {len(summary.read_errors) - 10} more (see the task logs)", err=True)
    if summary.problems:
        typer.echo(f"problems ({len(summary.problems)}):", err=True)
        for line in summary.problems:
            typer.echo(f"  - {line}", err=True)
    if not summary.ok:
        first = summary.failed[0]
        _fail(f"{len(summary.failed)} task(s) failed (first: {first.task_id}: {first.error}); fix the cause and "
              "run the same command again to resume", 1)
    if summary.nothing_readable:
        _fail(f"none of the {summary.inputs} input file(s) could be read", 1)


def extract(
    page: Annotated[Path, typer.Argument(help="HTML file ('-' for standard input)")],
    url: Annotated[Optional[str], typer.Option("--url", help="the page's URL (resolves relative image links)")] = None,
) -> None:
    """Extract one page and print its interleaved row as JSON."""
    from omniweave.extract import extract_html
    from omniweave.extract.guard import ExtractionRefused

    from omniweave.layout import document_to_row

    data = sys.stdin.buffer.read() if str(page) == "-" else _read_file(page)
    try:
        row = document_to_row(extract_html(data, url=url))
    except ExtractionRefused as exc:
        _fail(f"{page}: page not extracted: {exc}", 1)
        return
    typer.echo(json.dumps(row, ensure_ascii=False, indent=2, default=str))


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
        raise


def stats(
    run_dir: Annotated[str, typer.Argument(help="output folder of a run")],
    as_json: Annotated[bool, typer.Option("--json", help="print stats.json as is")] = False,
) -> None:
    """Print a run's funnel (documents in and out per step, and why they were dropped), the text
    removed from kept documents per rule, and the image success rate."""
    from omniweave.io.output import read_json
    from omniweave.pipeline.rundir import RunDir
    from omniweave.pipeline.stats import format_funnel, format_rules
    from omniweave.report.images import image_success_line

    run = RunDir(run_dir)
    if not run.fs.exists(run.stats_json):
        _fail(f"{run_dir}: no stats.json (not a run folder, or the run has not finished a pass yet)")
    data = read_json(run.fs, run.stats_json)
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{format_funnel(data)}\n{format_rules(data)}")
    images = image_success_line(data)
    if images:
        typer.echo(images)


def export(
    run_dir: Annotated[str, typer.Argument(help="run folder (its corpus/ is read) or a folder/file of interleaved Parquet")],
    dest: Annotated[str, typer.Argument(help="output folder")],
    to: Annotated[str, typer.Option("--to", help="interleaved | text | pairs | webdataset")] = "interleaved",
    language: Annotated[Optional[list[str]], typer.Option("--language", "-l", help="keep documents in this language (repeatable)")] = None,
    min_images: Annotated[int, typer.Option("--min-images", help="keep documents with at least this many images")] = 0,
    max_images: Annotated[Optional[int], typer.Option("--max-images", help="keep documents with at most this many images")] = None,
    min_words: Annotated[int, typer.Option("--min-words", help="keep documents with at least this many words")] = 0,
    row_format: Annotated[str, typer.Option("--format", help="text and pairs: parquet | jsonl")] = "parquet",
    image_token: Annotated[Optional[str], typer.Option("--image-token", help="text: stand-in for each image, e.g. '<image>'")] = None,
    strategy: Annotated[Optional[list[str]], typer.Option("--strategy", help="pairs: caption strategies in order (repeatable): similarity, figcaption, alt, adjacent")] = None,
) -> None:
    """Export a run's corpus (filtered) as interleaved Parquet, text, image-text pairs or WebDataset shards."""
    from omniweave.export import DocFilter, ExportError, export_run

    if row_format not in ("parquet", "jsonl"):
        _fail(f"--format must be parquet or jsonl, got {row_format!r}")
    options: dict[str, Any] = {}
    if to in ("text", "pairs"):
        options["row_format"] = row_format
    if to == "text":
        options["image_token"] = image_token
    if to == "pairs" and strategy:
        options["strategies"] = strategy
    doc_filter = DocFilter(languages=language or None, min_images=min_images, max_images=max_images, min_words=min_words)
    try:
        result = export_run(run_dir, to, dest, doc_filter, **options)  # type: ignore[arg-type]
    except ExportError as exc:
        _fail(str(exc))
        return
    typer.echo(result.summary())


def report(
    run_dir: Annotated[str, typer.Argument(help="output folder of a run")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="where to write (default RUN_DIR/report.html)")] = None,
) -> None:
    """(Re)build a run's data card, report.html: funnel, distributions, sample documents."""
    from omniweave.report.card import write_report

    try:
        path = write_report(run_dir, output)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"report: {path}")


def view(
    run_dir: Annotated[str, typer.Argument(help="output folder of a run")],
    port: Annotated[int, typer.Option("--port", "-p", help="port on 127.0.0.1 (0: any free port)")] = 8765,
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
) -> None:
    """Browse a run's documents as they read, with dropped documents and paragraphs and their reasons."""
    from omniweave.report.viewer import ViewerError, serve

    try:
        server = serve(run_dir, host=host, port=port)
    except (ViewerError, OSError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"viewer: http://{host}:{server.server_address[1]}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
