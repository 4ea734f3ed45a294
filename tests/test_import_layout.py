"""The package's import graph has no circle and no import pointing up its layer stack."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "tools" / "import_graph.py"


def test_no_import_circle_and_nothing_imports_a_layer_above():
    spec = importlib.util.spec_from_file_location("import_graph", TOOL)
    graph = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(graph)
    edges = graph.graph(with_typing=True)
    parts = {p for edge in edges for p in edge}
    assert {"pipeline", "readers", "executors", "document", "layout"} <= parts
    assert graph.circles(edges) == []
    assert graph.upward(edges) == []
