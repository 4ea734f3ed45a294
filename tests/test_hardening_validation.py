"""Recipe values that used to pass validation and fail (or silently misbehave) at run time are
refused up front, each naming its key: booleans for numbers, bad networks, a missing fastText
model file, language names instead of codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from omniweave.pipeline.recipe import RecipeError, parse_recipe

BASE = {"input": {"paths": ["x"]}, "output": {"dir": "o"}}


@pytest.mark.parametrize(
    ("steps", "extra", "message"),
    [
        ([{"text_length": {"min_chars": True}}], {}, r"steps\[0\].text_length.min_chars: .*boolean true"),
        ([{"gopher_quality": {"min_words": False}}], {}, r"gopher_quality.min_words: .*boolean false"),
        ([{"language_id": {"min_score": True}}], {}, r"language_id.min_score: .*boolean"),
        ([], {"executor": {"workers": True}}, r"executor.workers: .*boolean"),
        ([], {"input": {"paths": ["x"], "max_html_bytes": True}}, r"input.max_html_bytes: .*boolean"),
        ([{"images": {"fetch": {"allow_networks": ["not-a-net"]}}}], {},
         r"images.fetch.allow_networks\[0\]: .*'not-a-net' is not an IP network"),
        ([{"images": {"fetch": {"allow_networks": ["127.0.0.1/32", "10.0.0.0/33"]}}}], {}, r"allow_networks\[1\]"),
        ([{"language_id": {"fasttext_model": "/no/such/lid.176.bin"}}], {},
         r"language_id.fasttext_model: .*'/no/such/lid.176.bin' not found"),
        ([{"language_id": {"languages": ["english"]}}], {}, r"language_id.languages: .*'english' is not a language code"),
        ([{"language_id": {"languages": ["EN"]}}], {}, r"'EN' is not a language code"),
        ([{"language_id": {"languages": ["en", "xx"]}}], {}, r"language_id: .*never names 'xx'"),
    ],
)
def test_refused_up_front(steps, extra, message):
    with pytest.raises(RecipeError, match=message):
        parse_recipe({**BASE, **extra, "steps": steps})


def test_good_values_still_pass(tmp_path):
    model = tmp_path / "lid.bin"
    model.write_bytes(b"x")
    recipe = parse_recipe({**BASE, "steps": [
        {"text_length": {"min_chars": 5, "max_chars": None}},
        {"language_id": {"languages": ["en", "zh", "de"], "min_score": 0.5}},
        {"language_id": {"languages": ["ceb"], "fasttext_model": str(model)}},  # any code for a fastText model
        {"images": {"fetch": {"allow_networks": ["127.0.0.1", "10.0.0.0/8", "::1/128"]}}},
    ]})
    assert [s.name for s in recipe.steps] == ["text_length", "language_id", "language_id", "images"]
    assert recipe.steps[0].params["min_chars"] == 5


def test_the_cli_refuses_the_recipe_in_one_line_before_running(tmp_path):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump({"input": {"paths": [str(tmp_path)]}, "output": {"dir": str(tmp_path / "o")},
                                      "steps": [{"images": {"fetch": {"allow_networks": ["not-a-net"]}}}]}))
    proc = subprocess.run([sys.executable, "-m", "omniweave.cli", "run", str(recipe)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "allow_networks[0]" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()
