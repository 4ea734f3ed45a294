"""``omniweave view``: a local web page to browse a run's documents as they read.

A stdlib HTTP server over the run's search index (:mod:`.search_index`: kept documents in
``corpus/``, dropped ones in ``stages/*/dropped/``, located by file and row group), with a small JSON API that the static page
(``static/viewer.*``) calls::

    GET /api/summary              counts, drop reasons, languages, domains
    GET /api/docs?kind=&q=&reason=&language=&domain=&min_images=&max_images=&offset=&limit=
                                  the document list (kind: all | kept | dropped; q: full text, see .search_index)
    GET /api/find?id=             the entry number of a document id
    GET /api/doc/<n>              one document's nodes, its drop reason and kept twin, its removed paragraphs
    GET /image/<n>/<position>     an image's bytes from the run's image store (404 when not stored)
"""

from __future__ import annotations

import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from omniweave.document import Document, ImageNode, TextNode
from omniweave.export.images import ImageStore, image_mime
from omniweave.layout import SCHEMA, row_to_document
from omniweave.pipeline.context import DROPPED_PARAGRAPH_SCHEMA
from omniweave.pipeline.rundir import RunDir
from omniweave.io.output import read_json
from omniweave.report.search_index import SearchIndex, twin_id
from omniweave.report.render import image_info

log = logging.getLogger(__name__)
STATIC = {"/": ("viewer.html", "text/html"), "/viewer.js": ("viewer.js", "text/javascript"),
          "/viewer.css": ("viewer.css", "text/css")}


class ViewerError(ValueError):
    """A folder the viewer cannot show."""


class RunIndex:
    """Every document of a run (kept and dropped): the search index, rows, removed paragraphs, images."""

    def __init__(self, root: str) -> None:
        self.run = RunDir(root)
        corpus = self.run.parquet_files(self.run.corpus)
        dropped = self.run.parquet_files(self.run.all_dropped)
        if not corpus and not dropped:
            raise ViewerError(f"{root}: no documents (expected a run folder with corpus/*.parquet)")
        self.search_index = SearchIndex(self.run, corpus, dropped)
        self.size = self.search_index.count()
        self.paragraph_files = self.run.parquet_files(self.run.all_dropped_paragraphs)
        self.store = ImageStore(root)
        self._lock = threading.Lock()

    def summary(self) -> dict[str, Any]:
        """Counts for the header and the sidebar; ``dropped_by_steps`` and ``skipped_at_read`` come from
        stats.json (the data card's figures), ``dropped`` from the dropped documents on disk."""
        facets = self.search_index.facets()
        stats = read_json(self.run.fs, self.run.stats_json) if self.run.fs.exists(self.run.stats_json) else {}
        funnel = stats.get("funnel") or []
        return {"root": self.run.root, "kept": facets["kinds"].get("kept", 0), "dropped": facets["kinds"].get("dropped", 0),
                "dropped_by_steps": sum(sum(r["dropped"].values()) for r in funnel if r["step"] != "read") if funnel else None,
                "skipped_at_read": sum(sum(r["dropped"].values()) for r in funnel if r["step"] == "read") if funnel else None,
                "reasons": facets["reasons"], "languages": facets["languages"], "domains": facets["domains"],
                "paragraph_files": len(self.paragraph_files)}

    def search(self, **filters: Any) -> dict[str, Any]:
        return self.search_index.search(**filters)

    def document(self, n: int) -> tuple[dict[str, Any], Document]:
        entry, where = self.search_index.entry(n), self.search_index.location(n)
        if entry is None or where is None:
            raise KeyError(n)
        with self.run.fs.open(where.file, "rb") as fh:
            table = pq.ParquetFile(fh).read_row_group(where.row_group, columns=SCHEMA.names)
        return entry, row_to_document(table.slice(where.row, 1).to_pylist()[0])

    def paragraphs(self, doc_id: str) -> list[dict[str, Any]]:
        if not self.paragraph_files:
            return []
        data = ds.dataset(self.paragraph_files, schema=DROPPED_PARAGRAPH_SCHEMA, filesystem=self.run.fs, format="parquet")
        table = data.to_table(columns=["drop_step", "drop_reason", "text"], filter=pc.field("id") == doc_id)
        return [{"step": r["drop_step"], "reason": r["drop_reason"], "text": r["text"]} for r in table.to_pylist()]

    def document_json(self, n: int) -> dict[str, Any]:
        entry, doc = self.document(n)
        nodes: list[dict[str, Any]] = []
        for position, node in enumerate(doc.nodes):
            if isinstance(node, TextNode):
                nodes.append({"type": "text", "kind": node.kind, "text": node.text})
            else:
                nodes.append({"type": "image", "url": node.url, "alt": node.alt, "src": f"/image/{n}/{position}",
                              "meta": image_info(node)})
        twin = twin_id(entry["detail"]) if entry["kind"] == "dropped" else None
        twin_n = self.search_index.find(twin) if twin else None
        twin_entry = self.search_index.entry(twin_n) if twin_n is not None else None
        return {**entry, "date": str(doc.date) if doc.date else None, "nodes": nodes,
                "twin": {"id": twin, "n": twin_n, "title": (twin_entry or {}).get("title")} if twin else None,
                "paragraphs": self.paragraphs(doc.id)}

    def image(self, n: int, position: int) -> tuple[bytes, str] | None:
        _, doc = self.document(n)
        if not 0 <= position < len(doc.nodes) or not isinstance(doc.nodes[position], ImageNode):
            return None
        node = doc.nodes[position]
        assert isinstance(node, ImageNode)
        with self._lock:  # tar handles are not thread-safe
            data = self.store.get(node)
        return (data, image_mime(node)) if data is not None else None


def _int(values: dict[str, list[str]], key: str, default: int | None) -> int | None:
    try:
        return int(values[key][0]) if values.get(key, [""])[0] != "" else default
    except ValueError:
        return default


class Handler(BaseHTTPRequestHandler):
    index: RunIndex

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("viewer: " + format, *args)

    def _send(self, status: int, body: bytes, mime: str, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", mime)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600" if cache else "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Any, status: int = 200) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False, default=str).encode("utf-8"), "application/json; charset=utf-8")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        try:
            if url.path in STATIC:
                name, mime = STATIC[url.path]
                body = (resources.files("omniweave.report") / "static" / name).read_bytes()
                self._send(200, body, f"{mime}; charset=utf-8")
            elif parts == ["api", "summary"]:
                self._json(self.index.summary())
            elif parts == ["api", "docs"]:
                qs = parse_qs(url.query)
                text = {k: qs.get(k, [""])[0] for k in ("kind", "q", "reason", "language", "domain")}
                self._json(self.index.search(**text, min_images=_int(qs, "min_images", None),
                                             max_images=_int(qs, "max_images", None), offset=_int(qs, "offset", 0) or 0,
                                             limit=min(_int(qs, "limit", 100) or 100, 1000)))
            elif parts == ["api", "find"]:
                n = self.index.search_index.find(parse_qs(url.query).get("id", [""])[0])
                self._json({"n": n}, 200 if n is not None else HTTPStatus.NOT_FOUND)
            elif len(parts) == 3 and parts[:2] == ["api", "doc"] and parts[2].isdigit() and int(parts[2]) < self.index.size:
                self._json(self.index.document_json(int(parts[2])))
            elif len(parts) == 3 and parts[0] == "image" and parts[1].isdigit() and parts[2].isdigit() \
                    and int(parts[1]) < self.index.size:
                found = self.index.image(int(parts[1]), int(parts[2]))
                if found is None:
                    self._send(404, b"image not stored", "text/plain")
                else:
                    self._send(200, found[0], found[1], cache=True)
            else:
                self._json({"error": f"not found: {url.path}"}, HTTPStatus.NOT_FOUND)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("viewer: %s: %s", self.path, exc)
            self._json({"error": str(exc)}, HTTPStatus.INTERNAL_SERVER_ERROR)


def serve(root: str, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    """A server for the run at ``root`` (not started: call ``serve_forever``)."""
    index = RunIndex(root)
    handler = type("RunHandler", (Handler,), {"index": index})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


__all__ = ["RunIndex", "ViewerError", "serve"]
