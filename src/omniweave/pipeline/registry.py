"""Where the built-in steps live: each step name mapped to its module, found without importing it.

A recipe imports only the modules of the steps it names, so a text-only recipe never loads the
image, model or video code (nor scipy, torch, PIL). The map is read from the source of every
module under ``STEP_PACKAGES``: a step is a class with a ``name = "..."`` line. A new step needs no
edit here: put it in a module under one of ``STEP_PACKAGES``.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
from functools import cache
from pathlib import Path

STEP_PACKAGES = ("omniweave.filters", "omniweave.dedup", "omniweave.images", "omniweave.annotate")
# a class attribute ``name = "..."`` (four spaces in, a whole literal string as its value)
_STEP_NAME = re.compile(r"""^ {4}name\s*(?::\s*ClassVar\[str\]\s*)?=\s*["'](\w+)["']\s*$""", re.MULTILINE)


def _module_files(prefix: str, folders: list[str]) -> dict[str, Path]:
    """Module name -> source file of every module under ``folders``, found without importing any."""
    out: dict[str, Path] = {}
    for info in pkgutil.iter_modules(folders):
        folder = Path(info.module_finder.path)  # type: ignore[union-attr]
        if info.ispkg:
            out[prefix + info.name] = folder / info.name / "__init__.py"
            out.update(_module_files(f"{prefix}{info.name}.", [str(folder / info.name)]))
        else:
            out[prefix + info.name] = folder / f"{info.name}.py"
    return out


def _modules() -> dict[str, Path]:
    """Every module under ``STEP_PACKAGES`` with its source file."""
    out: dict[str, Path] = {}
    for package_name in STEP_PACKAGES:
        spec = importlib.util.find_spec(package_name)
        if spec is not None and spec.submodule_search_locations is not None:
            out.update(_module_files(package_name + ".", list(spec.submodule_search_locations)))
    return out


@cache
def step_modules() -> dict[str, str]:
    """Step name -> the module that declares it (first declaration wins; importing checks it)."""
    found: dict[str, str] = {}
    for module, path in _modules().items():
        if path.is_file():
            for name in _STEP_NAME.findall(path.read_text(encoding="utf-8")):
                found.setdefault(name, module)
    return found


def import_step(name: str) -> None:
    """Import the module that declares step ``name`` (nothing when no module does)."""
    module = step_modules().get(name)
    if module is not None:
        importlib.import_module(module)


def import_all() -> None:
    """Import every step module (to list every step, e.g. in an error message)."""
    for module in _modules():
        importlib.import_module(module)
