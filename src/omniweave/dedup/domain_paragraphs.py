"""Site boilerplate: a paragraph found in at least ``min_documents`` documents of the same domain
(newsletter blurbs, author boxes, "Related" lines that survived extraction) is removed from every
one of them (``removed_paragraphs:domain_repeated``), as OBELICS does.

Paragraphs are compared normalised (NFKC, case-folded, whitespace collapsed, digit runs as ``0``,
so "© 2023" and "© 2024" footers match). The domain is the URL's host without ``www.``; documents
without a host are left alone. Documents count once per paragraph, and copies of one document (the
same normalised text) count once, so undeduplicated captures of a page never turn its own text
into boilerplate. An image caption next to its image is never removed.

Map (per task): one row per (domain, paragraph, document), partitioned by domain, in one
partitioned file ``rows/<task>.parts`` (:func:`omniweave.pipeline.rounds.write_parts`), and the
task's document ids to ``docs/<task>.parquet``.
Reduce, two resumable rounds (:mod:`omniweave.pipeline.rounds`): per domain partition, the
paragraphs of each domain found in enough distinct documents (their rows sent to the group of
their task; per-domain counts to ``domains/p-NNNNN.parquet``, :func:`domain_counts`); per group of
tasks, ``drop/<task>.parquet`` (document id, paragraph hash), the one file the apply pass of that
task reads. No piece holds more than one partition's or one group's rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import fsspec
import numpy as np
import pyarrow as pa
from pydantic import Field

from omniweave import counters
from omniweave.dedup.cluster import TaskGroups, run_heads, stable_hash64, task_offsets
from omniweave.pipeline.rounds import read_parquet, read_part, read_sources, run_round, write_parquet_atomic, write_parts
from omniweave.dedup.exact import normalise_text
from omniweave.dedup.minhash import mix64
from omniweave.document import Document, TextNode
from omniweave.filters.paragraph_rows import is_image_caption
from omniweave.filters.paragraphs_base import ParagraphParams, ParagraphStep
from omniweave.pipeline.context import ReduceContext, TaskContext
from omniweave.pipeline.step import GlobalStep

ROWS_SCHEMA = pa.schema([("domain", pa.string()), ("domain_key", pa.uint64()), ("para", pa.uint64()),
                         ("doc_hash", pa.uint64()), ("doc", pa.int32())])
DROP_SCHEMA = pa.schema([("id", pa.string()), ("para", pa.uint64())])
HIT_SCHEMA = pa.schema([("task", pa.int32()), ("doc", pa.int32()), ("para", pa.uint64())])
DOMAINS_SCHEMA = pa.schema([("domain", pa.string()), ("repeated_paragraphs", pa.int64()), ("removals", pa.int64()),
                            ("documents", pa.int64())])
REASON = "domain_repeated"
_DIGITS = re.compile(r"\d+")


def paragraph_key(text: str) -> str:
    """The form two paragraphs are compared in (see the module docstring)."""
    return _DIGITS.sub("0", normalise_text(text))


def domain_of(url: str | None) -> str | None:
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


class DomainParagraphsParams(ParagraphParams):
    min_documents: int = Field(3, ge=2, description="distinct documents of a domain holding a paragraph to remove it")
    partitions: int = Field(16, ge=1, le=4096, description="domain partitions (independent reduce pieces)")
    top_domains: int = Field(20, ge=0, description="domains with the most removals named in the run's stats")


class DomainRepeatedParagraphs(ParagraphStep, GlobalStep):
    """Remove paragraphs repeated across documents of one domain (see the module docstring)."""

    name = "domain_repeated_paragraphs"
    Params = DomainParagraphsParams

    def _keys(self, doc: Document) -> list[tuple[int, int]]:
        """(node index, paragraph hash) of the nodes this step judges."""
        kinds = set(self.params.kinds)
        picked = [(i, paragraph_key(n.text)) for i, n in enumerate(doc.nodes)
                  if isinstance(n, TextNode) and n.kind in kinds and not is_image_caption(doc.nodes, i)]
        picked = [(i, key) for i, key in picked if key]
        hashes = stable_hash64(key for _, key in picked)
        return [(i, int(h)) for (i, _), h in zip(picked, hashes)]

    def collect(self, docs: Iterable[Document], ctx: TaskContext) -> Iterator[Document]:
        p: DomainParagraphsParams = self.params  # type: ignore[assignment]
        ids: list[str] = []
        domains: list[str] = []
        paras: list[int] = []
        doc_hashes: list[int] = []
        rows: list[int] = []
        for doc in docs:
            domain = domain_of(doc.url)
            if domain is not None:
                keys = {h for _, h in self._keys(doc)}
                if keys:
                    doc_hash = int(stable_hash64([normalise_text(doc.text)])[0])
                    for h in keys:
                        domains.append(domain)
                        paras.append(h)
                        doc_hashes.append(doc_hash)
                        rows.append(len(ids))
            ids.append(doc.id)
            yield doc
        fs, out = ctx.run.fs, ctx.map_dir(self.label)
        domain_keys = stable_hash64(domains)
        part = domain_keys % np.uint64(p.partitions)
        table = pa.table({"domain": domains, "domain_key": domain_keys, "para": np.array(paras, np.uint64),
                          "doc_hash": np.array(doc_hashes, np.uint64), "doc": np.array(rows, np.int32)},
                         schema=ROWS_SCHEMA)
        write_parts(fs, f"{out}/rows", ctx.task_id, table, part.astype(np.int64), p.partitions)
        # the docs table last: its presence marks a complete map output of this task
        write_parquet_atomic(fs, f"{out}/docs/{ctx.task_id}.parquet", pa.table({"id": pa.array(ids, pa.string())}))

    def reduce(self, ctx: ReduceContext) -> dict[str, int]:
        p: DomainParagraphsParams = self.params  # type: ignore[assignment]
        fs = ctx.run.fs
        tasks, _ = task_offsets(fs, ctx.map_dir)
        groups = TaskGroups.by_task_index(tasks, p.partitions)
        rounds = f"{ctx.out_dir}/rounds"
        parts = run_round(fs, ctx.map, f"{rounds}/repeated", lambda q: reduce_partition(
            fs, ctx.map_dir, ctx.out_dir, q, groups, p.min_documents, p.top_domains), p.partitions)
        run_round(fs, ctx.map, f"{rounds}/drops", lambda g: drop_piece(fs, ctx.map_dir, ctx.out_dir, g, groups),
                  groups.count)
        if fs.exists(rounds):
            fs.rm(rounds, recursive=True)
        counts = {"repeated_paragraphs": 0, "removals": 0, "domains": 0}
        top: list[tuple[int, str]] = []
        for part_counts, part_top in parts:
            for k in counts:
                counts[k] += part_counts[k]
            top.extend(part_top)
        for n, domain in sorted(top, key=lambda x: (-x[0], x[1]))[:p.top_domains]:
            counts[counters.removals(domain)] = n
        return counts

    def setup(self, ctx: TaskContext) -> None:
        # also called before ``collect``, when there is no reduce output yet
        self._drop = load_paragraph_drops(ctx.run.fs, ctx.reduce_dir(self.label), ctx.task_id)

    def clean(self, doc: Document) -> list[tuple[str, str]]:
        drop = self._drop.get(doc.id)
        if not drop:
            return []
        remove = {i for i, h in self._keys(doc) if h in drop}
        removed = [(n.text, REASON) for i, n in enumerate(doc.nodes) if i in remove]  # type: ignore[union-attr]
        doc.nodes = [n for i, n in enumerate(doc.nodes) if i not in remove]
        return removed


def reduce_partition(fs: fsspec.AbstractFileSystem, map_dir: str, out_dir: str, partition: int, groups: TaskGroups,
                     min_documents: int, top: int) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """One domain partition: find the repeated paragraphs, send their rows to the groups of their
    tasks, write the per-domain counts; returns (counts, the ``top`` domains by removals)."""
    index = {task: t for t, task in enumerate(groups.tasks)}
    tables, owners = [], []
    for task, table in read_sources(fs, f"{map_dir}/rows", partition):
        if task in index:  # (a task without a docs file did not finish its map: not counted)
            tables.append(table)
            owners.append(np.full(table.num_rows, index[task], np.int32))
    rows = pa.concat_tables(tables).cast(ROWS_SCHEMA) if tables else ROWS_SCHEMA.empty_table()
    owner = np.concatenate(owners) if owners else np.empty(0, np.int32)
    pair = mix64(rows["domain_key"].to_numpy() ^ mix64(rows["para"].to_numpy()))
    doc_hash = rows["doc_hash"].to_numpy()
    order = np.lexsort((doc_hash, pair))
    sp, sd = pair[order], doc_hash[order]
    distinct = np.concatenate([[True], (sp[1:] != sp[:-1]) | (sd[1:] != sd[:-1])]) if sp.size else np.empty(0, bool)
    values, n_docs = np.unique(sp[distinct], return_counts=True)
    repeated = np.sort(values[n_docs >= min_documents])
    hit = np.isin(pair, repeated, assume_unique=False) if repeated.size else np.zeros(pair.size, bool)
    hits = pa.table({"task": owner[hit], "doc": rows["doc"].to_numpy()[hit], "para": rows["para"].to_numpy()[hit]},
                    schema=HIT_SCHEMA)
    write_parts(fs, f"{out_dir}/rounds/hits", partition, hits, groups.of_nodes(owner[hit]), groups.count)
    per_domain = domain_table(rows.filter(pa.array(hit)), pair[hit])
    write_parquet_atomic(fs, f"{out_dir}/domains/p-{partition:05d}.parquet", per_domain)
    best = per_domain.sort_by([("removals", "descending")]).slice(0, top)
    counts = {"repeated_paragraphs": int(repeated.size), "removals": int(hit.sum()), "domains": per_domain.num_rows}
    return counts, list(zip(best["removals"].to_pylist(), best["domain"].to_pylist()))


def drop_piece(fs: fsspec.AbstractFileSystem, map_dir: str, out_dir: str, group: int, groups: TaskGroups) -> dict[str, int]:
    """``drop/<task>.parquet`` (document id, paragraph hash) of each task of one group."""
    hits = read_part(fs, f"{out_dir}/rounds/hits", group, HIT_SCHEMA).sort_by([("task", "ascending"), ("doc", "ascending")])
    task = hits["task"].to_numpy()
    for t in groups.members(group):
        lo, hi = np.searchsorted(task, [t, t + 1])
        if hi > lo:
            ids = read_parquet(fs, f"{map_dir}/docs/{groups.tasks[t]}.parquet")["id"]
            mine = hits.slice(lo, hi - lo)
            write_parquet_atomic(fs, f"{out_dir}/drop/{groups.tasks[t]}.parquet", pa.table(
                {"id": ids.take(mine["doc"].cast(pa.int64())), "para": mine["para"]}, schema=DROP_SCHEMA))
    return {"drops": int(task.size)}


def domain_table(rows: pa.Table, pair: np.ndarray) -> pa.Table:
    """Per domain of ``rows`` (the removed ones): repeated paragraphs, removals, documents touched."""
    if not rows.num_rows:
        return DOMAINS_SCHEMA.empty_table()
    domains = rows["domain"].to_numpy(zero_copy_only=False).astype(str)
    order = np.argsort(domains, kind="stable")
    domains, pair, docs = domains[order], pair[order], rows["doc_hash"].to_numpy()[order]
    heads = np.unique(run_heads(domains))
    ends = np.concatenate([heads[1:], [domains.size]])
    return pa.table({
        "domain": domains[heads].tolist(),
        "repeated_paragraphs": [np.unique(pair[a:b]).size for a, b in zip(heads, ends)],
        "removals": (ends - heads).tolist(),
        "documents": [np.unique(docs[a:b]).size for a, b in zip(heads, ends)],
    }, schema=DOMAINS_SCHEMA)


def load_paragraph_drops(fs: fsspec.AbstractFileSystem, reduce_dir: str, task_id: str) -> dict[str, set[int]]:
    """Per document id of one task: the hashes of the paragraphs to remove."""
    out: dict[str, set[int]] = {}
    path = f"{reduce_dir}/drop/{task_id}.parquet"
    if fs.exists(path):
        table = read_parquet(fs, path)
        for doc_id, para in zip(table["id"].to_pylist(), table["para"].to_pylist()):
            out.setdefault(doc_id, set()).add(para)
    return out


def domain_counts(fs: fsspec.AbstractFileSystem, reduce_dir: str) -> pa.Table:
    """Every domain's counts from a finished reduce, most removals first."""
    paths = sorted(fs.glob(f"{reduce_dir}/domains/p-*.parquet"))
    table = pa.concat_tables([read_parquet(fs, p) for p in paths]) if paths else DOMAINS_SCHEMA.empty_table()
    return table.sort_by([("removals", "descending"), ("domain", "ascending")])
