"""A process's memory: keep pandas out of workers (and the driver) that never use it, give freed memory back.

pyarrow (26) imports pandas on the first ``pa.array``/``pa.table`` of Python or numpy data, only to
ask whether the data is a pandas object: ~0.3 s of CPU and ~50 MB of memory in every worker. A
worker that has not imported pandas holds no pandas object, so :func:`keep_pandas_out` lets pyarrow
find pandas missing, once; pyarrow remembers that. Code that needs pandas later still gets it:
``import pandas`` works, and pyarrow's conversions to pandas (``Table.to_pandas``) import it then.

glibc's allocator serves a freed large buffer's size from the heap afterwards (its mapping threshold
rises up to 32 MB): a worker that builds Arrow columns and numpy arrays of varying sizes, document
after document, then holds a fragmented heap that only grows. :func:`steady_heap` fixes the
thresholds instead (buffers from 8 MB mapped on their own, the heap trimmed past 32 MB free): flat
peak memory as the input grows. Buffers of a page's size (a few MB of HTML, its text, a shard's
columns) stay on the heap: mapping each from 1 MB up cost ~0.2 CPU-s of page faults and zeroing per
800 pages (a third of the English bench's system time) for ~3 MB less peak.

Python's cyclic garbage collector, at its defaults, runs a young pass every 700 net allocations and
now and then a full pass over every object alive (the imported modules' among them): ~4 % of a
worker's CPU on the end-to-end bench. Documents are freed by reference counting as they leave the
task; the collector only finds reference cycles. :func:`steady_heap` collects (the first time only
the younger generations, where the run's own objects are), then freezes what
is alive when the task starts out of the collector's passes (a cycle an earlier task left is freed
first, never frozen) and runs the young pass every 50,000 allocations: the collector's share falls
under 1 %. Few cycles are left for it to find (extraction's walk breaks its own per page); with them
the rarer passes would let garbage pile up (a 100,000 threshold cost ~30 MB more peak).
"""

from __future__ import annotations

import ctypes
import gc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType


class _NoPandas:
    """A meta path finder that answers "not installed" for pandas."""

    def find_spec(self, name: str, path: Sequence[str] | None = None, target: ModuleType | None = None) -> ModuleSpec | None:
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("pandas is kept out of this worker")
        return None


def keep_pandas_out() -> None:
    """Make pyarrow settle, without importing pandas, that it has none (no-op once pandas is imported)."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.array([0])  # pyarrow's one try at importing pandas
    finally:
        sys.meta_path.remove(finder)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
MMAP_FROM_BYTES = 8 << 20
TRIM_PAST_BYTES = 32 << 20
YOUNG_PASS_EVERY = 50_000  # net allocations of tracked objects between young collections (Python's default: 700)


def steady_heap() -> None:
    """Fixed glibc malloc thresholds (no-op elsewhere) and fewer, shorter garbage collector passes
    for this process (see the module docstring)."""
    # a cycle left by an earlier task in this worker is freed, never frozen; before the first freeze
    # the oldest generation holds the imports' objects: a full pass over them frees nothing, ~25 ms
    gc.collect(2 if gc.get_freeze_count() else 1)
    gc.freeze()
    fewer_young_passes()
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_FROM_BYTES)
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_PAST_BYTES)
    except (OSError, AttributeError):  # not glibc
        pass


def fewer_young_passes() -> None:
    """Run the collector's young pass every :data:`YOUNG_PASS_EVERY` allocations, not Python's 700
    (the command line sets it before its imports: ~80 passes over module objects, none garbage)."""
    gc.set_threshold(YOUNG_PASS_EVERY, *gc.get_threshold()[1:])


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``) after a task: a big
    page's parse tree, freed, otherwise stays in the worker's resident memory under the next task's."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
