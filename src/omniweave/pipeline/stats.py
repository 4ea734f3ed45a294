"""Run statistics: merge the counts of every completed task into ``stats.json`` and print the funnel.

Counter keys follow one convention so the funnel can be built for any step:
``in`` and ``kept`` (documents), ``dropped:<reason>`` (documents), anything else is a plain count
(e.g. ``read``'s ``html_records`` or a paragraph filter's ``removed_paragraphs:<reason>``).
"""

from __future__ import annotations

import resource
from collections import Counter
from collections.abc import Iterable
from typing import Any

from omniweave.io.output import read_json
from omniweave.pipeline.rundir import RunDir


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def merge_counts(per_task: Iterable[dict[str, dict[str, int]]]) -> dict[str, Counter[str]]:
    merged: dict[str, Counter[str]] = {}
    for stats in per_task:
        for label, counts in stats.items():
            merged.setdefault(label, Counter()).update(counts)
    return merged


def funnel_rows(steps: dict[str, Counter[str]], order: list[str]) -> list[dict[str, Any]]:
    """One row per step in recipe order: documents in, out, and dropped by reason."""
    rows = []
    for label in order:
        counts = steps.get(label, Counter())
        if label == "read":
            docs_in = counts.get("html_records", 0) + counts.get("document_rows", 0)
            docs_out = counts.get("documents", 0)
            dropped = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("skipped:")}
        else:
            docs_in, docs_out = counts.get("in", 0), counts.get("kept", 0)
            dropped = {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("dropped:")}
        other = {k: v for k, v in counts.items() if k not in ("in", "kept") and not k.startswith(("dropped:", "skipped:"))}
        rows.append({"step": label, "in": docs_in, "out": docs_out, "dropped": dropped, "counts": other})
    return rows


def collect_stats(run: RunDir, passes: int, step_order: list[str]) -> dict[str, Any]:
    """Merge every completion marker of the run into one stats document."""
    per_task: list[dict[str, dict[str, int]]] = []
    tasks = {"completed": 0, "failed": 0}
    docs_out = 0
    for p in range(passes):
        markers = run.fs.glob(run.stage(p, "completions", "*.json"))
        failures = run.fs.glob(run.stage(p, "failed", "*.json"))
        tasks["failed"] += len(failures)
        for path in markers:
            marker = read_json(run.fs, path)
            per_task.append(marker["stats"])
            tasks["completed"] += 1
            if p == passes - 1:
                docs_out += marker["docs_out"]
        for path in run.fs.glob(run.stage(p, "global", "*", "reduce", "_SUCCESS.json")):
            marker = read_json(run.fs, path)
            per_task.append({marker["step"]: {f"reduce:{k}": v for k, v in marker["counts"].items()}})
    steps = merge_counts(per_task)
    return {
        "documents_out": docs_out,
        "tasks": tasks,
        "funnel": funnel_rows(steps, ["read", *step_order]),
        "steps": {k: dict(sorted(v.items())) for k, v in steps.items()},
    }


def format_funnel(stats: dict[str, Any]) -> str:
    """The funnel as an aligned text table (``omniweave stats``)."""
    lines = [f"{'step':<28}{'in':>10}{'out':>10}{'dropped':>10}  reasons"]
    for row in stats["funnel"]:
        dropped = sum(row["dropped"].values())
        reasons = ", ".join(f"{k}={v}" for k, v in sorted(row["dropped"].items(), key=lambda kv: -kv[1]))
        lines.append(f"{row['step']:<28}{row['in']:>10}{row['out']:>10}{dropped:>10}  {reasons}")
        extra = {k: v for k, v in row["counts"].items() if k not in ("documents", "html_records", "document_rows")}
        if extra:
            lines.append(" " * 30 + ", ".join(f"{k}={v}" for k, v in sorted(extra.items())))
    t = stats["tasks"]
    lines.append(f"documents out: {stats['documents_out']}   task runs: {t['completed']} completed, {t['failed']} failed")
    return "\n".join(lines)
