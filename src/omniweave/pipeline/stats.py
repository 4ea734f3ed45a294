"""Run statistics: merge the counts of every completed task into ``stats.json`` and print the funnel.

The tasks of the last pass also count the data card's distributions of the documents they write
(:mod:`omniweave.pipeline.distributions`); they are merged into ``stats.json``'s ``distributions``.

Counter keys follow one convention so the funnel can be built for any step:
``in`` and ``kept`` (documents), ``dropped:<reason>`` (documents), anything else is a plain count
(e.g. ``read``'s ``html_records`` or a paragraph filter's ``removed_paragraphs:<reason>``).
"""

from __future__ import annotations

import resource
from collections import Counter
from collections.abc import Iterable
from typing import Any

from omniweave import counters
from omniweave.io.output import read_json
from omniweave.pipeline.rundir import RunDir
from omniweave.pipeline.distributions import Distributions


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
            docs_in = counts.get("html_records", 0) + counts.get("document_rows", 0) + counts.get("bad_records", 0)
            docs_out = counts.get("documents", 0)
            dropped = counters.reasons(counts, counters.SKIPPED)
        else:
            docs_in, docs_out = counts.get("in", 0), counts.get("kept", 0)
            dropped = counters.reasons(counts, counters.DROPPED)
        other = {k: v for k, v in counts.items()
                 if k not in ("in", "kept") and counters.parse(k)[0] not in (counters.DROPPED, counters.SKIPPED)}
        rows.append({"step": label, "in": docs_in, "out": docs_out, "dropped": dropped, "counts": other})
    return rows


def collect_stats(run: RunDir, passes: int, step_order: list[str]) -> dict[str, Any]:
    """Merge every completion marker of the run into one stats document."""
    per_task: list[dict[str, dict[str, int]]] = []
    tasks = {"completed": 0, "failed": 0}
    docs_out = 0
    distributions: Distributions | None = Distributions()  # None once a marker has none (an older version)
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
                part = marker.get("distributions")
                if part is None:
                    distributions = None
                elif distributions is not None:
                    distributions.add_part(part)
        for path in run.fs.glob(run.stage(p, "global", "*", "reduce", "_SUCCESS.json")):
            marker = read_json(run.fs, path)
            per_task.append({marker["step"]: {counters.reduce(k): v for k, v in marker["counts"].items()}})
    steps = merge_counts(per_task)
    stats = {
        "documents_out": docs_out,
        "tasks": tasks,
        "funnel": funnel_rows(steps, ["read", *step_order]),
        "steps": {k: dict(sorted(v.items())) for k, v in steps.items()},
    }
    if distributions is not None:  # else a task of an older version: the card reads the corpus
        stats["distributions"] = distributions.to_json()
    return stats


def collect_step_seconds(run: RunDir, passes: int) -> dict[str, float]:
    """Seconds each step took, summed over tasks (map, reduce and apply of a global step together)."""
    seconds: Counter[str] = Counter()
    for p in range(passes):
        for path in run.fs.glob(run.stage(p, "completions", "*.json")):
            for label, s in (read_json(run.fs, path).get("step_seconds") or {}).items():
                seconds["read" if label.startswith("read@") else label] += s
        for path in run.fs.glob(run.stage(p, "global", "*", "reduce", "_SUCCESS.json")):
            marker = read_json(run.fs, path)
            seconds[marker["step"]] += marker.get("seconds", 0.0)
    return {k: round(v, 3) for k, v in seconds.items()}


READ_ERRORS = ("read_errors", counters.skipped("extraction_error"))  # read counters that mean something broke


def run_problems(run: RunDir, passes: int) -> list[str]:
    """One line per input with read errors (the file, the counts, the first error logged, the log)
    and per failed task (its error and log), for the end of a run."""
    lines = []
    for path in sorted(run.fs.glob(run.stage(0, "completions", "*.json"))):
        marker = read_json(run.fs, path)
        read = marker.get("stats", {}).get("read", {})
        errors = {counters.parse(k)[1] or k: read[k] for k in READ_ERRORS if read.get(k)}
        if errors:
            log = run.log(0, marker["task"])
            first = _first_error(run, log)
            counts = ", ".join(f"{k}={v}" for k, v in errors.items())
            lines.append(f"read errors in {', '.join(marker.get('inputs', []))}: {counts}"
                         + (f"; first: {first}" if first else "") + f" (log: {log})")
    for p in range(passes):
        for path in sorted(run.fs.glob(run.stage(p, "failed", "*.json"))):
            failure = read_json(run.fs, path)
            lines.append(f"failed task {failure['task']}: {failure.get('error')} (pass {p}, inputs "
                         f"{', '.join(failure.get('inputs', []))}; log: {run.log(p, failure['task'])})")
    return lines


def _first_error(run: RunDir, log: str) -> str | None:
    """The first ERROR (else WARNING) message of a task log, without its time stamp."""
    if not run.fs.exists(log):
        return None
    found: dict[str, str] = {}
    with run.fs.open(log, "r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split(" ", 3)  # date, time, level, "logger: message"
            if len(parts) == 4 and parts[2] in ("ERROR", "WARNING"):
                found.setdefault(parts[2], parts[3].strip()[:300])
    return found.get("ERROR") or found.get("WARNING")


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


def rule_rows(stats: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(step, counter, count) of every per-rule text edit (``removed_paragraphs:<rule>``, merges,
    splits, joined lines; images aside), steps in recipe order, most frequent first within a step."""
    rows = []
    for row in stats["funnel"]:
        edits = [(k, v) for k, v in row["counts"].items() if counters.is_text_edit(k)]
        rows.extend((row["step"], k, v) for k, v in sorted(edits, key=lambda kv: (-kv[1], kv[0])))
    return rows


def format_rules(stats: dict[str, Any]) -> str:
    """Removals per rule, and the domains a domain-level step removed most from (``omniweave stats``)."""
    lines = ["text removed or changed in kept documents, per rule:"]
    rows = rule_rows(stats)
    lines += [f"  {step:<28}{counter:<48}{n:>10}" for step, counter, n in rows] or ["  (none)"]
    for row in stats["funnel"]:
        domains = counters.domain_removals(row["counts"])
        if domains:
            top = ", ".join(f"{d}={n}" for d, n in sorted(domains.items(), key=lambda kv: (-kv[1], kv[0])))
            lines.append(f"{row['step']}: paragraphs removed per domain (most first): {top}")
    return "\n".join(lines)
