"""The package's version (one home: ``omniweave.__version__``, run.json and ``--version`` read it)."""

from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"


def compiled_files() -> dict[str, Path]:
    """Module name -> its compiled extension, for the package's modules that import from one
    (the compiled build, ``setup.py``: an extension beside a ``.py`` shadows it)."""
    from importlib.machinery import EXTENSION_SUFFIXES

    package = Path(__file__).resolve().parent
    found = {}
    for path in package.rglob("*.*"):
        suffix = next((s for s in EXTENSION_SUFFIXES if path.name.endswith(s)), None)
        if suffix is not None and path.with_name(path.name[: -len(suffix)] + ".py").is_file():
            dotted = path.relative_to(package).as_posix()[: -len(suffix)].replace("/", ".")
            found[f"{__name__.rpartition('.')[0]}.{dotted}"] = path
    return dict(sorted(found.items()))
