"""omniweave: turn raw web crawls into clean image-text interleaved corpora."""

import os

# Arrow allocates through the system allocator, which hands freed memory back: jemalloc (Arrow's
# default) keeps it, ~65 MB more peak RSS per worker on bench/end_to_end.py at the same CPU time.
# Set before Arrow's first allocation (Arrow reads it then); a pool the user chose is kept.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from omniweave.document import Document, ImageNode, Source, TextNode  # noqa: E402
from omniweave.extract import extract_html  # noqa: E402
from omniweave.version import __version__  # noqa: E402
__all__ = ["Document", "ImageNode", "Source", "TextNode", "extract_html", "__version__"]
