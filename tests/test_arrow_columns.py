"""Arrow columns read with numpy (no pyarrow.compute): the same figures as Python on real texts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from omniweave.io.arrow_columns import keep_rows, per_list, utf8_lengths, validity

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _real_texts() -> list[str]:
    """Paragraphs of real Chinese and English pages (multi-byte and ASCII text)."""
    files = sorted((DATA / "html" / "chinese-web-content-extraction" / "cleaned").glob("*"))[:5]
    files += sorted((DATA / "html" / "wcxb-dev-subset" / "ground-truth").glob("*.json"))[:5]
    assert files
    return [p for f in files for p in f.read_text(encoding="utf-8").split("\n") if p.strip()][:400]


def test_lengths_validity_and_sums_per_list_match_python():
    texts = _real_texts()
    rows = [[t if i % 3 else None for i, t in enumerate(texts[k: k + 7])] for k in range(0, len(texts), 7)]
    rows[1] = None
    rows[2] = []
    lists = pa.array(rows, pa.list_(pa.string()))
    for part in (lists, lists.slice(3, 20)):  # a slice keeps its parent's buffers
        python = part.to_pylist()
        assert per_list(part, validity(part.values)).tolist() == [sum(t is not None for t in r or ()) for r in python]
        assert per_list(part, utf8_lengths(part.values)).tolist() == [sum(len(t) for t in r or () if t) for r in python]
    strings = pa.array(texts[:50] + [None]).slice(5)
    assert utf8_lengths(strings).tolist() == [len(t) if t else 0 for t in strings.to_pylist()]
    assert validity(strings).tolist() == [t is not None for t in strings.to_pylist()]


def test_keep_rows_keeps_exactly_the_rows_asked_in_order():
    table = pa.table({"text": _real_texts()[:40]})
    rng = np.random.default_rng(3)
    for keep in (np.ones(40, bool), np.zeros(40, bool), rng.random(40) < 0.5, np.arange(40) % 7 != 0):
        kept = keep_rows(table, keep)
        assert kept.column("text").to_pylist() == [t for t, k in zip(table.column("text").to_pylist(), keep) if k]
