"""Light workers: a text-only run imports no pandas, scipy, torch, image or video code (nor does its driver)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("pandas", "scipy", "torch", "PIL", "imagehash", "cv2", "av", "open_clip", "transformers", "sklearn")

RUN_AND_LIST_MODULES = """
import atexit, json, runpy, sys
atexit.register(lambda: print("MODULES " + json.dumps(sorted({m.split(".")[0] for m in sys.modules}))))
sys.argv = ["omniweave", "run", sys.argv[1], "--no-progress"]
runpy.run_module("omniweave.cli", run_name="__main__")
"""


def test_text_recipe_run_imports_no_heavy_package(tmp_path, warc_dir):
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({
        "input": {"paths": [str(warc_dir / "commoncrawl-whirlwind" / "whirlwind.warc.gz")]},
        "output": {"dir": str(tmp_path / "out")}, "executor": {"workers": 1},
        "steps": [{"preset": "omnicorpus-en"}, {"minhash_dedup": {}}],
    }))
    proc = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, str(recipe)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = json.loads(proc.stdout.split("MODULES ", 1)[1])
    assert "pyarrow" in modules and not set(modules) & set(HEAVY), set(modules) & set(HEAVY)


def test_a_pool_run_keeps_pandas_out_of_the_driver_that_reduces(tmp_path, warc_dir):
    warc = warc_dir / "commoncrawl-whirlwind" / "whirlwind.warc.gz"
    copy = tmp_path / "copy.warc.gz"
    copy.write_bytes(warc.read_bytes())  # two tasks (a pool of two workers), each page twice: a real reduce
    recipe = tmp_path / "recipe.json"
    recipe.write_text(json.dumps({
        "input": {"paths": [str(warc), str(copy)]}, "output": {"dir": str(tmp_path / "out")},
        "executor": {"workers": 2}, "steps": [{"minhash_dedup": {}}],
    }))
    proc = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES, str(recipe)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    modules = json.loads(proc.stdout.split("MODULES ", 1)[1])
    assert not set(modules) & set(HEAVY), set(modules) & set(HEAVY)
    reduced = json.loads((tmp_path / "out" / "stats.json").read_text())["steps"]["minhash_dedup"]
    assert reduced["reduce:duplicates"] == reduced["reduce:documents"] // 2 >= 1


def test_the_command_line_module_loads_no_command_line_code_until_it_runs():
    """A worker process that multiprocessing spawns imports the driver's main module (omniweave.cli) again."""
    code = """
import sys

import pytest
import omniweave.cli
assert not {"typer", "click", "pydantic", "fsspec", "pyarrow"} & set(sys.modules), sorted(sys.modules)
from omniweave.cli import app
assert "typer" in sys.modules and app.registered_commands
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_pyarrow_without_pandas_still_converts_to_pandas_later():
    code = """
import sys

import pytest
from omniweave.pipeline.no_pandas import keep_pandas_out
keep_pandas_out()
import pyarrow as pa
table = pa.table({"a": [1, 2], "b": ["x", "y"]})
assert "pandas" not in sys.modules
assert table.to_pandas()["a"].tolist() == [1, 2]
import pandas as pd
assert pa.Table.from_pandas(pd.DataFrame({"c": [3]})).num_rows == 1
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_task_freezes_what_is_alive_and_collects_young_objects_less_often():
    code = """
import gc
from omniweave.pipeline.no_pandas import YOUNG_PASS_EVERY, steady_heap
default = gc.get_threshold()
import weakref
class Left: pass
left = Left()
left.self = left  # a cycle an earlier task left behind
gone = weakref.ref(left)
del left
steady_heap()
assert gone() is None  # freed before the freeze, not kept for the worker's life

assert gc.get_freeze_count() > 1000 and gc.get_threshold() == (YOUNG_PASS_EVERY, *default[1:])
cycle = []
cycle.append(cycle)
del cycle
assert gc.collect() >= 1  # cycles made later are still collected
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]


LIST_THREADS = """
import gc, os, sys
import omniweave, numpy
print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")), gc.isenabled())
"""


def _threads_after_import(env: dict[str, str], *before: str) -> tuple[str, int, bool]:
    code = "\n".join(before) + LIST_THREADS
    environ = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env={**environ, **env})
    assert proc.returncode == 0, proc.stderr[-2000:]
    value, threads, collecting = proc.stdout.split()
    return value, int(threads), collecting == "True"


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads through /proc")
def test_importing_omniweave_leaves_numpy_without_blas_threads_unless_the_user_chose():
    value, threads, collecting = _threads_after_import({})
    assert (value, threads, collecting) == ("1", 1, True)  # no OpenBLAS threads started
    value, threads, _ = _threads_after_import({"OMP_NUM_THREADS": "2"})
    assert value == "None"  # not set over the user's OMP_NUM_THREADS
    if (os.cpu_count() or 1) > 1:
        assert threads > 1  # the user's choice is kept: OpenBLAS started its threads
    assert _threads_after_import({}, "import gc", "gc.disable()")[2] is False  # a collector the user stopped stays so
