"""Images: fetch (SSRF-guarded, polite, resumable) or read from WARC captures, store once, filter, hash.

The pipeline step is :class:`omniweave.images.step.ImageStep` (recipe name ``images``).
"""
