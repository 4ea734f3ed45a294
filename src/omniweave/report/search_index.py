"""The viewer's index of a run: one SQLite file per run folder, built once and reused.

It holds every document (kept ones in ``corpus/``, dropped ones in ``stages/*/dropped/``) with where
its row lives and what the sidebar filters on (language, domain, image count, drop reason), and an
FTS5 full-text index over title, URL and body. Han and kana characters are indexed one per token,
so a Chinese or Japanese word is found as a phrase. The file is ``<run>/viewer-index.sqlite`` (in
a temporary folder for a run on an object store) and is rebuilt when the run's files change.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from omniweave.pipeline.rundir import RunDir
from omniweave.report.data import non_null_per_row
from omniweave.text.words import CJK_CHARS

INDEX_FILE = "viewer-index.sqlite"
FORMAT = 1  # bump when the tables change
_CJK = re.compile(f"([{CJK_CHARS}])")
_TWIN = re.compile(r"\bkept (\S+)")
COLUMNS = ("n", "id", "kind", "url", "domain", "title", "language", "n_texts", "n_images", "step", "reason", "detail")


def fts_text(text: str) -> str:
    """Text as indexed and searched: CJK characters stand apart (one token each)."""
    return _CJK.sub(r" \1 ", text)


def fts_query(q: str) -> str:
    """A user's query as FTS5 syntax: every whitespace-separated term must occur (as a prefix)."""
    terms = [t for t in q.split() if t]
    return " AND ".join('"' + fts_text(t).replace('"', '""').strip() + '"*' for t in terms)


def twin_id(detail: str | None) -> str | None:
    """The kept document a dropped duplicate names in its drop detail (``kept <id>``)."""
    m = _TWIN.search(detail or "")
    return m.group(1) if m else None


@dataclass
class Location:
    file: str
    row_group: int
    row: int


def _index_path(run: RunDir) -> str:
    """Beside the run when it is a local folder we may write, else in the temporary folder."""
    if isinstance(run.fs, LocalFileSystem) and os.access(run.path, os.W_OK):
        return f"{run.path}/{INDEX_FILE}"
    key = hashlib.sha1(run.root.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"omniweave-viewer-{key}.sqlite")


def _signature(run: RunDir, files: list[str]) -> str:
    sizes = [(f, run.fs.size(f)) for f in files]
    return hashlib.sha1(json.dumps([FORMAT, sizes]).encode()).hexdigest()


class SearchIndex:
    """Documents of a run in SQLite: filters, full-text search, and where each row lives."""

    def __init__(self, run: RunDir, corpus: list[str], dropped: list[str]) -> None:
        self.run = run
        self.path = _index_path(run)
        signature = _signature(run, corpus + dropped)
        if self._signature_on_disk() != signature:
            self._build(corpus, dropped, signature)
        self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()

    def _signature_on_disk(self) -> str | None:
        if not os.path.exists(self.path):
            return None
        try:
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as db:
                row = db.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
            return row[0] if row else None
        except sqlite3.DatabaseError:
            return None

    def _build(self, corpus: list[str], dropped: list[str], signature: str) -> None:
        tmp = f"{self.path}.tmp-{os.getpid()}"
        if os.path.exists(tmp):
            os.remove(tmp)
        db = sqlite3.connect(tmp)
        try:
            db.executescript(
                "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
                "CREATE TABLE docs (n INTEGER PRIMARY KEY, id TEXT, kind TEXT, url TEXT, domain TEXT, title TEXT,"
                " language TEXT, n_texts INTEGER, n_images INTEGER, step TEXT, reason TEXT, detail TEXT,"
                " file TEXT, row_group INTEGER, row INTEGER);"
                "CREATE VIRTUAL TABLE body USING fts5(title, url, text, content='', tokenize='unicode61 remove_diacritics 2');"
            )
            n = 0
            for kind, files in (("kept", corpus), ("dropped", dropped)):
                for path in files:
                    for rows in self._rows(path, kind, n):
                        db.executemany(f"INSERT INTO docs VALUES ({', '.join('?' * 15)})", [r[0] for r in rows])
                        db.executemany("INSERT INTO body(rowid, title, url, text) VALUES (?, ?, ?, ?)", [r[1] for r in rows])
                        n += len(rows)
            db.executescript("CREATE INDEX docs_id ON docs(id); CREATE INDEX docs_kind ON docs(kind, n);")
            db.execute("INSERT INTO meta VALUES ('signature', ?)", (signature,))
            db.commit()
        finally:
            db.close()
        os.replace(tmp, self.path)

    def _rows(self, path: str, kind: str, start: int) -> Iterator[list[tuple[tuple[Any, ...], tuple[Any, ...]]]]:
        """Per row group: (docs row, body row) of each document."""
        drop = ["drop_step", "drop_reason", "drop_detail"] if kind == "dropped" else []
        n = start
        with self.run.fs.open(path, "rb") as fh:
            pf = pq.ParquetFile(fh)
            for g in range(pf.num_row_groups):
                t = pf.read_row_group(g, columns=["id", "texts", "images", "general_metadata", *drop])
                gm = t["general_metadata"].combine_chunks()
                n_images, n_texts = non_null_per_row(t["images"]), non_null_per_row(t["texts"])
                ids, texts = t["id"].to_pylist(), t["texts"].to_pylist()
                urls, titles, langs, domains = (gm.field(f).to_pylist() for f in ("url", "title", "language", "domain"))
                extra = [t[c].to_pylist() for c in drop] or [[None] * t.num_rows] * 3
                out = []
                for i in range(t.num_rows):
                    body = "\n".join(x for x in texts[i] or [] if x)
                    out.append(((n, ids[i], kind, urls[i], domains[i], titles[i], langs[i], int(n_texts[i]), int(n_images[i]),
                                 extra[0][i], extra[1][i], extra[2][i], path, g, i),
                                (n, fts_text(titles[i] or ""), fts_text(urls[i] or ""), fts_text(body))))
                    n += 1
                yield out

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self.db.execute(sql, args).fetchall()

    def count(self) -> int:
        return self._query("SELECT count(*) FROM docs")[0][0]

    def location(self, n: int) -> Location | None:
        rows = self._query("SELECT file, row_group, row FROM docs WHERE n = ?", (n,))
        return Location(*rows[0]) if rows else None

    def entry(self, n: int) -> dict[str, Any] | None:
        rows = self._query(f"SELECT {', '.join(COLUMNS)} FROM docs WHERE n = ?", (n,))
        return dict(zip(COLUMNS, rows[0])) if rows else None

    def find(self, doc_id: str) -> int | None:
        """The entry of a document id (the kept one first)."""
        rows = self._query("SELECT n FROM docs WHERE id = ? ORDER BY kind = 'kept' DESC, n LIMIT 1", (doc_id,))
        return rows[0][0] if rows else None

    def facets(self) -> dict[str, Any]:
        """Counts for the sidebar: kinds, drop reasons, languages, domains (top 200)."""
        def grouped(expr: str, where: str = "1", limit: int = 200) -> dict[str, int]:
            rows = self._query(f"SELECT {expr} AS k, count(*) AS c FROM docs WHERE {where} GROUP BY k ORDER BY c DESC, k LIMIT {limit}")
            return {("" if k is None else str(k)): c for k, c in rows}
        return {"kinds": grouped("kind"), "reasons": grouped("step || ': ' || reason", "kind = 'dropped'"),
                "languages": grouped("language"), "domains": grouped("domain")}

    def search(self, *, kind: str = "all", q: str = "", reason: str = "", language: str = "", domain: str = "",
               min_images: int | None = None, max_images: int | None = None, offset: int = 0,
               limit: int = 100) -> dict[str, Any]:
        """Entries matching every given filter; ``q`` searches title, URL and body (or is an id)."""
        where, args = [], []
        if kind in ("kept", "dropped"):
            where.append("kind = ?")
            args.append(kind)
        if reason:
            where.append("step || ': ' || reason = ?")
            args.append(reason)
        for column, value in (("language", language), ("domain", domain)):
            if value:
                where.append(f"coalesce({column}, '') = ?")
                args.append("" if value == "(none)" else value)
        if min_images is not None:
            where.append("n_images >= ?")
            args.append(min_images)
        if max_images is not None:
            where.append("n_images <= ?")
            args.append(max_images)
        if q.strip():
            where.append("(n IN (SELECT rowid FROM body WHERE body MATCH ?) OR id = ?)")
            args += [fts_query(q), q.strip()]
        clause = " AND ".join(where) or "1"
        total = self._query(f"SELECT count(*) FROM docs WHERE {clause}", tuple(args))[0][0]
        rows = self._query(f"SELECT {', '.join(COLUMNS)} FROM docs WHERE {clause} ORDER BY n LIMIT ? OFFSET ?",
                           (*args, limit, offset))
        return {"total": total, "items": [dict(zip(COLUMNS, r)) for r in rows]}

    def close(self) -> None:
        self.db.close()
