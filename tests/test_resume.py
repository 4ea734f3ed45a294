"""A run killed with SIGKILL half-way and started again ends with exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from omniweave.layout import table_to_documents

RECIPE = """
input: {{paths: ["{inputs}"]}}
output: {{dir: "{out}", max_rows_per_shard: 5}}
steps:
  - text_length: {{min_chars: 1}}
  - exact_dedup
executor: {{workers: 2}}
"""


def _run(recipe: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "omniweave.cli", "run", str(recipe), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )


def _ids(out: Path) -> list[str]:
    return sorted(pq.read_table(out / "corpus", columns=["id"])["id"].to_pylist())


def _dropped(out: Path) -> list[tuple]:
    """Every removed document and paragraph, with its step and reason (as sorted rows)."""
    rows = []
    for folder in ("dropped", "dropped_paragraphs"):
        for path in sorted(out.glob(f"stages/pass-*/{folder}/*.parquet")):
            rows += [tuple(r.get(k) for k in ("id", "step", "reason", "text")) for r in pq.read_table(path).to_pylist()]
    return sorted(rows, key=repr)


def _write_recipe(tmp_path: Path, inputs: Path, name: str) -> tuple[Path, Path]:
    out = tmp_path / name
    recipe = tmp_path / f"{name}.yaml"
    recipe.write_text(RECIPE.format(inputs=inputs, out=out))
    return recipe, out


def test_sigkill_half_way_then_resume_loses_and_doubles_nothing(warc_dir, tmp_path):
    # many small tasks: every shared WARC three times under different names
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for copy in range(3):
        for path in sorted(warc_dir.rglob("*.warc*")):
            (inputs / f"{copy}-{path.parent.name}-{path.name}").symlink_to(path)

    reference_recipe, reference_out = _write_recipe(tmp_path, inputs, "reference")
    assert _run(reference_recipe).wait(timeout=600) == 0
    expected = _ids(reference_out)
    assert len(expected) > 50

    recipe, out = _write_recipe(tmp_path, inputs, "killed")
    proc = _run(recipe)
    completions = out / "stages" / "pass-00" / "completions"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        done = len(list(completions.glob("*.json"))) if completions.is_dir() else 0
        if done >= 10:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes
    proc.wait()
    total_tasks = len(list(inputs.iterdir()))
    done = len(list(completions.glob("*.json")))
    assert 10 <= done < total_tasks, f"{done} of {total_tasks} tasks were done at the kill"

    resumed = _run(recipe)
    output = resumed.communicate(timeout=600)[0].decode()
    assert resumed.returncode == 0, output
    got = _ids(out)
    lost, doubled = set(expected) - set(got), len(got) - len(set(got))
    assert got == expected, f"{len(lost)} ids lost, {doubled} doubled, {len(set(got) - set(expected))} unexpected"


ROUNDS_RECIPE = """
input: {{paths: ["{inputs}"]}}
output: {{dir: "{out}", keep_dropped: true}}
steps:
  - text_length: {{min_chars: 1}}
  - {step}: {{partitions: 32}}
executor: {{workers: 1}}
"""


@pytest.mark.parametrize(("step", "first_round", "found"), [
    ("minhash_dedup", "star-000", "near_duplicate"),  # the components' rounds
    ("domain_repeated_paragraphs", "repeated", "domain_repeated"),  # repeated paragraphs, then drops per task group
])
def test_sigkill_during_a_round_of_a_reduce_then_resume_loses_and_doubles_nothing(warc_dir, tmp_path, step, first_round,
                                                                                   found):
    # a few shared WARCs twice: each page has a twin in another task, so the clustering has work
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for copy in range(2):
        for path in sorted((warc_dir / "dolma").glob("*.warc.gz")) + sorted((warc_dir / "resiliparse").glob("*.warc.gz")):
            (inputs / f"{copy}-{path.parent.name}-{path.name}").symlink_to(path)
    runs = {}
    for name in ("reference", "killed"):
        runs[name] = tmp_path / name, tmp_path / f"{name}.yaml"
        runs[name][1].write_text(ROUNDS_RECIPE.format(inputs=inputs, out=runs[name][0], step=step))
    assert _run(runs["reference"][1]).wait(timeout=600) == 0
    expected, expected_dropped = _ids(runs["reference"][0]), _dropped(runs["reference"][0])

    out, recipe = runs["killed"]
    reduce = out / "stages" / "pass-00" / "global" / step / "reduce"
    proc = _run(recipe)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((reduce / "rounds" / first_round / "_done").glob("*.json"))) >= 2:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list((reduce / "rounds" / first_round / "_done").glob("*.json")))
    assert 2 <= done < 32 and not (reduce / "_SUCCESS.json").exists(), "killed in the middle of a round"

    resumed = _run(recipe)
    output = resumed.communicate(timeout=600)[0].decode()
    assert resumed.returncode == 0, output
    got = _ids(out)
    assert found in (out / "stats.json").read_text()  # the step had work to do
    assert got == expected, f"{len(set(expected) - set(got))} ids lost, {len(got) - len(set(got))} doubled"
    assert _dropped(out) == expected_dropped  # the same documents and paragraphs removed, each once


IMAGES_RECIPE = """
input: {{paths: ["{inputs}"]}}
output: {{dir: "{out}"}}
steps:
  - text_length: {{min_chars: 1}}
  - images: {{sources: [warc], partitions: 32, filter: {{min_side: 50}}, imageless: keep, keep_failed: true}}
executor: {{workers: 1}}
"""


def _images(out: Path) -> list[tuple]:
    """(document, image URL used, status, documents holding it) of every image of the corpus."""
    docs = table_to_documents(pq.read_table(out / "corpus"))
    return sorted((d.id, im.url, im.extra["status"], im.extra.get("url_doc_count")) for d in docs for im in d.images)


def test_sigkill_during_a_round_of_the_images_reduce_then_resume_loses_and_doubles_nothing(warc_dir, tmp_path):
    runs = {}
    for name in ("reference", "killed"):
        runs[name] = tmp_path / name, tmp_path / f"{name}.yaml"
        runs[name][1].write_text(IMAGES_RECIPE.format(inputs=warc_dir, out=runs[name][0]))
    assert _run(runs["reference"][1]).wait(timeout=600) == 0
    expected, expected_images = _ids(runs["reference"][0]), _images(runs["reference"][0])
    assert sum(status == "ok" for _, _, status, _ in expected_images) >= 20

    out, recipe = runs["killed"]
    get = out / "stages" / "pass-00" / "global" / "images" / "reduce" / "rounds" / "get-001" / "_done"
    proc = _run(recipe)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list(get.glob("*.json"))) >= 2:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(get.glob("*.json")))
    assert 2 <= done < 32 and not (get.parent.parent.parent / "_SUCCESS.json").exists(), "killed in a round"

    resumed = _run(recipe)
    output = resumed.communicate(timeout=600)[0].decode()
    assert resumed.returncode == 0, output
    got = _ids(out)
    assert got == expected, f"{len(set(expected) - set(got))} ids lost, {len(got) - len(set(got))} doubled"
    assert _images(out) == expected_images
