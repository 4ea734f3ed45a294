"""The ``omniweave`` command: run a recipe, extract one page, print a run's funnel."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from omniweave.io.inputs import InputError
from omniweave.pipeline.recipe import RecipeError, load_recipe

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@app.command()
def run(
    recipe: Annotated[Path, typer.Argument(help="YAML recipe")],
    input: Annotated[Optional[list[str]], typer.Option("--input", "-i", help="input path/glob/URL (repeatable); replaces input.paths")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="output folder; replaces output.dir")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", help="worker processes; replaces executor.workers")] = None,
    executor: Annotated[Optional[str], typer.Option("--executor", "-e", help="local | ray; replaces executor.kind")] = None,
    address: Annotated[Optional[str], typer.Option("--address", help="ray: 'auto' or 'ray://host:port'; replaces executor.address")] = None,
    progress: Annotated[Optional[bool], typer.Option("--progress/--no-progress", help="progress bars (default: on a terminal)")] = None,
) -> None:
    """Run (or resume) a recipe and print its funnel."""
    from omniweave.pipeline.runner import run_recipe
    from omniweave.pipeline.stats import format_funnel
    from omniweave.report.images import image_success_line

    overrides: dict[str, Any] = {}
    if input:
        overrides["input.paths"] = input
    if output:
        overrides["output.dir"] = output
    if workers is not None:
        overrides["executor.workers"] = workers
    if executor is not None:
        overrides["executor.kind"] = executor
    if address is not None:
        overrides["executor.address"] = address
    try:
        parsed = load_recipe(recipe, overrides)
        summary = run_recipe(parsed, progress=progress)
    except (RecipeError, InputError) as exc:
        _fail(str(exc))
        return
    typer.echo(format_funnel(summary.stats))
    images = image_success_line(summary.stats)
    if images:
        typer.echo(images)
    typer.echo(f"corpus: {Path(parsed.output.dir) / 'corpus'}   stats: {Path(parsed.output.dir) / 'stats.json'}")
    if not summary.ok:
        for result in summary.failed:
            typer.echo(f"failed task {result.task_id}: {result.error}", err=True)
        _fail(f"{len(summary.failed)} task(s) failed; fix the cause and run the same command again to resume", 1)


@app.command()
def extract(
    page: Annotated[Path, typer.Argument(help="HTML file ('-' for standard input)")],
    url: Annotated[Optional[str], typer.Option("--url", help="the page's URL (resolves relative image links)")] = None,
) -> None:
    """Extract one page and print its interleaved row as JSON."""
    from omniweave.extract import extract_html

    data = sys.stdin.buffer.read() if str(page) == "-" else _read_file(page)
    row = extract_html(data, url=url).to_row()
    typer.echo(json.dumps(row, ensure_ascii=False, indent=2, default=str))


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
        raise


@app.command()
def stats(
    run_dir: Annotated[str, typer.Argument(help="output folder of a run")],
    as_json: Annotated[bool, typer.Option("--json", help="print stats.json as is")] = False,
) -> None:
    """Print a run's funnel: documents in and out per step, why they were dropped, and the image success rate."""
    from omniweave.io.output import filesystem, read_json
    from omniweave.pipeline.stats import format_funnel
    from omniweave.report.images import image_success_line

    fs, path = filesystem(run_dir)
    if not fs.exists(f"{path}/stats.json"):
        _fail(f"{run_dir}: no stats.json (not a run folder, or the run has not finished a pass yet)")
    data = read_json(fs, f"{path}/stats.json")
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    typer.echo(format_funnel(data))
    images = image_success_line(data)
    if images:
        typer.echo(images)


@app.command()
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


@app.command()
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


@app.command()
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
    app()
