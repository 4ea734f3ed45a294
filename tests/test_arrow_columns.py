"""Arrow columns read with numpy (no pyarrow.compute): the same figures as Python on real texts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from omniweave.io.arrow_columns import keep_rows, validity

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def _real_texts() -> list[str]:
    """Paragraphs of real Chinese and English pages (multi-byte and ASCII text)."""
    files = sorted((DATA / "html" / "chinese-web-content-extraction" / "cleaned").glob("*"))[:5]
    files += sorted((DATA / "html" / "wcxb-dev-subset" / "ground-truth").glob("*.json"))[:5]
    assert files
    return [p for f in files for p in f.read_text(encoding="utf-8").split("\n") if p.strip()][:400]


def test_validity_matches_python_on_sliced_columns():
    texts = _real_texts()
    strings = pa.array(["", *texts[:50], None, "", None]).slice(1)
    assert validity(strings).tolist() == [t is not None for t in strings.to_pylist()]
    assert validity(pa.array(texts[:9])).all()


def test_keep_rows_keeps_exactly_the_rows_asked_in_order():
    table = pa.table({"text": _real_texts()[:40]})
    rng = np.random.default_rng(3)
    for keep in (np.ones(40, bool), np.zeros(40, bool), rng.random(40) < 0.5, np.arange(40) % 7 != 0):
        kept = keep_rows(table, keep)
        assert kept.column("text").to_pylist() == [t for t, k in zip(table.column("text").to_pylist(), keep) if k]
