"""Source trees for the A/B benches: a git revision's ``src`` built as a user's install has it.

A user's install compiles the modules its ``setup.py`` lists (Cython, beside their ``.py``); a bench
that ran one side of an A/B as pure Python would measure the build, not the change. Every bench that
compares against a revision gets its tree from here.
"""

from __future__ import annotations

import compileall
import os
import runpy
import shutil
import subprocess
import sys
import tarfile
import tempfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "bench" / ".cache" / "trees"  # one built tree per commit


def export_revision(rev: str, dest: Path) -> Path:
    """The ``src`` folder of git revision ``rev`` (with its build files), unpacked under ``dest``."""
    dest.mkdir(parents=True)
    archive = dest / "src.tar"
    listed = subprocess.run(["git", "-C", str(REPO), "ls-tree", "--name-only", rev], check=True,
                            capture_output=True, text=True).stdout.split()
    paths = [p for p in ("src", "setup.py", "pyproject.toml", "README.md") if p in listed]
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), rev, *paths], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    archive.unlink()
    return dest / "src"


def compiled_modules(src: Path) -> list[str]:
    """The modules of ``src`` that import from a compiled extension beside their ``.py``, dotted."""
    found = []
    for path in src.rglob("*.*"):
        suffix = next((s for s in EXTENSION_SUFFIXES if path.name.endswith(s)), None)
        if suffix is not None and path.with_name(path.name[: -len(suffix)] + ".py").is_file():
            found.append(path.relative_to(src).as_posix()[: -len(suffix)].replace("/", "."))
    return sorted(found)


def build(src: Path) -> list[str]:
    """Install a tree as a user's install has it: its compiled modules built the way its own setup.py
    says (a tree without one is pure Python) and bytecode for the rest; returns the compiled modules."""
    root = src.parent
    if (root / "setup.py").is_file():
        subprocess.run([sys.executable, "setup.py", "-q", "build_ext", "--inplace"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL)
    # a run under PYTHONDONTWRITEBYTECODE would compile what it imports
    compileall.compile_dir(src, quiet=1)
    return compiled_modules(src)


def built_revision(rev: str) -> Path:
    """The ``src`` of ``rev`` exported and built (:func:`build`), cached per commit under ``CACHE``
    so that a second run does not build it again."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{rev}^{{commit}}"], check=True,
                            capture_output=True, text=True).stdout.strip()
    tree = CACHE / commit
    if not (tree / "built").is_file():
        print(f"building {rev} ({commit[:12]}) as installed, once: cached under {tree}", file=sys.stderr, flush=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{commit[:12]}-", dir=CACHE))
        try:
            build(export_revision(commit, staging / "tree"))
            shutil.rmtree(staging / "tree" / "build", ignore_errors=True)  # setup.py's copies of the extensions
            (staging / "tree" / "built").write_text(f"{sys.version}\n")
            shutil.rmtree(tree, ignore_errors=True)  # an interrupted build's leftovers
            os.replace(staging / "tree", tree)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return tree / "src"


def out_of_date(src: Path) -> list[str]:
    """Modules the tree's ``setup.py`` lists whose compiled extension is missing or older than the
    ``.py`` (a stale one silently runs the old code); none for a tree without ``setup.py``."""
    setup = src.parent / "setup.py"
    if not setup.is_file():
        return []
    compiled = set(compiled_modules(src))
    problems = []
    for module in runpy.run_path(str(setup))["COMPILED"]:  # setup() runs only as __main__
        py = src.joinpath(*module.split(".")).with_suffix(".py")
        if module not in compiled:
            problems.append(f"{module} (missing)")
        elif any(ext.stat().st_mtime < py.stat().st_mtime for ext in py.parent.glob(f"{py.stem}.*")
                 if ext.name.endswith(tuple(EXTENSION_SUFFIXES))):
            problems.append(f"{module} (stale)")
    return problems


def describe(label: str, compiled: list[str]) -> str:
    """One line naming a tree's compiled modules."""
    return f"{label}: {len(compiled)} compiled modules{': ' if compiled else ' (pure Python)'}" + " ".join(compiled)
