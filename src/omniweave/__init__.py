"""omniweave: turn raw web crawls into clean image-text interleaved corpora."""

import gc
import os

# Arrow allocates through the system allocator, which hands freed memory back: jemalloc (Arrow's
# default) keeps it, ~65 MB more peak RSS per worker on bench/end_to_end.py at the same CPU time.
# Set before Arrow's first allocation (Arrow reads it then); a pool the user chose is kept.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
# A worker's numpy products are small (language ID: a vector by a few thousand rows), and a run is
# parallel by worker processes: OpenBLAS's own threads only start (~15 ms of CPU) and spin idle.
# Read by OpenBLAS when numpy loads it; a thread count the user chose (any of these) is kept.
if not any(key in os.environ for key in ("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS")):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"

# the imports below (numpy among them) make no garbage cycles: the collector's ~45 passes over them are paused
_collecting = gc.isenabled()
gc.disable()
try:
    from omniweave.document import Document, ImageNode, Source, TextNode
    from omniweave.extract import extract_html
    from omniweave.version import __version__
finally:
    if _collecting:
        gc.enable()
    del _collecting
__all__ = ["Document", "ImageNode", "Source", "TextNode", "extract_html", "__version__"]
