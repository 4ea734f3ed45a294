"""Registers every built-in step: imports each module of the step packages once.

A new step needs no edit here: put it in a module under one of ``STEP_PACKAGES``.
"""

from __future__ import annotations

import importlib
import pkgutil

STEP_PACKAGES = ("omniweave.filters", "omniweave.dedup", "omniweave.images", "omniweave.annotate")

for _package_name in STEP_PACKAGES:
    try:
        _package = importlib.import_module(_package_name)
    except ModuleNotFoundError as exc:
        if exc.name != _package_name:
            raise
        continue
    for _info in pkgutil.walk_packages(_package.__path__, _package_name + "."):
        importlib.import_module(_info.name)
