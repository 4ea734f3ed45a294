"""Rounds of reduce pieces: a round stopped part-way runs only its unfinished pieces again."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from omniweave.io.output import filesystem
from omniweave.pipeline.rounds import read_part, run_round, serial_map, write_parts

SCHEMA = pa.schema([("value", pa.int64())])


def test_a_round_stopped_part_way_resumes_with_the_pieces_not_done(tmp_path):
    fs, root = filesystem(str(tmp_path))
    calls: list[int] = []
    died = []

    def piece(i: int) -> dict[str, int]:
        calls.append(i)
        if i == 3 and not died:
            died.append(i)
            raise RuntimeError("the process died here")
        values = np.arange(i * 10, i * 10 + 10)
        write_parts(fs, f"{root}/out", i, pa.table({"value": values}, schema=SCHEMA), values % 4, 4)
        return {"piece": i}

    with pytest.raises(RuntimeError):
        run_round(fs, serial_map, f"{root}/round", piece, 6)
    calls.clear()
    assert run_round(fs, serial_map, f"{root}/round", piece, 6) == [{"piece": i} for i in range(6)]
    assert calls == [3, 4, 5]  # pieces 0-2 were done: their markers hold their results
    got = sorted(v for p in range(4) for v in read_part(fs, f"{root}/out", p, SCHEMA)["value"].to_pylist())
    assert got == list(range(60))  # every value once: nothing lost, nothing doubled
