"""Many large-pixel images decoded at once stay under the shared pixel budget (peak RSS of a child process)."""

from __future__ import annotations

import json
import subprocess
import sys

from test_images_fetch import png_bomb

SIDE, IMAGES, THREADS = 5000, 8, 8  # 25 MP each (~20 kB as PNG), 1 byte a pixel decoded, as much again in grey
BUDGET = 2 * SIDE * SIDE  # two decodes at once

CHILD = """
import json, resource, sys
from concurrent.futures import ThreadPoolExecutor
from omniweave.images.decode import decode_image, pixel_budget
data, budget = open(sys.argv[1], "rb").read(), pixel_budget(int(sys.argv[2]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with ThreadPoolExecutor(int(sys.argv[3])) as pool:
    done = list(pool.map(lambda _: decode_image(data, max_pixels=50_000_000, budget=budget), range(int(sys.argv[4]))))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"decoded": len(done), "width": done[0].width, "grown_mb": (peak - before) / 1024,
                  "budget_peak": budget.peak}))
"""


def test_concurrent_decodes_share_the_pixel_budget(tmp_path):
    png = tmp_path / "big.png"
    png.write_bytes(png_bomb(SIDE))
    out = subprocess.run([sys.executable, "-c", CHILD, str(png), str(BUDGET), str(THREADS), str(IMAGES)],
                         capture_output=True, text=True, check=True)
    got = json.loads(out.stdout)
    assert got["decoded"] == IMAGES and got["width"] == SIDE
    assert got["budget_peak"] == BUDGET  # two at a time, never more
    # two decodes of 25 MP (pixels + grey copy): ~100 MB measured; with no budget, 300 MB
    assert got["grown_mb"] < 1.6 * BUDGET * 2 / 2**20, got
