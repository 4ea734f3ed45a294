"""Regenerate the screenshots in docs/ from a finished run (needs Debian's chromium and playwright).

    python docs/screenshots.py RUN_DIR

RUN_DIR should hold books.toscrape.warc's page (e.g. a run over ../shared/data/warc with
``keep_dropped: true`` and the ``images`` step); its report.html must exist (``omniweave report``).
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.request
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from omniweave.report.viewer import serve

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
DOCS = Path(__file__).resolve().parent


def shoot(run: Path) -> None:
    server = serve(str(run), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with urllib.request.urlopen(base + "/api/docs?q=books.toscrape") as res:
        books = json.load(res)["items"][0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((run / "report.html").as_uri())
        page.screenshot(path=DOCS / "report.png", full_page=True)
        page.goto(f"{base}/#doc/{books['n']}")
        page.wait_for_function("[...document.querySelectorAll('#doc img')].every(i => i.complete)")
        page.locator("#doc img").nth(1).hover()
        page.wait_for_timeout(300)
        page.screenshot(path=DOCS / "viewer.png")
        page.select_option("#kind", "dropped")
        page.locator("#docs li").first.click()
        page.locator("#doc .drop-reason").wait_for()
        page.wait_for_timeout(500)
        page.screenshot(path=DOCS / "viewer-dropped.png")
        browser.close()
    server.shutdown()
    for name in ("report", "viewer", "viewer-dropped"):  # 256 colours: a quarter of the size
        path = DOCS / f"{name}.png"
        Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            path, optimize=True)


if __name__ == "__main__":
    shoot(Path(sys.argv[1]).resolve())
