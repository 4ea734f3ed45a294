"""A worker's memory: keep pandas out of workers that never use it, give freed memory back.

pyarrow (26) imports pandas on the first ``pa.array``/``pa.table`` of Python or numpy data, only to
ask whether the data is a pandas object: ~0.3 s of CPU and ~50 MB of memory in every worker. A
worker that has not imported pandas holds no pandas object, so :func:`keep_pandas_out` lets pyarrow
find pandas missing, once; pyarrow remembers that. Code that needs pandas later still gets it:
``import pandas`` works, and pyarrow's conversions to pandas (``Table.to_pandas``) import it then.
"""

from __future__ import annotations

import ctypes
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


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's ``malloc_trim``) after a task: a big
    page's parse tree, freed, otherwise stays in the worker's resident memory under the next task's."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass
