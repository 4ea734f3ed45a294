"""The global steps at scale: memory, CPU and dedup quality of a pipeline over N synthetic documents.

Synthesises N short documents (120-260 words drawn by frequency from the real pages of
``../shared/data/html/wcxb-dev-subset``, two paragraphs, one image URL each, a site logo in 3 %),
of which ``--dup-share`` (5 %) are planted near-duplicates: a copy of an earlier original with
5-10 % of its words changed in spans (substitutions, insertions, deletions), with its own URL and
image, anywhere in the corpus (twins across shards). The synthesis is vectorised (a word is a hash
of its original and position drawn through a frequency table; only the copies are edited one by
one), ~35 us of CPU per document. Writes them as Parquet shards of ``--shard-docs`` documents, then runs the real global steps through the pipeline (CLI, local
executor, ``--workers`` processes): url_dedup, exact_dedup, minhash_dedup and image_dedup, each
with ``--partitions`` (default: one per 62,500 documents, at least 8) key partitions.

Prints per pass (the apply of the step before and the map of the next) and per reduce the CPU
seconds and peak RSS (workers: from the task markers; reduces: the driver, whose threads run the
pieces), then recall and precision against the planted duplicates: recall = planted copies
removed / planted copies; precision = correct removals / removals (a removal is wrong when a
family loses every member, e.g. an original merged into an unrelated document).

    python bench/scale.py --docs 1000000 [--workers 2]

The last line is one JSON object: docs, peak_rss_mb (largest single process), driver_rss_mb,
cpu_s (all processes), cpu_us_per_doc, recall, precision.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dedup import span_edit
from omniweave.layout import GENERAL_METADATA, IMAGE_METADATA, SCHEMA

WCXB = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "html" / "wcxb-dev-subset" / "ground-truth"
STEPS = ("url_dedup", "exact_dedup", "minhash_dedup", "image_dedup")
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def vocabulary() -> tuple[list[str], np.ndarray]:
    """Words of the real pages and their frequencies (probabilities)."""
    counts: Counter[str] = Counter()
    for path in sorted(WCXB.glob("*.json")):
        text = json.loads(path.read_text(encoding="utf-8"))["ground_truth"]["main_content"]
        counts.update(re.findall(r"\w+", text))
    words = sorted(counts)
    freq = np.array([counts[w] for w in words], dtype=np.float64)
    return words, freq / freq.sum()


def _mix(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def families(n: np.ndarray, share: float) -> np.ndarray:
    """The original each document copies (itself for an original): an earlier original."""
    n = np.asarray(n, dtype=np.uint64)
    is_copy = (_mix(n) >> np.uint64(11)).astype(np.float64) / 2.0**53 < share
    is_copy &= n > 0
    out = n.copy()
    todo = np.flatnonzero(is_copy)
    cur = n[todo]
    while todo.size:
        cur = _mix(cur + np.uint64(0x9E3779B97F4A7C15)) % np.maximum(cur, np.uint64(1))
        again = ((_mix(cur) >> np.uint64(11)).astype(np.float64) / 2.0**53 < share) & (cur > 0)
        out[todo[~again]] = cur[~again]
        todo, cur = todo[again], cur[again]
    return out.astype(np.int64)


DRAW_BITS = 22  # words are drawn through a table of 2**22 slots (probabilities to ~2.4e-7)


@functools.cache
def _vocabulary_arrays() -> tuple[list[str], pa.Array, np.ndarray]:
    """The words, as a list and an Arrow array, and the draw table (slot -> word by frequency)."""
    vocab, probs = vocabulary()
    cumulative = np.cumsum(probs)
    cumulative[-1] = 1.0
    slots = (np.arange(1 << DRAW_BITS) + 0.5) / (1 << DRAW_BITS)
    return vocab, pa.array(vocab, pa.string()), np.searchsorted(cumulative, slots, side="right").astype(np.int32)


def original_words(originals: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """The words of each original text (vectorised: a word is a hash of the original and its
    position, drawn by frequency): the flat word array and the offsets of each text in it."""
    _, words, table = _vocabulary_arrays()
    o = originals.astype(np.uint64)
    lengths = 120 + (_mix(o * np.uint64(0x9E3779B97F4A7C15) + np.uint64(7)) % np.uint64(141)).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    position = np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], lengths)
    draw = _mix(np.repeat(o, lengths) * np.uint64(1 << 20) + position.astype(np.uint64))
    return words.take(pa.array(table[draw >> np.uint64(64 - DRAW_BITS)])), offsets


def texts(start: int, end: int, share: float) -> tuple[list[str], list[str], np.ndarray]:
    """The two paragraphs of documents [start, end) (a planted copy: its original's words with
    5-10 % changed in spans) and the original of each."""
    vocab = _vocabulary_arrays()[0]
    numbers = np.arange(start, end)
    origin = families(numbers, share)
    words, offsets = original_words(origin)
    lengths = np.diff(offsets)
    cuts = np.empty(2 * lengths.size + 1, dtype=np.int64)  # [first half, second half] per document
    cuts[0:-1:2], cuts[1::2], cuts[-1] = offsets[:-1], offsets[:-1] + lengths // 2, offsets[-1]
    halves = pc.binary_join(pa.ListArray.from_arrays(pa.array(cuts), words), " ").to_pylist()
    first, second = halves[0::2], halves[1::2]
    for i in np.flatnonzero(origin != numbers):  # planted copies (a few per cent): edited one by one
        n = int(numbers[i])
        rng = random.Random(n)
        text = span_edit((first[i] + " " + second[i]).split(" "), rng.uniform(0.05, 0.10), rng, vocab)
        half = len(text) // 2
        first[i], second[i] = " ".join(text[:half]), " ".join(text[half:])
    return first, second, origin


def _struct(struct: pa.StructType, length: int, values: dict[str, pa.Array],
            mask: np.ndarray | None = None) -> pa.Array:
    """A struct array of ``length`` rows: the named fields from ``values``, the others null."""
    children = [values.get(f.name, pa.nulls(length, f.type)) for f in struct]
    return pa.StructArray.from_arrays(children, fields=list(struct), mask=None if mask is None else pa.array(mask))


def make_shard(args: tuple[Path, int, int, float]) -> int:
    """Write documents [start, end) as one Parquet shard (built column by column in the corpus
    layout: text, image, [site logo in 3 %], text); returns how many are planted copies."""
    path, start, end, share = args
    first, second, origin = texts(start, end, share)
    numbers = np.arange(start, end)
    flat_texts: list[str | None] = []
    flat_images: list[str | None] = []
    offsets = [0]
    for i, n in enumerate(range(start, end)):
        if n % 33 == 0:
            flat_texts += [first[i], None, None, second[i]]
            flat_images += [None, f"https://img.example/{n}.jpg", f"https://cdn.example/logo{n % 20}.png", None]
        else:
            flat_texts += [first[i], None, second[i]]
            flat_images += [None, f"https://img.example/{n}.jpg", None]
        offsets.append(len(flat_texts))
    positions = len(flat_texts)
    offsets_array = pa.array(offsets, pa.int32())
    is_text = np.array([t is not None for t in flat_texts])
    kinds = pa.array(np.where(is_text, "paragraph", None).tolist(), pa.string())
    metadata = _struct(IMAGE_METADATA, positions, {}, mask=is_text)  # image positions: a struct of nulls
    sites = (numbers % 50_000).tolist()
    dates = np.array([f"{2020 + n % 5}-01-01" for n in range(5)], dtype="datetime64[ms]")[numbers % 5]
    general = _struct(GENERAL_METADATA, end - start, {
        "url": pa.array([f"https://site{s}.example/p/{n}" for s, n in zip(sites, numbers.tolist(), strict=True)]),
        "domain": pa.array([f"site{s}.example" for s in sites]),
        "date": pa.array(dates, pa.timestamp("ms", tz="UTC")),
        "node_kinds": pa.ListArray.from_arrays(offsets_array, kinds),
    })
    table = pa.table({
        "id": pa.array([f"d{n:010d}" for n in range(start, end)]),
        "texts": pa.ListArray.from_arrays(offsets_array, pa.array(flat_texts, pa.string())),
        "images": pa.ListArray.from_arrays(offsets_array, pa.array(flat_images, pa.string())),
        "metadata": pa.ListArray.from_arrays(offsets_array, metadata),
        "general_metadata": general,
    }, schema=SCHEMA)
    pq.write_table(table, path)
    return int((origin != numbers).sum())


def run_figures(out: Path) -> tuple[list[dict], float]:
    """Per pass and per reduce: CPU seconds and peak RSS; and the driver's peak RSS."""
    stages = []
    for p, folder in enumerate(sorted((out / "stages").glob("pass-*"))):
        markers = [json.loads(m.read_text()) for m in (folder / "completions").glob("*.json")]
        stages.append({"stage": f"pass {p}" + (f" (apply {STEPS[p - 1]})" if p else " (read)")
                       + (f" + map {STEPS[p]}" if p < len(STEPS) else ""),
                       "cpu_s": sum(m["cpu_s"] for m in markers), "wall_s": max(m["seconds"] for m in markers),
                       "rss_mb": max(m["max_rss_mb"] for m in markers), "process": "largest worker"})
        for done in (folder / "global").glob("*/reduce/_SUCCESS.json"):
            info = json.loads(done.read_text())
            stages.append({"stage": f"reduce {info['step']}", "cpu_s": info["driver_cpu_s"], "wall_s": info["seconds"],
                           "rss_mb": info["driver_max_rss_mb"], "process": "driver", "counts": info["counts"]})
    return stages, json.loads((out / "run.json").read_text())["driver_max_rss_mb"]


def score(out: Path, docs: int, share: float, planted: int) -> tuple[float, float]:
    ids = pq.read_table(out / "corpus", columns=["id"])["id"].to_numpy(zero_copy_only=False)
    survivors = np.array([int(i[1:]) for i in ids], dtype=np.int64)
    family_size = np.bincount(families(np.arange(docs), share), minlength=docs)
    kept = np.bincount(families(survivors, share), minlength=docs)
    removed = docs - survivors.size
    wrong = int(((family_size > 0) & (kept == 0)).sum())  # a family that lost every member
    right = removed - wrong
    return right / max(planted, 1), right / max(removed, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, help="key partitions (default: docs / 62,500, at least 8)")
    parser.add_argument("--shard-docs", type=int, default=25_000)
    parser.add_argument("--dup-share", type=float, default=0.05)
    parser.add_argument("--dir", help="work folder (default: a temporary one, removed after)")
    args = parser.parse_args()
    partitions = args.partitions or max(8, -(-args.docs // 62_500))
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        started = time.perf_counter()
        jobs = [(root / "in" / f"shard-{s:05d}.parquet", s * args.shard_docs,
                 min((s + 1) * args.shard_docs, args.docs), args.dup_share)
                for s in range(-(-args.docs // args.shard_docs))]
        with ProcessPoolExecutor(args.workers) as pool:
            planted = sum(pool.map(make_shard, jobs))
        print(f"synthesised {args.docs:,} documents ({planted:,} planted near-duplicates) in {len(jobs)} shards: "
              f"{time.perf_counter() - started:.0f} s", flush=True)
        steps = "\n".join(f"  - {s}: {{partitions: {partitions}}}" for s in STEPS)
        recipe = root / "recipe.yaml"
        recipe.write_text(f"input: {{paths: [\"{root / 'in'}\"]}}\noutput: {{dir: \"{root / 'out'}\", "
                          f"max_rows_per_shard: 50000}}\nsteps:\n{steps}\nexecutor: {{workers: {args.workers}}}\n")
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "omniweave.cli", "run", str(recipe), "--no-progress"],
                              capture_output=True, text=True)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            sys.exit(f"pipeline failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        stages, driver_rss = run_figures(root / "out")
        print(f"pipeline: {wall:.0f} s wall, {args.workers} workers, {partitions} partitions")
        for s in stages:
            print(f"  {s['stage']:<48} {s['cpu_s']:9.1f} s CPU {s['wall_s']:8.1f} s wall (longest task) "
                  f"{s['rss_mb']:8.0f} MB ({s['process']}){'  ' + json.dumps(s['counts']) if 'counts' in s else ''}")
        recall, precision = score(root / "out", args.docs, args.dup_share, planted)
    cpu = sum(s["cpu_s"] for s in stages)
    peak = max(driver_rss, *(s["rss_mb"] for s in stages))  # the driver's peak covers its whole run
    print(f"recall {recall:.4f}, precision {precision:.4f}; {cpu / args.docs * 1e6:.0f} us CPU per document")
    print(json.dumps({"docs": args.docs, "peak_rss_mb": peak, "driver_rss_mb": driver_rss, "cpu_s": round(cpu, 1),
                      "cpu_us_per_doc": round(cpu / args.docs * 1e6, 1), "recall": round(recall, 4),
                      "precision": round(precision, 4)}))


if __name__ == "__main__":
    main()
