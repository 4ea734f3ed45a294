"""The package's import graph between its top-level parts: circles and imports that point up the stack.

    python tools/import_graph.py [--all]     # --all: also imports made only for type checking

Reads every module under ``src/omniweave`` with :mod:`ast` (nothing is imported). A part is a
sub-package (``omniweave.io``) or a top-level module (``omniweave.document``). Prints each edge
between parts with the modules that make it, the circles (strongly connected parts), and the edges
that go from a lower layer of :data:`LAYERS` to a higher one.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "omniweave"

# The stack, bottom first: a part may import parts of its own layer or below.
LAYERS: list[set[str]] = [
    {"counters", "version", "text"},  # plain values and string analysis
    {"document", "layout", "node_positions"},  # the document model and its column layout
    {"io"},  # storage: files, object stores, WARC records, Parquet writers
    {"pipeline"},  # recipe, step bases, tasks, passes, reduce rounds; executors and readers as interfaces
    {"extract", "video", "images", "filters", "dedup", "annotate", "readers", "executors"},  # steps and their parts
    {"report", "export"},  # reading a finished run
    {"run", "cli", "__init__"},  # putting it together
]


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path, module: str, with_typing: bool) -> set[str]:
    """The omniweave modules ``path`` imports (``with_typing``: also under ``if TYPE_CHECKING``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    if not with_typing:
        for node in ast.walk(tree):
            if _type_checking_block(node):
                skip.update(id(n) for n in ast.walk(node))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("omniweave"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base == "omniweave":  # ``from omniweave import counters``: the submodule
                found.update(f"omniweave.{a.name}" if (SRC / a.name).exists() or (SRC / f"{a.name}.py").exists()
                             else "omniweave" for a in node.names)
            elif base.startswith("omniweave"):
                found.add(base)
    return found


def graph(with_typing: bool) -> dict[tuple[str, str], set[str]]:
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        for target in imports(path, module, with_typing):
            a, b = part_of(module), part_of(target)
            if a != b:
                edges[(a, b)].add(f"{module} -> {target}")
    return edges


def circles(edges: dict[tuple[str, str], set[str]]) -> list[list[str]]:
    """Strongly connected parts of more than one member (Tarjan)."""
    succ: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted({x for e in edges for x in e}):
        if v not in index:
            visit(v)
    return out


def layer(part: str) -> int:
    return next((i for i, members in enumerate(LAYERS) if part in members), -1)


def upward(edges: dict[tuple[str, str], set[str]]) -> list[tuple[str, str]]:
    return sorted((a, b) for a, b in edges if layer(b) > layer(a) >= 0 or layer(a) < 0 or layer(b) < 0)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--all", action="store_true", help="count imports made only for type checking")
    ap.add_argument("-v", "--verbose", action="store_true", help="name the modules behind each edge")
    args = ap.parse_args()
    edges = graph(args.all)
    for (a, b), why in sorted(edges.items()):
        print(f"{a} -> {b}" + ("" if not args.verbose else "\n    " + "\n    ".join(sorted(why))))
    found, up = circles(edges), upward(edges)
    print(f"\ncircles: {len(found)}")
    for c in found:
        print("  " + " <-> ".join(c))
    print(f"imports pointing up the stack: {len(up)}")
    for a, b in up:
        print(f"  {a} -> {b}: " + "; ".join(sorted(edges[(a, b)])))
    return 1 if found or up else 0


if __name__ == "__main__":
    sys.exit(main())
