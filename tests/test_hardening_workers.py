"""Dying workers and Ctrl-C with the local process pool.

Tasks are made to block on named pipes (their reader waits in ``open`` until the test writes), so
the test knows which task a worker runs: the worker holds that task's log file open. Killing that
worker must charge only that task; Ctrl-C must stop the run without worker tracebacks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

from omniweave.pipeline.runner import task_id_for

ROW = json.dumps({"id": "r", "texts": ["hello"], "images": [None], "metadata": [None],
                  "general_metadata": {"url": "http://example.com/"}}) + "\n"


def _recipe(tmp_path: Path, inputs: list[Path], workers: int = 2) -> tuple[Path, Path]:
    out = tmp_path / "out"
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(json.dumps({"input": {"paths": [str(p) for p in inputs], "format": "jsonl"},
                                  "output": {"dir": str(out)}, "executor": {"workers": workers, "retries": 2}}))
    return recipe, out


def _start(recipe: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "omniweave.cli", "run", str(recipe), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _worker_running(proc: subprocess.Popen, log: Path, exclude: set[int], timeout: float = 120) -> psutil.Process:
    """The worker process of ``proc`` that has ``log`` open (i.e. runs that task)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        for child in psutil.Process(proc.pid).children(recursive=True):
            try:
                if child.pid not in exclude and any(f.path == str(log) for f in child.open_files()):
                    return child
            except psutil.Error:
                continue
        time.sleep(0.1)
    raise AssertionError(f"no worker opened {log}")


def _feed(fifo: Path) -> threading.Thread:
    """Write one row into a named pipe once its reader opens it (again, when that reader was a
    worker the pool terminated)."""

    def write() -> None:
        while True:
            try:
                with open(fifo, "w") as fh:
                    fh.write(ROW)
                return
            except BrokenPipeError:
                time.sleep(0.1)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_killed_worker_charges_only_its_own_task(tmp_path):
    victim, waiting = tmp_path / "victim.jsonl", tmp_path / "waiting.jsonl"
    os.mkfifo(victim)
    os.mkfifo(waiting)
    plain = []
    for i in range(4):
        plain.append(tmp_path / f"plain{i}.jsonl")
        plain[-1].write_text(ROW)
    recipe, out = _recipe(tmp_path, [victim, waiting, *plain])
    logs = out / "stages" / "pass-00" / "logs"
    proc = _start(recipe)
    killed: set[int] = set()
    try:
        waiting_log, stale = logs / f"{task_id_for(str(waiting))}.log", set()
        for _ in range(3):  # retries: 2, so the third death fails the task
            stale.add(_worker_running(proc, waiting_log, killed | stale).pid)  # the other task runs too
            worker = _worker_running(proc, logs / f"{task_id_for(str(victim))}.log", killed)
            killed.add(worker.pid)
            worker.kill()
        _worker_running(proc, waiting_log, killed | stale)  # run again in a fresh pool, never charged:
        feeder = _feed(waiting)  # it may finish now
        stdout, stderr = proc.communicate(timeout=180)
        feeder.join(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 1, stderr
    victim_id = task_id_for(str(victim))
    failures = sorted(p.name for p in (out / "stages" / "pass-00" / "failed").iterdir())
    assert failures == [f"{victim_id}.json"], stderr
    failure = json.loads((out / "stages" / "pass-00" / "failed" / f"{victim_id}.json").read_text())
    assert "worker process died 3 times" in failure["error"] and "SIGKILL" in failure["error"]
    assert failure["inputs"] == [str(victim)]
    done = {p.stem for p in (out / "stages" / "pass-00" / "completions").iterdir()}
    assert done == {task_id_for(str(p)) for p in [waiting, *plain]}
    assert f"failed task {victim_id}: worker process died 3 times" in stderr
    assert "1 task(s) failed (first: " in stderr and "Traceback" not in stderr


def test_ctrl_c_stops_without_tracebacks_and_the_rerun_resumes(tmp_path):
    blocked = [tmp_path / f"blocked{i}.jsonl" for i in range(2)]
    for fifo in blocked:
        os.mkfifo(fifo)
    plain = tmp_path / "plain.jsonl"
    plain.write_text(ROW)
    recipe, out = _recipe(tmp_path, [*blocked, plain])
    logs = out / "stages" / "pass-00" / "logs"
    proc = _start(recipe)
    try:
        for fifo in blocked:
            _worker_running(proc, logs / f"{task_id_for(str(fifo))}.log", set())
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C: driver and workers
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert "run the same command again to resume" in stderr
    assert json.loads((out / "run.json").read_text())["status"] == "interrupted"
    assert not list(out.rglob(".tmp-*"))
    assert not psutil.Process().children(recursive=True) or all(
        c.status() == psutil.STATUS_ZOMBIE for c in psutil.Process().children(recursive=True))

    for fifo in blocked:  # the same command again, with the inputs readable now, finishes the run
        fifo.unlink()
        fifo.write_text(ROW)
    rerun = subprocess.run([sys.executable, "-m", "omniweave.cli", "run", str(recipe), "--no-progress"],
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert json.loads((out / "run.json").read_text())["status"] == "completed"
    assert json.loads((out / "stats.json").read_text())["documents_out"] == 3
