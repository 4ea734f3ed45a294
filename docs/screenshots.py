"""Regenerate the screenshots in docs/ from a finished run (needs Debian's chromium and playwright).

    python docs/screenshots.py RUN_DIR

RUN_DIR should hold books.toscrape.warc's page and a dropped duplicate, e.g. examples/sample.yaml over
the sample crawl and ../shared/data/warc/node-warc/books.toscrape.warc (``-i`` twice); its report.html
must exist (every run writes it).
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
    with urllib.request.urlopen(base + "/api/docs?kind=dropped&limit=1000") as res:
        dropped = json.load(res)["items"]
    twin = next(d for d in dropped if (d["detail"] or "").startswith("kept "))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto((run / "report.html").as_uri())
        page.screenshot(path=DOCS / "report.png", full_page=True)
        page.goto(base + "/")
        page.locator("#docs li").first.wait_for()
        page.fill("#q", "velvet")  # full text: a book on the page, not in its title or URL
        page.wait_for_function("document.querySelectorAll('#docs li').length === 1")
        page.locator("#docs li").first.click()
        page.wait_for_function("[...document.querySelectorAll('#doc img')].every(i => i.complete)")
        box = page.locator("#doc img").nth(1).bounding_box()
        page.mouse.move(box["x"] + 20, box["y"] + 20)
        page.mouse.move(box["x"] + 30, box["y"] + 30)
        page.locator("#tooltip").wait_for(state="visible")
        page.screenshot(path=DOCS / "viewer.png")
        page.fill("#q", "")
        page.select_option("#kind", "dropped")
        page.wait_for_function("[...document.querySelectorAll('#docs li')].every(li => li.dataset.kind === 'dropped')")
        page.locator(f"#docs li[data-n='{twin['n']}']").click()
        page.locator("#doc .drop-reason a.twin").wait_for()
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
