"""A real HTTP server on 127.0.0.x for the image tests and bench: files plus faults.

Routes::

    /robots.txt                 disallows /private/
    /img/<path>                 a file under the root      /private/<path>  same, robots-disallowed
    /noai/<path>                a file with X-Robots-Tag: noai
    /gzip/<path>                a file sent with Content-Encoding: gzip
    /flaky/<path>               500 on the first request of the path, then the file
    /ratelimit/<secs>/<path>    429 with Retry-After: <secs> on the first request, then the file
    /status/<code>              an empty response with that status
    /drip                       200, Content-Length 1 MB, then one byte every 0.2 s
    /endless                    200 without length, bytes until the client hangs up
    /loop/a, /loop/b            redirect to each other
    /redirect?to=<url>          302 to <url>
    /html-as-jpeg               an HTML page served as image/jpeg
    /bytes/<name>               a body registered with ``add_bytes`` (e.g. a generated bomb)

``hits`` counts requests per path; ``latency`` delays every response (bench), and
``max_in_flight`` is the most requests in their latency wait at once (all answered after it, so a
client that waits for an answer before its next request never has two there).
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes = b"", ctype: str = "application/octet-stream", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _file(self, rel: str, **headers: str) -> None:
        path = (self.server.root / rel).resolve()
        if not path.is_file() or self.server.root not in path.parents:
            return self._send(404)
        ctype = mimetypes.guess_type(path.name)[0] or "image/jpeg"
        self._send(200, path.read_bytes(), ctype, **headers)

    def _first_time(self) -> bool:
        with self.server.lock:
            return self.server.hits[self.path] == 1

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        with self.server.lock:
            self.server.hits[self.path] += 1
            self.server.in_flight += 1
            self.server.max_in_flight = max(self.server.max_in_flight, self.server.in_flight)
        if self.server.latency:
            time.sleep(self.server.latency)
        with self.server.lock:
            self.server.in_flight -= 1
        parts = urlsplit(self.path)
        route, _, rest = unquote(parts.path).lstrip("/").partition("/")
        try:
            self._route(route, rest, parts.query)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _route(self, route: str, rest: str, query: str) -> None:
        if route == "robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif route in ("img", "private"):
            self._file(rest)
        elif route == "noai":
            self._file(rest, X_Robots_Tag="noai, noimageai")
        elif route == "gzip":
            path = self.server.root / rest
            self._send(200, gzip.compress(path.read_bytes()), "image/jpeg", Content_Encoding="gzip")
        elif route == "flaky":
            self._send(500) if self._first_time() else self._file(rest)
        elif route == "ratelimit":
            secs, _, rel = rest.partition("/")
            self._send(429, Retry_After=secs) if self._first_time() else self._file(rel)
        elif route == "status":
            self._send(int(rest))
        elif route == "drip":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            for _ in range(500):
                self.wfile.write(b"\xff")
                self.wfile.flush()
                time.sleep(0.2)
        elif route == "endless":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Connection", "close")
            self.end_headers()
            block = b"\xff\xd8\xff" + bytes(65533)
            for _ in range(16384):  # 1 GiB at most
                self.wfile.write(block)
        elif route == "loop":
            self._send(302, Location="/loop/b" if rest == "a" else "/loop/a")
        elif route == "redirect":
            self._send(302, Location=parse_qs(query)["to"][0])
        elif route == "html-as-jpeg":
            self._send(200, b"<!doctype html><html><body>not an image</body></html>", "image/jpeg")
        elif route == "bytes" and rest in self.server.bodies:
            self._send(200, self.server.bodies[rest], "image/png")
        else:
            self._send(404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    latency: float
    hits: Counter[str]
    lock: threading.Lock
    bodies: dict[str, bytes]
    in_flight: int
    max_in_flight: int

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on purpose (timeouts, size limits) are part of the tests


class ImageServer:
    """``with ImageServer(root) as srv: srv.url("img/a.jpg")``"""

    def __init__(self, root: Path, *, host: str = "127.0.0.1", latency: float = 0.0) -> None:
        self.httpd = _Server((host, 0), _Handler)
        self.httpd.root, self.httpd.latency = root.resolve(), latency
        self.httpd.hits, self.httpd.lock, self.httpd.bodies = Counter(), threading.Lock(), {}
        self.httpd.in_flight = self.httpd.max_in_flight = 0
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def hits(self) -> Counter[str]:
        return self.httpd.hits

    @property
    def max_in_flight(self) -> int:
        return self.httpd.max_in_flight

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def add_bytes(self, name: str, data: bytes) -> str:
        self.httpd.bodies[name] = data
        return self.url(f"bytes/{name}")

    def __enter__(self) -> ImageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
