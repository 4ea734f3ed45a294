"""The Ray executor on a real Ray cluster of two nodes on this machine (``ray.cluster_utils.Cluster``:
a head and a worker node, each with its own raylet and object store): same documents as a local
run, tasks on both nodes, even when a worker dies."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import psutil
import pyarrow.parquet as pq
import pytest

ray = pytest.importorskip("ray")

from omniweave.pipeline.recipe import parse_recipe  # noqa: E402
from omniweave.run import run_recipe  # noqa: E402


@pytest.fixture(scope="module")
def ray_cluster():
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    yield cluster
    ray.shutdown()
    cluster.shutdown()


SIMPLE = [{"text_length": {"min_chars": 50}}, "exact_dedup"]
# every global step: their reduce pieces run as Ray tasks too
FULL = [{"text_length": {"min_chars": 50}}, "url_dedup", "exact_dedup", "minhash_dedup", "image_dedup",
        {"images": {"sources": ["warc"], "imageless": "keep"}}]


def _recipe(inputs, out, kind, steps=SIMPLE):
    return parse_recipe({
        "input": {"paths": [str(inputs)]},
        "output": {"dir": str(out), "max_rows_per_shard": 7},
        "steps": steps,
        "executor": {"kind": kind, "workers": 2, "retries": 3},
    })


def _without_store_location(meta):
    """Image metadata minus where the bytes landed (the run's folder and a random shard name)."""
    if meta is None:
        return None
    extra = json.loads(meta["extra"] or "{}")
    extra.pop("store", None)
    return {**meta, "extra": extra}


def _rows(out):
    table = pq.read_table(out / "corpus", columns=["id", "texts", "images", "metadata"])
    rows = zip(*(table[c].to_pylist() for c in table.column_names))
    return sorted(((i, t, im, [_without_store_location(m) for m in meta]) for i, t, im, meta in rows), key=lambda r: r[0])


def _raylet_of(worker: str) -> int:
    """The raylet (one per node) that started the worker process named in a task marker."""
    proc = psutil.Process(int(worker.rsplit(":", 1)[1]))
    while proc is not None and "raylet" not in proc.name():
        proc = proc.parent()
    assert proc is not None, f"{worker} is not a Ray worker"
    return proc.pid


def test_ray_run_on_two_nodes_equals_local_run(ray_cluster, warc_dir, tmp_path):
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    local = run_recipe(_recipe(warc_dir, tmp_path / "local", "local", FULL), progress=False)
    remote = run_recipe(_recipe(warc_dir, tmp_path / "ray", "ray", FULL), progress=False)
    assert local.ok and remote.ok
    assert remote.documents_out == local.documents_out > 50
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local")
    assert remote.stats["funnel"] == local.stats["funnel"]
    markers = (tmp_path / "ray" / "stages").glob("pass-*/completions/*.json")
    workers = {json.loads(m.read_text())["worker"] for m in markers}
    assert len({_raylet_of(w) for w in workers}) == 2, "tasks ran on both nodes"


def _kill_one_task_worker(stop: threading.Event, killed: list[int]) -> None:
    """SIGKILL the first Ray worker seen running a pipeline task."""
    while not stop.is_set() and not killed:
        for proc in psutil.process_iter(["pid", "cmdline"]):
            if "_run_on_worker" in " ".join(proc.info["cmdline"] or []) and proc.pid != os.getpid():
                os.kill(proc.pid, signal.SIGKILL)
                killed.append(proc.pid)
                return
        time.sleep(0.02)


def test_a_killed_worker_is_retried_and_the_result_stays_exact(ray_cluster, warc_dir, tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for copy in range(2):
        for path in sorted(warc_dir.rglob("*.warc*")):
            (inputs / f"{copy}-{path.parent.name}-{path.name}").symlink_to(path)
    reference = run_recipe(_recipe(inputs, tmp_path / "local", "local"), progress=False)

    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_one_task_worker, args=(stop, killed), daemon=True)
    killer.start()
    try:
        summary = run_recipe(_recipe(inputs, tmp_path / "ray", "ray"), progress=False)
    finally:
        stop.set()
        killer.join()
    assert killed, "no Ray worker was seen running a task"
    assert summary.ok, [r.error for r in summary.failed]
    assert summary.documents_out == reference.documents_out
    assert _rows(tmp_path / "ray") == _rows(tmp_path / "local")
