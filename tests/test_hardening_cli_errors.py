"""Fatal errors end as one clear line (no traceback), run.json says how the run ended, no
``.tmp-*`` file is left, and read errors are summarised; a run with no readable input fails."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
import sys
from pathlib import Path

import yaml


def _cli(*args: str, fsize: int | None = None) -> subprocess.CompletedProcess:
    def limit_file_size() -> None:  # a disk that fills up: writes past ``fsize`` bytes fail (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run([sys.executable, "-m", "omniweave.cli", *args], capture_output=True, text=True,
                          timeout=300, preexec_fn=limit_file_size if fsize else None)


def _recipe(tmp_path: Path, inputs: list[str], **output: object) -> tuple[Path, Path]:
    out = tmp_path / "out"
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump({"input": {"paths": inputs}, "output": {"dir": str(out), **output},
                                      "executor": {"workers": 1}}))
    return recipe, out


def _one_error_line(stderr: str) -> str:
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr, stderr
    errors = [ln for ln in lines if ln.startswith("error: ")]
    assert len(errors) == 1, stderr
    return errors[0]


def test_extract_of_a_100k_deep_page_is_one_line(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<div>" * 100_000)
    proc = _cli("extract", str(page))
    assert proc.returncode == 1 and proc.stdout == ""
    line = _one_error_line(proc.stderr)
    assert "deep.html" in line and "nesting_too_deep" in line


def test_a_full_disk_fails_the_run_in_one_line_and_leaves_no_temporary_files(tmp_path, warc_dir):
    recipe, out = _recipe(tmp_path, [str(warc_dir / "resiliparse" / "clueweb-quirk.warc.gz")], compression="none")
    for fsize in (20_000, 1_000):  # the task's shard, then the run's own files, cannot be written
        proc = _cli("run", str(recipe), "--no-progress", fsize=fsize)
        assert proc.returncode == 1, proc.stderr
        line = _one_error_line(proc.stderr)
        assert "File too large" in line and ("resume" in line), line
        assert json.loads((out / "run.json").read_text())["status"] == "failed"
        assert not list(out.rglob(".tmp-*"))
    failure = json.loads(next((out / "stages" / "pass-00" / "failed").iterdir()).read_text())
    assert "File too large" in failure["error"]
    proc = _cli("run", str(recipe), "--no-progress")  # room again: the same command finishes the run
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "completed"


def test_a_run_with_no_readable_input_fails_and_names_the_files(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.warc.gz").write_text("<html>not a WARC, renamed</html>")
    (folder / "b.warc.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    recipe, out = _recipe(tmp_path, [str(folder)])
    proc = _cli("run", str(recipe), "--no-progress")
    assert proc.returncode == 1
    assert "read errors: 2 of 2 input file(s) could not be read" in proc.stderr
    assert "a.warc.gz: no WARC records found" in proc.stderr and "b.warc.gz" in proc.stderr
    assert _one_error_line(proc.stderr) == "error: none of the 2 input file(s) could be read"


def test_read_errors_are_summarised_on_a_run_that_succeeds(tmp_path, warc_dir):
    data = (warc_dir / "servo-warc-tests" / "Sina.warc.gz").read_bytes()
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(data[: len(data) // 2])
    recipe, out = _recipe(tmp_path, [str(broken), str(warc_dir / "jwarc" / "cc.warc.gz")])
    proc = _cli("run", str(recipe), "--no-progress")
    assert proc.returncode == 0, proc.stderr
    assert "read errors: 1 of 2 input file(s) could not be read (fully):" in proc.stderr
    assert "broken.warc.gz" in proc.stderr and "offset" in proc.stderr
