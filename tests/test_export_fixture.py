"""A real run over shared WARCs, made once per test session and shared by the export, report and
viewer tests (imported as ``from test_export_fixture import real_run``; holds no tests itself)."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pytest

WARC = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "warc"
INPUTS = [WARC / "node-warc" / "books.toscrape.warc", WARC / "servo-warc-tests", WARC / "dolma"]


@functools.cache
def _make_run() -> Path:
    from omniweave.pipeline.recipe import parse_recipe
    from omniweave.run import run_recipe

    root = Path(tempfile.mkdtemp(prefix="ow-export-run-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    recipe = parse_recipe({
        "input": {"paths": [str(p) for p in INPUTS]},
        "output": {"dir": str(root / "run"), "keep_dropped": True},
        "steps": [
            {"language_id": {}},
            {"text_length": {"min_chars": 100}},
            {"paragraph_quality": {"min_words": 3}},
            "exact_dedup",
            {"images": {"sources": ["warc"], "filter": {"min_side": 100}, "imageless": "keep"}},
        ],
        "executor": {"workers": 1},
    })
    summary = run_recipe(recipe, progress=False)
    assert summary.ok and summary.documents_out > 10
    return root / "run"


def real_run() -> Path:
    """The run folder (skips when the shared data is missing)."""
    if not WARC.is_dir():
        pytest.skip(f"shared test data not found at {WARC}")
    return _make_run()


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def chromium_browser():
    """Generator for a module fixture: Debian's chromium driven by Playwright (skips without it)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) for browser tests")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (test extra)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
