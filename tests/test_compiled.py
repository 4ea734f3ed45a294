"""The compiled build (setup.py): which modules are compiled, and that they answer as the .py files do."""

from __future__ import annotations

import importlib
import os
import runpy
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

from omniweave.version import compiled_files

ROOT = Path(__file__).resolve().parents[1]
COMPILED = runpy.run_path(str(ROOT / "setup.py"), run_name="setup")["COMPILED"]


def test_only_listed_modules_are_compiled():
    """An extension left from a module taken off the list would shadow its .py unseen."""
    assert set(compiled_files()) <= set(COMPILED)


@pytest.mark.skipif(os.environ.get("OMNIWEAVE_REQUIRE_COMPILED") != "1",
                    reason="the compiled build is required where OMNIWEAVE_REQUIRE_COMPILED=1 (CI)")
def test_every_listed_module_imports_compiled():
    pure = [m for m in COMPILED if not importlib.import_module(m).__file__.endswith(tuple(EXTENSION_SUFFIXES))]
    assert not pure, f"imported as pure Python (the build failed?): {pure}"
    version = subprocess.run([sys.executable, "-m", "omniweave.cli", "--version"], capture_output=True, text=True)
    assert version.stdout.splitlines()[1] == f"compiled: {len(COMPILED)} modules"


def test_pure_python_extracts_the_same(shared_data, tmp_path):
    """The package without its extensions (the fallback install) extracts real pages identically."""
    if not compiled_files():
        pytest.skip("this install is pure Python already")
    package = Path(importlib.import_module("omniweave").__file__).parent
    pure = tmp_path / "src"
    shutil.copytree(package, pure / "omniweave",
                    ignore=shutil.ignore_patterns("*.c", *(f"*{s}" for s in EXTENSION_SUFFIXES), "__pycache__"))
    pages = [shared_data / "html" / "readability-test-pages" / "wikipedia" / "source.html",
             *sorted((shared_data / "html" / "chinese-web-content-extraction" / "original").glob("*.html"))[:2]]
    for page in pages:
        rows = []
        for path in (str(package.parent), str(pure)):
            env = {**os.environ, "PYTHONPATH": path}
            result = subprocess.run([sys.executable, "-m", "omniweave.cli", "extract", str(page), "--url",
                                     "http://example.com/page.html"], capture_output=True, env=env, timeout=120)
            assert result.returncode == 0, result.stderr
            rows.append(result.stdout)
        assert rows[0] == rows[1], page
    version = subprocess.run([sys.executable, "-m", "omniweave.cli", "--version"], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(pure)})
    assert version.stdout.splitlines()[1] == "compiled: none (pure Python)"
