"""The nesting depth estimate: the compiled build's C loops over the bytes (the tag counts, then the
full count's one pass) give what the array operations (pure Python) give, on real pages and on
crafted tag soups."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from omniweave.extract import guard

_PIECES = [b"<", b">", b"/", b"svg", b"math", b"div", b"p", b"title", b"mi", b"DIV", b"<svg>", b"</svg>", b"<path/>",
           b"<foreignObject>", b"</foreignobject>", b"\r", b"-", b"1", b"br", b"<b>", b"x", b" ", b"<li>", b"</p>"]


def _in_arrays(data: bytes) -> int:
    arr = np.frombuffer(data, dtype=np.uint8)
    pos = np.flatnonzero(arr[:-3] == 0x3C)
    return guard._depth_in_arrays(arr, pos, arr[pos + 1] == 0x2F)


def test_one_pass_counts_real_pages_as_the_arrays_do(shared_data: Path):
    pages = sorted((shared_data / "html").rglob("*.htm*"))[::4]
    assert len(pages) >= 200
    for path in pages:
        data = path.read_bytes()
        assert guard._depth_in_one_pass(data) == _in_arrays(data), path.name


def test_bound_in_c_counts_real_pages_as_the_arrays_do(shared_data: Path):
    pages = sorted((shared_data / "html").rglob("*.htm*"))
    assert len(pages) >= 800
    for path in pages:
        data = path.read_bytes()
        assert guard._bound_in_c(data) == guard._bound_in_arrays(data), path.name


def test_bound_in_c_counts_each_stage_as_the_arrays_do():
    tags = guard.MAX_DEPTH + 1
    pages = [b"<br>" * tags, b"<i></i>" * tags + b"<br>", b"<p>" * tags + b"</p>" * 10, b"<div>" * tags, b"<"]
    pages += [page[:-2] for page in pages] + [b"abc" + page + b"<</" for page in pages]
    for page in pages:
        assert guard._bound_in_c(page) == guard._bound_in_arrays(page), page[:20]


def test_one_pass_counts_tag_soup_as_the_arrays_do():
    pick = random.Random(22).choice
    for _ in range(3000):
        data = b"".join(pick(_PIECES) for _ in range(40))
        assert guard._depth_in_one_pass(data) == _in_arrays(data), data


def test_one_pass_counts_nesting_and_foreign_content():
    assert guard._depth_in_one_pass(b"<div><div><svg><path/><path/></svg><br><p>x</p></div></div>   ") == 3
    with pytest.raises(guard.ExtractionRefused):
        guard.check_size_and_depth("<div>" * (guard.MAX_DEPTH + 1), None)
