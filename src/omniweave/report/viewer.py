"""``omniweave view``: a local web page to browse a run's documents as they read.

A stdlib HTTP server over an index of the run (kept documents in ``corpus/``, dropped ones in
``stages/*/dropped/``, located by file and row group), with a small JSON API that the static page
(``static/viewer.*``) calls::

    GET /api/summary              counts, drop reasons
    GET /api/docs?kind=&q=&reason=&offset=&limit=   the document list (kind: all | kept | dropped)
    GET /api/doc/<n>              one document's nodes, its drop reason, its removed paragraphs
    GET /image/<n>/<position>     an image's bytes from the run's image store (404 when not stored)
"""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from dataclasses import dataclass
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
from omniweave.report.data import non_null_per_row, run_files
from omniweave.report.render import image_info

log = logging.getLogger(__name__)
STATIC = {"/": ("viewer.html", "text/html"), "/viewer.js": ("viewer.js", "text/javascript"),
          "/viewer.css": ("viewer.css", "text/css")}


class ViewerError(ValueError):
    """A folder the viewer cannot show."""


@dataclass
class Entry:
    n: int
    id: str
    kind: str  # kept | dropped
    url: str | None
    title: str | None
    language: str | None
    n_texts: int
    n_images: int
    file: str
    row_group: int
    row: int
    step: str | None = None
    reason: str | None = None
    detail: str | None = None

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("file", "row_group", "row")}


class RunIndex:
    """Every document of a run (kept and dropped), with where its row lives."""

    def __init__(self, root: str) -> None:
        self.run = RunDir(root)
        self.entries: list[Entry] = []
        corpus = run_files(self.run, "corpus/*.parquet")
        dropped = run_files(self.run, "stages/*/dropped/*.parquet")
        if not corpus and not dropped:
            raise ViewerError(f"{root}: no documents (expected a run folder with corpus/*.parquet)")
        for path in corpus:
            self._add(path, "kept")
        for path in dropped:
            self._add(path, "dropped")
        self.paragraph_files = run_files(self.run, "stages/*/dropped_paragraphs/*.parquet")
        self.store = ImageStore(root)
        self._lock = threading.Lock()

    def _add(self, path: str, kind: str) -> None:
        extra = ["drop_step", "drop_reason", "drop_detail"] if kind == "dropped" else []
        with self.run.fs.open(path, "rb") as fh:
            pf = pq.ParquetFile(fh)
            for g in range(pf.num_row_groups):
                t = pf.read_row_group(g, columns=["id", "texts", "images", "general_metadata", *extra])
                gm = t["general_metadata"].combine_chunks()
                n_images = non_null_per_row(t["images"])
                n_texts = non_null_per_row(t["texts"])
                cols = {c: t[c].to_pylist() for c in ["id", *extra]}
                urls, titles, langs = (gm.field(f).to_pylist() for f in ("url", "title", "language"))
                for i in range(t.num_rows):
                    self.entries.append(Entry(
                        n=len(self.entries), id=cols["id"][i], kind=kind, url=urls[i], title=titles[i], language=langs[i],
                        n_texts=int(n_texts[i]), n_images=int(n_images[i]), file=path, row_group=g, row=i,
                        step=cols.get("drop_step", [None] * t.num_rows)[i], reason=cols.get("drop_reason", [None] * t.num_rows)[i],
                        detail=cols.get("drop_detail", [None] * t.num_rows)[i]))

    def summary(self) -> dict[str, Any]:
        kinds = Counter(e.kind for e in self.entries)
        reasons = Counter(f"{e.step}: {e.reason}" for e in self.entries if e.kind == "dropped")
        return {"root": self.run.root, "kept": kinds["kept"], "dropped": kinds["dropped"],
                "reasons": dict(reasons.most_common()), "paragraph_files": len(self.paragraph_files)}

    def search(self, kind: str = "all", q: str = "", reason: str = "", offset: int = 0, limit: int = 100) -> dict[str, Any]:
        q = q.lower()
        found = [e for e in self.entries
                 if (kind == "all" or e.kind == kind)
                 and (not reason or f"{e.step}: {e.reason}" == reason)
                 and (not q or q in (e.url or "").lower() or q in (e.title or "").lower() or q == e.id)]
        return {"total": len(found), "items": [e.public() for e in found[offset: offset + limit]]}

    def document(self, n: int) -> tuple[Entry, Document]:
        entry = self.entries[n]
        with self.run.fs.open(entry.file, "rb") as fh:
            table = pq.ParquetFile(fh).read_row_group(entry.row_group, columns=SCHEMA.names)
        return entry, row_to_document(table.slice(entry.row, 1).to_pylist()[0])

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
        return {**entry.public(), "date": str(doc.date) if doc.date else None, "nodes": nodes,
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


def _int(values: dict[str, list[str]], key: str, default: int) -> int:
    try:
        return int(values.get(key, [default])[0])
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
                self._json(self.index.search(qs.get("kind", ["all"])[0], qs.get("q", [""])[0], qs.get("reason", [""])[0],
                                             _int(qs, "offset", 0), min(_int(qs, "limit", 100), 1000)))
            elif len(parts) == 3 and parts[:2] == ["api", "doc"] and parts[2].isdigit() and int(parts[2]) < len(self.index.entries):
                self._json(self.index.document_json(int(parts[2])))
            elif len(parts) == 3 and parts[0] == "image" and parts[1].isdigit() and parts[2].isdigit() \
                    and int(parts[1]) < len(self.index.entries):
                found = self.index.image(int(parts[1]), int(parts[2]))
                if found is None:
                    self._send(404, b"image not stored", "text/plain")
                else:
                    self._send(200, found[0], found[1], cache=True)
            else:
                self._json({"error": f"not found: {url.path}"}, HTTPStatus.NOT_FOUND)
        except (OSError, ValueError) as exc:
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
