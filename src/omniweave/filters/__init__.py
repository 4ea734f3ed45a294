"""Document and paragraph filters (each a small named step over the shared Filter base)."""
