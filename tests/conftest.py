"""Shared fixtures: the real test data beside the repository, and small helpers."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    """Stop at once when a compiled module (setup.py) is older than its .py: it would shadow the edit."""
    from omniweave.version import compiled_files

    stale = [name for name, ext in compiled_files().items()
             if ext.with_name(name.rpartition(".")[2] + ".py").stat().st_mtime > ext.stat().st_mtime]
    if stale:
        pytest.exit(f"compiled module older than its .py: {', '.join(stale)}; rebuild with "
                    "`python setup.py build_ext --inplace` (or `make compiled`)", returncode=2)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared test data not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def warc_dir(shared_data: Path) -> Path:
    return shared_data / "warc"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture()
def http_server(tmp_path: Path) -> Iterator[callable]:
    """Serve a folder on 127.0.0.1; returns a function folder -> base URL."""
    servers = []

    def serve(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
