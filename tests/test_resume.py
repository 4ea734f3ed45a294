"""A run killed with SIGKILL half-way and started again ends with exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

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
