"""End-to-end throughput per core: omniweave's text recipes side by side with datatrove on one WARC.

English: omniweave ``preset: omnicorpus-en`` + ``minhash_dedup`` against datatrove 0.10.1's
WarcReader -> Trafilatura -> GopherRepetitionFilter -> GopherQualityFilter -> JsonlWriter, on a WARC
packed from ``--pages`` real pages of ../shared/data/html's wcxb-dev and trafilatura-eval suites,
leaving out their ``-subset`` pages (the ones the other benches and the profiling of this one used),
or on ``--warc FILE``. Start-up: each recipe on a WARC without pages. Chinese: omniweave
``preset: omnicorpus-zh`` on the Chinese pages (chinese-web-content-extraction, ``--zh-copies`` times
under distinct URLs). Each pipeline runs in its own process with one worker; CPU time (user + system)
and peak RSS come from that process's rusage, so imports and start-up count (each tree built beforehand
as a user's install has it: the compiled modules its setup.py lists, if any, and bytecode). Linux starts a child's
peak RSS at its parent's peak (exec keeps the larger), so the pages are read and packed in a helper
process: this process stays small and the figures are the pipelines' own.

The same omniweave recipes also run from a previous revision (``--baseline REV``, default ``main``,
exported and built as installed once per commit: bench/trees.py): documents kept and paragraphs/lines removed per step and reason are
compared and every difference is printed (the filters' decisions must not change silently).

    python bench/end_to_end.py [--warc FILE | --pages 800] [--baseline main | --no-baseline] [--zh-copies 10]

Last line: {"ratio_vs_datatrove": ..., "ow_docs_per_cpu_s": ..., "ow_peak_rss_mb": ..., "zh_docs_per_cpu_s": ...}
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from corpus import SHARED, pack_warc
from trees import build, built_revision, compiled_modules, describe

REPO = Path(__file__).resolve().parents[1]

DATATROVE = """
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.writers import JsonlWriter

warc, out = sys.argv[1], sys.argv[2]
folder, name = warc.rsplit("/", 1)
LocalPipelineExecutor(
    pipeline=[WarcReader(folder, glob_pattern=name), Trafilatura(favour_precision=True),
              GopherRepetitionFilter(), GopherQualityFilter(), JsonlWriter(out + "/corpus")],
    tasks=1, workers=1, logging_dir=out + "/logs", skip_completed=False,
).run()
"""


WORKER_START = """
import sys
from omniweave.pipeline.context import TaskContext
from omniweave.pipeline.recipe import parse_recipe
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.task import run_task  # what a worker imports
recipe = parse_recipe({"input": {"paths": ["x.warc.gz"]}, "output": {"dir": sys.argv[1]}, "steps": %s})
ctx = TaskContext(task_id="t", pass_index=0, run=RunDir(sys.argv[1]))
for step in recipe.build_steps():
    step.setup(ctx)
"""


@dataclass
class Run:
    name: str
    cpu_s: float
    peak_rss_mb: float
    stats: dict | None = None


def run_process(name: str, argv: list[str], env: dict[str, str] | None = None) -> Run:
    """Run ``argv`` to completion; CPU seconds and peak RSS from its own rusage."""
    proc = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        sys.exit(f"{name} failed ({proc.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    return Run(name, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def run_omniweave(name: str, src: Path, warc: Path, steps: list, out: Path) -> Run:
    recipe = out.with_suffix(".json")  # JSON is YAML
    recipe.write_text(json.dumps({"input": {"paths": [str(warc)]}, "output": {"dir": str(out)}, "steps": steps,
                                  "executor": {"workers": 1}}))
    run = run_process(name, [sys.executable, "-m", "omniweave.cli", "run", str(recipe), "--no-progress"],
                      env={"PYTHONPATH": str(src)})
    run.stats = json.loads((out / "stats.json").read_text())
    return run


def decisions(stats: dict) -> dict[str, int]:
    """Documents kept and dropped, paragraphs and lines removed, per step and reason."""
    out = {}
    for row in stats["funnel"]:
        out[f"{row['step']} kept"] = row["out"]
        out.update({f"{row['step']} dropped:{k}": v for k, v in row["dropped"].items()})
        out.update({f"{row['step']} {k}": v for k, v in row["counts"].items() if k.startswith("removed_")})
    return out


def compare(label: str, new: dict, old: dict) -> int:
    a, b = decisions(new), decisions(old)
    diff = {k: (b.get(k, 0), a.get(k, 0)) for k in sorted(set(a) | set(b)) if a.get(k, 0) != b.get(k, 0)}
    removed = sum(v for k, v in a.items() if " removed_" in k)
    print(f"{label}: {new['documents_out']} documents kept, {removed} paragraphs/lines removed; "
          + ("same decisions as the baseline" if not diff else f"{len(diff)} differences from the baseline:"))
    for key, (before, after) in diff.items():
        print(f"    {key}: {before} -> {after}")
    return len(diff)


def unseen_pages(limit: int) -> list[bytes]:
    """Up to ``limit`` pages (evenly spaced) of wcxb-dev and trafilatura-eval outside their subsets."""
    paths = []
    for suite in ("wcxb-dev", "trafilatura-eval"):
        seen = {p.name for p in (SHARED / f"{suite}-subset" / "html").glob("*.html.gz")}
        paths += [p for p in sorted((SHARED / suite / "html").glob("*.html.gz")) if p.name not in seen]
    step = max(1, len(paths) / limit)
    return [gzip.decompress(paths[int(i * step)].read_bytes()) for i in range(min(limit, len(paths)))]


def warc_payload(warc: Path) -> tuple[int, int]:
    """(HTML response records, their payload bytes)."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    n = size = 0
    for rec in ArchiveIterator(open(warc, "rb"), record_types=WarcRecordType.response, parse_http=True):
        n += 1
        size += len(rec.reader.read())
    return n, size


def prepare(warc: Path, pages: int | None, zh_warc: Path, zh_copies: int, empty: Path) -> tuple:
    """Pack the WARCs (the English one from ``pages`` real pages unless given); the Chinese pages'
    count and each WARC's (HTML records, payload bytes). Run in a helper process (see the docstring)."""
    if pages is not None:
        pack_warc(warc, unseen_pages(pages), 1)
    zh_pages = [p.read_bytes() for p in sorted(SHARED.glob("chinese-web-content-extraction/original/*.html"))]
    pack_warc(zh_warc, zh_pages, zh_copies)
    pack_warc(empty, [], 1)
    return len(zh_pages), warc_payload(warc), warc_payload(zh_warc)


START_RUNS = 3  # start-ups are short: on a loaded machine one run's noise is larger than the differences


def start_ups(trees: dict[str, Path], empty: Path, recipes: dict[str, list], tmp: Path) -> dict[tuple[str, str], Run]:
    """The least CPU of ``START_RUNS`` interleaved runs of each recipe from each tree on a WARC without pages."""
    best: dict[tuple[str, str], Run] = {}
    for i in range(START_RUNS):
        for tree, src in trees.items():
            for name, steps in recipes.items():
                run = run_omniweave("start-up", src, empty, steps, tmp / f"start-{i}-{name}-{tree}")
                if (tree, name) not in best or run.cpu_s < best[tree, name].cpu_s:
                    best[tree, name] = run
    return best


def row(run: Run, docs: int, mb: float) -> str:
    return f"{run.name:<46}{docs:>6}{run.cpu_s:>9.2f}{docs / run.cpu_s:>12.1f}{mb / run.cpu_s:>11.2f}{run.peak_rss_mb:>11.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warc", type=Path, help="English side: this WARC instead of one packed from ../shared/data/html")
    parser.add_argument("--pages", type=int, default=800, help="real pages packed into the English WARC")
    parser.add_argument("--zh-copies", type=int, default=10, help="times each Chinese page is packed (distinct URLs)")
    parser.add_argument("--baseline", default="main", help="git revision whose decisions and speed are compared")
    parser.add_argument("--no-baseline", action="store_true", help="skip the previous revision")
    args = parser.parse_args()
    if not SHARED.is_dir():
        sys.exit(f"shared data not found at {SHARED}")
    en_steps = [{"preset": "omnicorpus-en"}, {"minhash_dedup": {}}]
    zh_steps = [{"preset": "omnicorpus-zh"}]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        warc = args.warc.resolve() if args.warc else tmp / "en.warc.gz"
        zh_warc, empty = tmp / "zh.warc.gz", tmp / "empty.warc.gz"
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as helper:
            n_zh_pages, (n_en, bytes_en), (n_zh, bytes_zh) = helper.submit(
                prepare, warc, None if args.warc else args.pages, zh_warc, args.zh_copies, empty).result()
        mb_en, mb_zh = bytes_en / 1e6, bytes_zh / 1e6
        source = warc if args.warc else "wcxb-dev + trafilatura-eval pages outside their subsets"
        print(f"English WARC: {source}: {n_en} pages, {mb_en:.1f} MB of HTML")
        print(f"Chinese WARC: {n_zh_pages} pages of chinese-web-content-extraction x {args.zh_copies}: "
              f"{n_zh} pages, {mb_zh:.1f} MB of HTML; one worker per pipeline, CPU = user + system of its process")
        print(f"{'pipeline':<46}{'docs':>6}{'cpu s':>9}{'docs/cpu-s':>12}{'MB/cpu-s':>11}{'peak MB':>11}")
        dt = run_process("datatrove 0.10.1 (en)", [sys.executable, "-c", DATATROVE, str(warc), str(tmp / "dt")])
        print(row(dt, n_en, mb_en))
        old_src = None if args.no_baseline else built_revision(args.baseline)
        print(describe("this tree", build(REPO / "src")))
        if old_src is not None:
            print(describe(args.baseline, compiled_modules(old_src)))
        # each pipeline right after its baseline twin: a shared machine's load drifts less between them
        ow = run_omniweave("omniweave omnicorpus-en + minhash_dedup", REPO / "src", warc, en_steps, tmp / "ow")
        print(row(ow, n_en, mb_en))
        if old_src is not None:
            ow_old = run_omniweave(f"  {args.baseline}: omnicorpus-en + minhash_dedup", old_src, warc,
                                   en_steps, tmp / "ow-old")
            print(row(ow_old, n_en, mb_en))
        zh = run_omniweave("omniweave omnicorpus-zh", REPO / "src", zh_warc, zh_steps, tmp / "zh")
        print(row(zh, n_zh, mb_zh))
        if old_src is not None:
            zh_old = run_omniweave(f"  {args.baseline}: omnicorpus-zh", old_src, zh_warc, zh_steps, tmp / "zh-old")
            print(row(zh_old, n_zh, mb_zh))
        worker = run_process("worker start-up", [sys.executable, "-c", WORKER_START % json.dumps(en_steps), str(tmp / "w")],
                             env={"PYTHONPATH": str(REPO / "src")})
        trees = {"": REPO / "src", **({args.baseline: old_src} if old_src is not None else {})}
        starts = start_ups(trees, empty, {"en": en_steps, "zh": zh_steps}, tmp)
        print(f"omniweave worker start-up (imports, the English recipe's steps built and set up): {worker.cpu_s:.2f} CPU s, "
              f"peak {worker.peak_rss_mb:.0f} MB; each recipe run on a WARC without pages (command line, run and data "
              f"card included; least of {START_RUNS}, interleaved): en {starts['', 'en'].cpu_s:.2f} CPU s, zh "
              f"{starts['', 'zh'].cpu_s:.2f} CPU s, peak {starts['', 'en'].peak_rss_mb:.0f} MB")
        if old_src is not None:
            print(f"  {args.baseline}: en {starts[args.baseline, 'en'].cpu_s:.2f} CPU s, zh "
                  f"{starts[args.baseline, 'zh'].cpu_s:.2f} CPU s, peak {starts[args.baseline, 'en'].peak_rss_mb:.0f} MB")
            print(f"speed-up over {args.baseline}: en {ow_old.cpu_s / ow.cpu_s:.2f}x, zh {zh_old.cpu_s / zh.cpu_s:.2f}x")
            compare("omnicorpus-en + minhash_dedup", ow.stats, ow_old.stats)
            compare("omnicorpus-zh", zh.stats, zh_old.stats)
        ratio = dt.cpu_s / ow.cpu_s
        print(f"omniweave / datatrove, docs per CPU-second: {ratio:.2f}x; peak RSS {ow.peak_rss_mb:.0f} MB vs "
              f"{dt.peak_rss_mb:.0f} MB ({ow.peak_rss_mb / dt.peak_rss_mb:.2f}x)")
        print(json.dumps({"ratio_vs_datatrove": round(ratio, 2), "ow_docs_per_cpu_s": round(n_en / ow.cpu_s, 1),
                          "ow_peak_rss_mb": round(ow.peak_rss_mb), "zh_docs_per_cpu_s": round(n_zh / zh.cpu_s, 1)}))


if __name__ == "__main__":
    main()
