"""Corpus-wide deduplication steps (global steps: map per shard, reduce once, apply per shard)."""
