"""Script-aware text helpers shared by the text filters (words, lines, n-grams, repetition, ratios)."""
