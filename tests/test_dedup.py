"""Dedup across shards: a real pipeline over several JSONL shards of real page texts, where every
kind of duplicate sits in a different shard from its twin; checks exactly which documents survive."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from omniweave.dedup.minhash import candidate_probability, lsh_layout, signatures
from omniweave.layout import document_to_row
from omniweave.dedup.url import normalise_url
from omniweave.document import Document, ImageNode, TextNode
from omniweave.pipeline.recipe import RecipeError, parse_recipe
from omniweave.run import run_recipe

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
WCXB = DATA / "html" / "wcxb-dev-subset" / "ground-truth"
CHINESE = DATA / "html" / "chinese-web-content-extraction" / "cleaned"


def _articles(n: int) -> list[str]:
    """Main texts of the first ``n`` WCXB pages with at least 300 words (real, distinct pages)."""
    texts = []
    for path in sorted(WCXB.glob("*.json")):
        text = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]["main_content"]
        if len(text.split()) >= 300:
            texts.append(text)
        if len(texts) == n:
            return texts
    raise AssertionError("not enough WCXB pages")


def _edit(text: str, fraction: float, seed: int) -> str:
    """Replace ``fraction`` of the words in one contiguous run with other words."""
    words = text.split()
    rng = random.Random(seed)
    count = max(1, int(len(words) * fraction))
    start = rng.randrange(len(words) - count)
    words[start:start + count] = [f"edit{rng.randrange(10**6)}" for _ in range(count)]
    return " ".join(words)


def _doc(doc_id: str, text: str, *, url: str, year: int, images: tuple[str, ...] = ()) -> Document:
    nodes: list[TextNode | ImageNode] = [TextNode(p) for p in text.split("\n\n") if p.strip()]
    nodes[1:1] = [ImageNode(url=u) for u in images]
    return Document(id=doc_id, url=url, nodes=nodes, date=datetime(year, 1, 1, tzinfo=UTC))


def _write_shard(path: Path, docs: list[Document]) -> None:
    path.write_text("".join(json.dumps(document_to_row(d), default=str) + "\n" for d in docs), encoding="utf-8")


LOGO = "https://cdn.example/logo.png"


@pytest.fixture(scope="module")
def deduped(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("dedup")
    t = _articles(14)
    shard_a = [
        _doc("a1", t[0], url="https://one.example/a", year=2020),
        _doc("a2", t[1], url="https://one.example/b", year=2020, images=(LOGO, "https://one.example/i/b.jpg")),
        _doc("a3", t[2], url="https://one.example/c", year=2021,
             images=(LOGO, "https://one.example/i/c.jpg", "https://one.example/i/c.jpg")),
        _doc("a4", t[7], url="https://one.example/d", year=2021),
        _doc("a5", t[8], url="https://one.example/e", year=2021),
    ]
    shard_b = [
        _doc("b1", t[0].upper(), url="https://two.example/copy", year=2021),  # exact (normalised) copy of a1
        _doc("b2", _edit(t[1], 0.03, 1), url="https://two.example/b", year=2022,
             images=(LOGO, "https://one.example/i/b.jpg")),  # near copy of a2, newer
        _doc("b3", t[3], url="http://www.three.example/page/?utm_source=x&id=7", year=2019),
        _doc("b4", _edit(t[9], 0.50, 2), url="https://two.example/far", year=2022),  # half rewritten: a new page
        _doc("b5", t[10], url="https://two.example/g", year=2022, images=(LOGO,)),
    ]
    shard_c = [
        _doc("c1", t[4], url="https://three.example/page?id=7#top", year=2023, images=(LOGO,)),  # URL twin of b3
        _doc("c2", t[5], url="https://four.example/x", year=2020, images=("https://img.example/1.jpg", "https://img.example/2.jpg")),
        _doc("c3", t[6], url="https://four.example/y", year=2024, images=("https://img.example/2.jpg", "https://img.example/1.jpg", LOGO)),
        _doc("c4", t[9], url="https://four.example/z", year=2020),
        _doc("c5", _edit(t[11], 0.08, 3), url="https://four.example/w", year=2018),  # near copy of c6, older
        _doc("c6", t[11], url="https://four.example/v", year=2024),
        _doc("c7", t[12], url="https://four.example/u", year=2024),
        _doc("c8", t[13], url="https://four.example/t", year=2024),
    ]
    (tmp / "in").mkdir()
    for name, docs in (("a", shard_a), ("b", shard_b), ("c", shard_c)):
        _write_shard(tmp / "in" / f"{name}.jsonl", docs)
    recipe = parse_recipe({
        "input": {"paths": [str(tmp / "in")]},
        "output": {"dir": str(tmp / "out"), "keep_dropped": True},
        "steps": ["url_dedup", "exact_dedup", {"minhash_dedup": {"partitions": 4}},
                  {"image_dedup": {"max_documents_per_url": 3}}],
        "executor": {"workers": 1},
    })
    summary = run_recipe(recipe, progress=False)
    assert summary.ok
    return tmp / "out", summary


def test_exactly_the_expected_documents_survive(deduped):
    out, summary = deduped
    ids = sorted(pq.read_table(out / "corpus", columns=["id"])["id"].to_pylist())
    assert ids == ["a3", "a4", "a5", "b1", "b2", "b4", "b5", "c1", "c3", "c4", "c6", "c7", "c8"]
    assert summary.documents_out == 13


def test_every_dropped_document_names_its_kept_twin(deduped):
    out, _ = deduped
    columns = ["id", "drop_step", "drop_reason", "drop_detail"]
    dropped = [r for f in out.glob("stages/pass-*/dropped/*.parquet") for r in pq.read_table(f, columns=columns).to_pylist()]
    got = {d["id"]: (d["drop_step"], d["drop_reason"], d["drop_detail"]) for d in dropped}
    assert got == {
        "b3": ("url_dedup", "url_duplicate", "kept c1"),
        "a1": ("exact_dedup", "exact_duplicate", "kept b1"),
        "a2": ("minhash_dedup", "near_duplicate", "kept b2"),
        "c5": ("minhash_dedup", "near_duplicate", "kept c6"),
        "c2": ("image_dedup", "identical_image_list", "kept c3"),
    }


def test_images_repeated_everywhere_or_twice_are_removed(deduped):
    out, summary = deduped
    images = {r["id"]: [u for u in r["images"] if u] for r in pq.read_table(out / "corpus").to_pylist()}
    assert images["a3"] == ["https://one.example/i/c.jpg"]  # logo (in 5 documents) and the repeat gone
    assert images["b2"] == ["https://one.example/i/b.jpg"]
    assert images["c3"] == ["https://img.example/2.jpg", "https://img.example/1.jpg"]
    assert all(LOGO not in urls for urls in images.values())
    steps = summary.stats["steps"]
    assert steps["image_dedup"]["removed_images:frequent_url"] == 5  # b2, a3, b5, c1, c3 (a2, c2 dropped before/with)
    assert steps["image_dedup"]["removed_images:repeated_in_document"] == 1
    assert steps["image_dedup"]["reduce:frequent_urls"] == 1
    assert steps["url_dedup"]["dropped:url_duplicate"] == 1
    assert steps["exact_dedup"]["dropped:exact_duplicate"] == 1
    assert steps["minhash_dedup"]["dropped:near_duplicate"] == 2
    assert steps["minhash_dedup"]["reduce:duplicates"] == 2


def test_default_layout_catches_the_threshold():
    bands, rows = lsh_layout(0.8, 128)
    assert bands * rows <= 128
    assert candidate_probability(0.8, bands, rows) >= 0.95
    assert candidate_probability(0.3, bands, rows) < 0.01


def test_signatures_estimate_jaccard_on_real_and_chinese_text():
    text = _articles(1)[0]
    edited = _edit(text, 0.05, 7)
    chinese = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(CHINESE.glob("*"))[:2]]
    sig, which = signatures([text, edited, chinese[0], chinese[0][:-20] + "完全不同的结尾句子。", chinese[1], ""], 5, 256, 1)
    assert list(which) == [0, 1, 2, 3, 4]  # the empty text has no signature

    def est(i: int, j: int) -> float:
        return float(np.mean(sig[i] == sig[j]))

    assert est(0, 1) > 0.75 and est(2, 3) > 0.9
    assert est(0, 2) < 0.05 and est(2, 4) < 0.1


def test_long_texts_are_hashed_in_pieces_with_the_same_result():
    text = " ".join(_articles(3))
    long_text = " ".join([text] * 200)  # > 500k characters: several pieces
    sig, _ = signatures([text * 2, long_text], 5, 128, 1)
    assert np.mean(sig[0] == sig[1]) > 0.95


def test_character_tables_are_cached_and_read_back_the_same(tmp_path, monkeypatch):
    from omniweave.dedup import minhash

    monkeypatch.setenv("OMNIWEAVE_CACHE", str(tmp_path))
    derived = minhash._derive_char_tables()
    for _ in range(2):  # derived into the cache, then mapped from it
        minhash.char_tables.cache_clear()
        lower, classes = minhash.char_tables()
        assert np.array_equal(lower, derived["lower"]) and np.array_equal(classes, derived["classes"])
    assert [p.name for p in next(tmp_path.iterdir()).iterdir()] != []
    assert lower[ord("Ä")] == ord("ä") and classes[[ord("a"), ord(" "), ord("中")]].tolist() == [1, 0, 2]
    minhash.char_tables.cache_clear()


def test_url_normalisation():
    assert normalise_url("HTTP://WWW.Example.com:80/a/b/?utm_source=x&b=2&a=1#frag") == "example.com/a/b?a=1&b=2"
    assert normalise_url("https://example.com:8443/") == "example.com:8443"
    assert normalise_url("not a url") is None


@pytest.mark.parametrize(
    ("params", "message"),
    [({"bands": 10}, "both bands and rows"), ({"bands": 20, "rows": 8}, "exceeds num_perm"),
     ({"threshold": 1.5}, "threshold"), ({"keep": "random"}, "keep")],
)
def test_bad_parameters_are_recipe_errors(params, message):
    with pytest.raises(RecipeError, match=message):
        parse_recipe({"input": {"paths": ["x"]}, "output": {"dir": "o"}, "steps": [{"minhash_dedup": params}]})


def test_a_signature_does_not_depend_on_its_batch():
    texts = _articles(4)
    together, _ = signatures(texts + ["short text", ""], 5, 128, 1)
    for i, text in enumerate(texts + ["short text"]):
        alone, _ = signatures([text], 5, 128, 1)
        assert (alone[0] == together[i]).all()


def _one_process_drops(tasks: dict[str, list[tuple[str, datetime, np.ndarray]]]) -> dict[str, dict[str, str]]:
    """The drops of the keyed clustering computed in one process (the pre-scale-out path:
    all bucket edges, scipy's connected components, newest kept, ties to the smallest id)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    rows = [(task, doc_id, date, keys) for task in sorted(tasks) for doc_id, date, keys in tasks[task]]
    first: dict[int, int] = {}
    edges = []
    for n, (_, _, _, keys) in enumerate(rows):
        for key in set(int(k) for k in keys):
            edges.append((first.setdefault(key, n), n))
    a, b = np.array(edges).T if edges else (np.empty(0, int), np.empty(0, int))
    _, label = connected_components(coo_matrix((np.ones(a.size), (a, b)), shape=(len(rows),) * 2), directed=False)
    clusters: dict[int, list[int]] = {}
    for n in range(len(rows)):
        clusters.setdefault(label[n], []).append(n)
    out: dict[str, dict[str, str]] = {task: {} for task in tasks}
    for members in clusters.values():
        keeper = min(members, key=lambda n: (-rows[n][2].timestamp(), rows[n][1], n))
        for n in members:
            if n != keeper:
                out[rows[n][0]][rows[n][1]] = rows[keeper][1]
    return out


def _reduce_drops(tmp_path: Path, tasks: dict[str, list[tuple[str, datetime, np.ndarray]]], partitions: int,
                  workers: int) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    from omniweave.dedup.cluster import KeyWriter, load_drops, reduce_clusters
    from omniweave.executors.local import LocalExecutor
    from omniweave.io.output import filesystem

    fs, root = filesystem(str(tmp_path))
    for task, docs in tasks.items():
        writer = KeyWriter(fs, f"{root}/map", task, partitions=partitions, chunk_docs=7)  # several chunks
        for doc_id, date, keys in docs:
            writer.add(doc_id, date, 10, keys)
        writer.close()
    counts = reduce_clusters(fs, f"{root}/map", f"{root}/reduce", partitions=partitions, keep="newest",
                             mapper=LocalExecutor(workers).map)
    return counts, {task: load_drops(fs, f"{root}/reduce", task) for task in tasks}


def test_distributed_clustering_equals_the_one_process_path_on_real_near_duplicates(tmp_path):
    from omniweave.dedup.minhash import MinhashDedup

    texts = _articles(30)
    rng = random.Random(5)
    docs = []  # originals, near copies (3-8 % edited) and copies of copies, shuffled over 4 tasks
    for i, text in enumerate(texts):
        docs.append((f"orig-{i}", text))
        for k in range(i % 4):
            docs.append((f"copy-{i}-{k}", _edit(text if k == 0 else docs[-1][1], rng.uniform(0.03, 0.08), 100 * i + k)))
    rng.shuffle(docs)
    step = MinhashDedup()
    keys = step.doc_keys([Document(id=d, nodes=[TextNode(t)]) for d, t in docs])
    tasks: dict[str, list[tuple[str, datetime, np.ndarray]]] = {f"t{t}": [] for t in range(4)}
    for n, ((doc_id, _), k) in enumerate(zip(docs, keys)):
        tasks[f"t{n % 4}"].append((doc_id, datetime(2000 + n % 7, 1, 1, tzinfo=UTC), k))
    expected = _one_process_drops(tasks)
    counts, got = _reduce_drops(tmp_path, tasks, partitions=3, workers=2)
    assert got == expected
    assert counts["duplicates"] == sum(len(d) for d in expected.values()) >= 30
    # twins across tasks: some kept twin lives in another task than the document it replaces
    task_of = {doc_id: t for t, rows in tasks.items() for doc_id, _, _ in rows}
    assert any(task_of[kept] != t for t, drops in got.items() for kept in drops.values())


def test_long_chains_take_several_star_rounds_and_end_in_the_same_clusters(tmp_path):
    rng = np.random.default_rng(1)
    tasks: dict[str, list[tuple[str, datetime, np.ndarray]]] = {f"t{t}": [] for t in range(5)}
    for n in rng.permutation(600):  # chains of 50 documents: each shares one key with the next
        chain, pos = divmod(int(n), 50)
        keys = np.array([chain * 1000 + pos, chain * 1000 + pos + 1], np.uint64)
        tasks[f"t{n % 5}"].append((f"d{n}", datetime(2020, 1, 1 + n % 28, tzinfo=UTC), keys))
    counts, got = _reduce_drops(tmp_path, tasks, partitions=4, workers=1)
    assert got == _one_process_drops(tasks)
    assert counts == {"documents": 600, "clusters": 12, "duplicates": 588, "component_rounds": 11}
    assert not (tmp_path / "reduce" / "rounds").exists()  # the rounds' files are gone, the drops stay


def test_a_reduce_without_shared_keys_stops_after_the_buckets_and_drops_nothing(tmp_path):
    unique = {"t0": [(f"d{i}", datetime(2020, 1, 1, tzinfo=UTC), np.array([i, 1000 + i], np.uint64)) for i in range(20)],
              "t1": [("k", datetime(2020, 1, 1, tzinfo=UTC), np.array([], np.uint64))]}
    counts, got = _reduce_drops(tmp_path / "unique", unique, partitions=4, workers=1)
    assert counts == {"documents": 21, "clusters": 0, "duplicates": 0, "component_rounds": 0}
    assert got == {"t0": {}, "t1": {}} and not (tmp_path / "unique" / "reduce" / "rounds").exists()
    counts, got = _reduce_drops(tmp_path / "empty", {"t0": []}, partitions=4, workers=1)
    assert counts == {"documents": 0, "clusters": 0, "duplicates": 0, "component_rounds": 0} and got == {"t0": {}}
    assert not (tmp_path / "empty" / "reduce" / "rounds").exists()


def test_reduce_is_the_same_on_threads(tmp_path):
    from omniweave.dedup.cluster import KeyWriter, load_drops, reduce_clusters
    from omniweave.executors.local import LocalExecutor
    from omniweave.io.output import filesystem

    fs, root = filesystem(str(tmp_path))
    rng = np.random.default_rng(0)
    for t in range(3):  # 300 documents in 3 tasks, keys drawn from a small pool: many clusters
        writer = KeyWriter(fs, f"{root}/map", f"t{t}", partitions=5)
        for i in range(100):
            writer.add(f"t{t}-{i}", datetime(2020, 1, 1 + i % 28, tzinfo=UTC), i,
                       rng.integers(0, 400, size=2).astype(np.uint64))
        writer.close()
    one = reduce_clusters(fs, f"{root}/map", f"{root}/r1", partitions=5, keep="newest")
    two = reduce_clusters(fs, f"{root}/map", f"{root}/r2", partitions=5, keep="newest", mapper=LocalExecutor(2).map)
    assert one == two and one["duplicates"] > 0
    for t in range(3):
        assert load_drops(fs, f"{root}/r1", f"t{t}") == load_drops(fs, f"{root}/r2", f"t{t}")


def test_a_huge_cluster_is_never_gathered_in_one_piece(tmp_path, monkeypatch):
    import omniweave.dedup.cluster as cluster

    read_rows: dict[str, int] = {}
    real_read_part = cluster.read_part

    def spy(fs, directory, piece, schema):  # the rows every keeper piece reads
        table = real_read_part(fs, directory, piece, schema)
        if directory.endswith("/candidates"):
            read_rows[f"{piece}"] = read_rows.get(f"{piece}", 0) + table.num_rows
        return table

    monkeypatch.setattr(cluster, "read_part", spy)
    tasks = {f"t{t}": [(f"t{t}-{i}", datetime(2020, 1, 1 + i % 28, tzinfo=UTC), np.array([7], np.uint64))
                       for i in range(50)] for t in range(4)}  # one template page in 200 documents
    counts, got = _reduce_drops(tmp_path, tasks, partitions=4, workers=1)
    assert got == _one_process_drops(tasks)
    assert counts["clusters"] == 1 and counts["duplicates"] == 199
    assert sum(read_rows.values()) == 4  # one candidate per group of tasks, not 200 members


@pytest.mark.parametrize("steps", [["minhash_dedup"], ["gopher_quality", "minhash_dedup"]])
def test_a_last_pass_on_arrow_rows_writes_what_the_pass_on_documents_writes(tmp_path, steps):
    """The dedup's apply pass runs on the shards' Arrow rows (the run's own reader) or, given another
    reader, on documents: the corpus (rows and row groups), the dropped rows and the counters are the
    same, with word counts carried (gopher_quality counts words) or not."""
    from omniweave.readers import read_input
    from omniweave.pipeline.runner import run_passes
    from omniweave.executors.local import LocalExecutor

    t = _articles(12)
    docs = [_doc(f"d{i}", text, url=f"https://site{i % 3}.example/p{i}", year=2020 + i % 4,
                 images=(f"https://site{i % 3}.example/i{i}.jpg",) * (i % 3)) for i, text in enumerate(t)]
    docs += [_doc(f"n{i}", _edit(t[i], 0.03, i), url=f"https://copy.example/{i}", year=2025) for i in range(0, 12, 3)]
    (tmp_path / "in").mkdir()
    for k in range(3):
        _write_shard(tmp_path / "in" / f"{k}.jsonl", docs[k::3])
    outputs = {}
    for side, reader in (("rows", read_input), ("documents", lambda *a, **k: read_input(*a, **k))):
        recipe = parse_recipe({
            "input": {"paths": [str(tmp_path / "in")]},
            "output": {"dir": str(tmp_path / side), "keep_dropped": True, "max_rows_per_shard": 3},
            "steps": steps, "executor": {"workers": 1},
        })
        summary = run_passes(recipe, executor=LocalExecutor(1), reader=reader, progress=False)
        assert summary.ok
        outputs[side] = summary
    rows, documents = outputs["rows"], outputs["documents"]
    assert 0 < rows.documents_out < len(docs)
    for key in ("funnel", "steps", "distributions", "documents_out"):
        assert rows.stats[key] == documents.stats[key]
    for folder in ("corpus", "stages/pass-01/dropped"):
        files = sorted(p.relative_to(tmp_path / "rows") for p in (tmp_path / "rows" / folder).glob("*.parquet"))
        assert files == sorted(p.relative_to(tmp_path / "documents") for p in (tmp_path / "documents" / folder).glob("*.parquet"))
        assert files
        for name in files:
            a, b = pq.ParquetFile(tmp_path / "rows" / name), pq.ParquetFile(tmp_path / "documents" / name)
            assert a.read().equals(b.read())
            assert [a.metadata.row_group(g).num_rows for g in range(a.num_row_groups)] == \
                [b.metadata.row_group(g).num_rows for g in range(b.num_row_groups)]
    assert "_omniweave_word_count" not in json.dumps(pq.read_table(tmp_path / "rows" / "corpus").to_pylist(), default=str)
