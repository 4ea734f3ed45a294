"""Input resolution: folders, globs, and fsspec URLs (http against a server on 127.0.0.1)."""

from __future__ import annotations

from collections import Counter

import pytest

from omniweave.io.inputs import InputError, expand_inputs
from omniweave.readers import read_input
from omniweave.pipeline.recipe import parse_recipe
from omniweave.run import run_recipe


def test_folder_glob_and_file(warc_dir):
    folder = expand_inputs([str(warc_dir)])
    assert len(folder) == 30 and all(f.format in ("warc", "arc") for f in folder)
    globbed = expand_inputs([str(warc_dir / "servo-warc-tests" / "*.warc.gz")])
    assert [f.relpath for f in globbed][:2] == ["Baidu.warc.gz", "GoogleUK.warc.gz"]
    both = expand_inputs([str(warc_dir / "servo-warc-tests"), str(warc_dir / "servo-warc-tests" / "Sina.warc.gz")])
    assert len(both) == 7  # no repeats


def test_missing_and_unknown_inputs_are_named(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        expand_inputs([str(tmp_path / "nope.warc.gz")])
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match="unknown format"):
        expand_inputs([str(tmp_path / "notes.txt")])


def test_http_input_reads_the_same_documents(warc_dir, http_server, tmp_path):
    base = http_server(warc_dir)
    [remote] = expand_inputs([f"{base}/dolma/sample-0000.warc.gz"])
    [local] = expand_inputs([str(warc_dir / "dolma" / "sample-0000.warc.gz")])
    remote_docs = list(read_input(remote, Counter(), max_html_bytes=5_000_000))
    local_docs = list(read_input(local, Counter(), max_html_bytes=5_000_000))
    assert [d.id for d in remote_docs] == [d.id for d in local_docs] and len(local_docs) == 22
    assert [d.text for d in remote_docs] == [d.text for d in local_docs]
    recipe = parse_recipe({"input": {"paths": [f"{base}/jwarc/cc.warc.gz"]}, "output": {"dir": str(tmp_path / "o")},
                           "executor": {"workers": 1}})
    assert run_recipe(recipe, progress=False).documents_out == 1
