"""The command line: extract, run, stats, and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "omniweave.cli", *args], input=stdin, capture_output=True, timeout=300)


def test_extract_prints_the_row(shared_data):
    page = shared_data / "html" / "readability-test-pages" / "wikipedia" / "source.html"
    result = _cli("extract", str(page), "--url", "http://fakehost/test/page.html")
    assert result.returncode == 0, result.stderr
    row = json.loads(result.stdout)
    assert set(row) == {"id", "texts", "images", "metadata", "general_metadata"}
    assert any(t and "Mozilla" in t for t in row["texts"])
    assert any(i and i.startswith("http://upload.wikimedia.org/") for i in row["images"])


def test_run_and_stats(warc_dir, tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {{paths: ['{warc_dir}/jwarc']}}\noutput: {{dir: '{tmp_path}/o'}}\nsteps: [text_length, omnicorpus_paragraphs]\n")
    result = _cli("run", str(recipe), "--workers", "1", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert b"documents out: 1" in result.stdout
    stats = _cli("stats", str(tmp_path / "o"))
    assert stats.returncode == 0 and b"text_length" in stats.stdout
    assert b"per rule" in stats.stdout and b"removed_paragraphs:one_word" in stats.stdout


def test_errors_are_clear_and_exit_2(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text("input: {paths: [nowhere/*.warc.gz]}\noutput: {dir: o}\nsteps: [{text_length: {min_char: 3}}]\n")
    result = _cli("run", str(recipe))
    assert result.returncode == 2 and b"steps[0].text_length.min_char" in result.stderr
    recipe.write_text(f"input: {{paths: ['{tmp_path}/nowhere/*.warc.gz']}}\noutput: {{dir: '{tmp_path}/o'}}\n")
    result = _cli("run", str(recipe))
    assert result.returncode == 2 and b"matches no files" in result.stderr
    assert _cli("stats", str(tmp_path / "nothing")).returncode == 2
