"""Failures explained: the data card's image table and the success rate of ``omniweave stats``."""

from __future__ import annotations

import subprocess
import sys

from omniweave.pipeline.recipe import parse_recipe
from omniweave.run import run_recipe
from omniweave.report.card import build_report
from test_images_renditions import IMAGES, page, warc_record


def test_image_table_and_success_rate(tmp_path):
    captured = "https://img.example.org/kept.png"
    html = page(f'<img src="{captured}"><img src="https://cdn.example.net/a.jpg"><img src="https://cdn.example.net/b.jpg">')
    warc = warc_record("https://example.org/city", "text/html", html)
    warc += warc_record(captured, "image/png", (IMAGES / "scikit-image-samples/coffee.png").read_bytes())
    (tmp_path / "crawl.warc.gz").write_bytes(warc)
    out = tmp_path / "out"
    recipe = parse_recipe({"input": {"paths": [str(tmp_path / "crawl.warc.gz")]}, "output": {"dir": str(out)},
                           "steps": [{"images": {"sources": ["warc"]}}]})
    assert run_recipe(recipe, progress=False).ok

    html = build_report(str(out))
    section = html[html.index('<section id="images">'):]
    section = section[:section.index("</section>")]
    assert "1 of 3 image URLs kept (33.3%); 0 filtered out, 2 could not be had." in section
    assert "<tr><td>ok</td><td>kept</td><td>1</td>" in section
    assert "<tr><td>not_captured</td><td>failed</td><td>2</td>" in section
    assert "<tr><td>cdn.example.net</td><td>2</td><td>2</td>" in section  # the domain with failures, not img.

    printed = subprocess.run([sys.executable, "-m", "omniweave.cli", "stats", str(out)], capture_output=True,
                             text=True, check=True).stdout
    assert "images: 1 of 3 kept (33.3% success); 2 could not be had (not_captured=2)" in printed
