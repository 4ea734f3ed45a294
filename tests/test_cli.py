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


def test_version():
    from omniweave import __version__

    result = _cli("--version")
    assert result.returncode == 0 and result.stdout.decode().splitlines()[0] == f"omniweave {__version__}"


def test_validate_names_every_mistake_and_exits_2(warc_dir, tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(
        f"input: {{paths: ['{tmp_path}/nowhere/*.warc.gz']}}\noutput: {{dir: '{tmp_path}/o'}}\n"
        "steps:\n  - text_lenght: {min_chars: 3}\n  - gopher_quality: {min_wrds: 50}\n")
    for command in (["validate", str(recipe)], ["run", str(recipe), "--dry-run"]):
        result = _cli(*command)
        err = result.stderr.decode()
        assert result.returncode == 2, err
        assert "3 error(s)" in err
        assert "steps[0]: unknown step 'text_lenght' (did you mean 'text_length'?)" in err
        assert "steps[1].gopher_quality.min_wrds" in err
        assert "matches no files" in err
    assert not (tmp_path / "o").exists()
    recipe.write_text(f"input: {{paths: ['{warc_dir}/jwarc', '{warc_dir}/dolma']}}\noutput: {{dir: '{tmp_path}/o'}}\n"
                      "steps: [language_id, {text_length: {min_chars: 50}}, exact_dedup]\nexecutor: {workers: 1}\n")
    result = _cli("validate", str(recipe))
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    assert "valid" in out and "passes: 2" in out and "new run in" in out
    assert "pass 1: read → language_id → text_length → exact_dedup:map" in out
    assert 'text_length (run) {"min_chars": 50, "max_chars": null}' in out  # resolved parameters, defaults included
    assert "exact_dedup (reduce, once)" in out and "pass 2: shards → exact_dedup:apply" in out
    assert not (tmp_path / "o").exists()


def test_limit_writes_n_documents_and_logs_progress_off_terminal(warc_dir, tmp_path):
    import pyarrow.parquet as pq

    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {{paths: ['{warc_dir}/dolma', '{warc_dir}/node-warc']}}\noutput: {{dir: '{tmp_path}/o'}}\n"
                      "steps: [text_length]\nexecutor: {workers: 1}\n")
    result = _cli("run", str(recipe), "--limit", "5", "--log-every", "0.2")
    assert result.returncode == 0, result.stderr
    assert pq.read_table(tmp_path / "o" / "corpus").num_rows == 5
    assert b"documents out: 5" in result.stdout
    err = result.stderr.decode()  # not a terminal: log lines naming the pass's steps, docs/s, drops
    assert "[omniweave] pass 1/1 read → text_length:" in err and "docs/s" in err and "dropped" in err
    again = _cli("run", str(recipe), "--limit", "5", "--no-progress")  # resumes: nothing more written
    assert again.returncode == 0 and pq.read_table(tmp_path / "o" / "corpus").num_rows == 5
    full = _cli("run", str(recipe), "--no-progress")  # the full run is another run
    assert full.returncode == 2 and b"different recipe" in full.stderr


def test_end_of_run_names_read_errors(warc_dir, tmp_path):
    whole = (warc_dir / "dolma").glob("*.warc.gz").__next__().read_bytes()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cut.warc.gz").write_bytes(whole[: len(whole) // 2])
    recipe = tmp_path / "r.yaml"
    recipe.write_text(f"input: {{paths: ['{tmp_path}/in']}}\noutput: {{dir: '{tmp_path}/o'}}\nexecutor: {{workers: 1}}\n")
    result = _cli("run", str(recipe), "--no-progress")
    err = result.stderr.decode()
    assert "problems (1):" in err and "read errors in" in err and "cut.warc.gz" in err and "read_errors=1" in err
    assert "cut.warc.gz.log" not in err and ".log)" in err


def test_recipe_errors_from_field_and_model_validators_are_collected():
    import pytest

    from omniweave.pipeline.recipe import RecipeError, parse_recipe

    with pytest.raises(RecipeError) as err:
        parse_recipe({"input": {"paths": ["x.warc"], "format": "pdf"}, "output": {"dir": "o"},
                      "steps": [{"paragraph_quality": {"kinds": ["poem"]}}, {"minhash_dedup": {"bands": 4}},
                                {"preset": "omnicorpus-xx"}],
                      "executor": {"kind": "spark"}})
    errors = err.value.errors
    assert len(errors) == 5, errors
    assert any("paragraph_quality.kinds" in e and "unknown text kind" in e for e in errors)  # a field validator
    assert any("minhash_dedup" in e and "bands and rows" in e for e in errors)  # a model validator
    assert any("steps[2].preset" in e for e in errors)
    assert any("input.format" in e for e in errors) and any("executor.kind" in e for e in errors)
