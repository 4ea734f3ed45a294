"""Compiled build: Cython compiles a named list of the project's own pure-Python modules.

The ``.py`` files stay the only source. Each listed module is compiled into an extension module
that sits beside its ``.py`` file (in ``src/``, for the editable install and ``PYTHONPATH=src``)
and shadows it at import; everything else in the build is in ``pyproject.toml``. Every extension
is optional: where Cython or a C compiler is missing or fails, the install goes on and the package
runs as pure Python, with the same results.

Rebuild after editing a listed module (only what changed is compiled again)::

    python setup.py build_ext --inplace      # or: make compiled

Modules that define pydantic models (the filters' parameters, ``pipeline/step.py``) stay pure
Python: pydantic would take compiled methods for fields.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SRC = ROOT / "src"

# The ONE list of compiled modules: hot loops over nodes, words and records. With annotation
# typing (Cython's default) a ``float``/``int`` annotation types a local or argument in C, so
# an annotation must say the truth (``x: float`` never None, ``int`` never a bool or a numpy int).
COMPILED = [
    # extraction: the per-node walk and its scores
    "omniweave.extract.walk",
    "omniweave.extract.clean",
    "omniweave.extract.score",
    "omniweave.extract.learned",
    "omniweave.extract.images",
    "omniweave.extract.items",
    "omniweave.extract.scan",
    "omniweave.extract.guard",
    "omniweave.extract.dom_table",
    # text analysis shared by the filters
    "omniweave.text.analysis",
    "omniweave.text.metadata_lines",
    "omniweave.text.counting",
    "omniweave.text.patterns",
    "omniweave.text.repetition",
    "omniweave.text.stats",
    "omniweave.text.words",
    # the filters' helper modules (no pydantic models)
    "omniweave.filters.langid_trie",
    "omniweave.filters.wordlists",
    # documents, the task loop, reading
    "omniweave.document",
    "omniweave.pipeline.node_removal",
    "omniweave.pipeline.task",
    "omniweave.io.decode",
    "omniweave.io.warc",
    # the paragraph steps' per-node loops
    "omniweave.filters.paragraph_rows",
    "omniweave.filters.paras",
]


def source_file(module: str) -> Path:
    """The ``.py`` file of a listed module."""
    return SRC.joinpath(*module.split(".")).with_suffix(".py")


def extensions() -> list:
    """The listed modules as optional extensions (none where Cython is not installed)."""
    from setuptools import Extension

    try:
        from Cython.Build import cythonize
    except ImportError:
        print("Cython not found: omniweave is installed as pure Python", file=sys.stderr)
        return []
    modules = [Extension(m, [str(source_file(m).relative_to(ROOT))]) for m in COMPILED]

    def translate(some: list) -> list:
        return cythonize(
            some,
            nthreads=os.cpu_count() or 1,
            compiler_directives={
                "language_level": 3,
                "binding": True,  # functions keep Python's introspection (signatures, pickling by name)
            },
            quiet=True,
        )

    try:
        extensions = translate(modules)
    except Exception:  # noqa: BLE001 (a module Cython cannot translate: the others are still compiled)
        extensions = []
        for module in modules:
            try:
                extensions += translate([module])
            except Exception as error:  # noqa: BLE001 (that module stays pure Python)
                print(f"Cython failed on {module.name} ({error}): it stays pure Python", file=sys.stderr)
    for extension in extensions:
        extension.optional = True  # a module the C compiler fails on stays pure Python (cythonize drops it)
    return extensions


def main() -> None:
    from setuptools import setup
    from setuptools.command.build_ext import build_ext

    class ParallelBuildExt(build_ext):
        """Compiles the extensions on every core unless ``-j`` says otherwise; ``--inplace`` compiles
        only those whose module beside the ``.py`` is older than its C file (whatever build/ holds)."""

        def finalize_options(self) -> None:
            super().finalize_options()
            if self.parallel is None:
                self.parallel = os.cpu_count() or 1

        def run(self) -> None:
            if self.inplace and not self.editable_mode and not self.force:
                self.extensions = [ext for ext in self.extensions if not self._current_in_place(ext)]
            super().run()

        def _current_in_place(self, ext) -> bool:
            target = Path(self.get_ext_fullpath(ext.name))  # the in-place path while inplace is set
            sources = [*ext.sources, *ext.depends]
            return target.is_file() and all(target.stat().st_mtime >= os.path.getmtime(s) for s in sources)

    setup(ext_modules=extensions(), cmdclass={"build_ext": ParallelBuildExt})


if __name__ == "__main__":  # setuptools runs this file as __main__; the tests import COMPILED
    main()
