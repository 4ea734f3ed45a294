"""Script-aware text helpers shared by the text filters (words, lines, n-grams, repetition, ratios) and
the patterns of page-metadata lines that the extractor and the boilerplate filter both use."""
