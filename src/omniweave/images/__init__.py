"""Images: fetch (SSRF-guarded, polite, resumable) or read from WARC captures, store once, filter, hash.

The pipeline step is :class:`omniweave.images.step.ImageStep` (recipe name ``images``).
"""

# what the images step writes and the data card reads (here, so the card does not import the step's HTTP stack)
RESULT_DIR = "images"  # <reduce>/images/p-NNNNN.parquet: one row per URL used, by URL partition
FILTER_REASONS = frozenset({"min_side", "aspect_ratio", "format", "animated", "file_size", "url_frequency"})
