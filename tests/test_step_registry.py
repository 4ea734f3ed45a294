"""The step registry finds every built-in step without importing it, and a text-only recipe's
worker imports no image, model or video code."""

from __future__ import annotations

import json
import subprocess
import sys

from omniweave.pipeline.step import registered_steps
from omniweave.pipeline.registry import step_modules


def test_the_source_index_names_every_registered_step_and_its_module():
    index = step_modules()
    steps = registered_steps()
    assert set(index) == set(steps)
    assert all(steps[name].__module__ == module for name, module in index.items())


def test_a_text_recipe_imports_only_its_steps():
    code = """
import json, sys
from omniweave.pipeline.recipe import parse_recipe
from omniweave.pipeline.task import run_task
recipe = parse_recipe({"input": {"paths": ["x.warc.gz"]}, "output": {"dir": "out"},
                       "steps": [{"preset": "omnicorpus-en"}, {"minhash_dedup": {}}]})
recipe.build_steps()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in
      ("scipy", "torch", "PIL", "av", "transformers", "aiohttp", "jieba") or m.startswith(("omniweave.images",
      "omniweave.annotate", "omniweave.video.reader", "omniweave.video.frames")))))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_an_unknown_step_still_lists_every_step():
    from omniweave.pipeline.recipe import RecipeError, parse_recipe

    try:
        parse_recipe({"input": {"paths": ["x"]}, "output": {"dir": "o"}, "steps": ["gopher_qualty"]})
    except RecipeError as exc:
        assert "did you mean 'gopher_quality'" in str(exc) and "clip_score" in str(exc)
    else:
        raise AssertionError("an unknown step was accepted")
