"""Image download throughput: omniweave's fetcher beside img2dataset on the same URL list.

Serves the shared images from local HTTP servers (one per loopback address, so several hosts)
with an added latency per response, then downloads the same URLs with each tool in its own
process and prints images/s (wall), images per CPU-second (user+sys of that process and its
children, i.e. images/s per core busy) and peak RSS. With ``--rounds``, the tools take turns
(the first one alternating), and the spread of the per-round ratios says how noisy the machine is.
The last line is JSON: the median ratio of images/s (and per CPU-second), the medians of both
tools' images/s and the lowest and highest ratio seen.

    python bench/images.py --urls 4000 --hosts 4 --latency 0.05 --rounds 3
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import os
import subprocess
import sys
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT.parent / "shared" / "data" / "images"
sys.path.insert(0, str(ROOT / "tests"))


def _image_files() -> list[str]:
    """Decodable shared images, as paths below the served root."""
    files = []
    with (IMAGES / "manifest.csv").open() as fh:
        files += [r["file"] for r in csv.DictReader(fh) if r["decodable"] == "True"]
    with (IMAGES / "web-images-from-warcs" / "manifest.csv").open() as fh:
        files += [f"web-images-from-warcs/{r['file']}" for r in csv.DictReader(fh) if r["decodable"] == "True"]
    return files


def _serve(hosts: list[str], latency: float, ports: mp.Queue, stop: mp.Event) -> None:
    from image_server import ImageServer

    servers = [ImageServer(IMAGES, host=h, latency=latency).__enter__() for h in hosts]
    ports.put([s.base for s in servers])
    stop.wait()
    for s in servers:
        s.__exit__()


def _timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, CPU seconds incl. children, exit status, peak RSS in MB) of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if status:
        print(err[-2000:], file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, status, usage.ru_maxrss / 1024


def _omniweave_worker(url_file: str, store: str, concurrency: str, allow: str) -> None:
    """Child process: fetch, decode, hash and store every URL (one partition per host)."""
    from omniweave.images.fetch import FetchParams
    from omniweave.images.partition import PartitionJob, run_partition

    urls = Path(url_file).read_text().split()
    params = FetchParams(concurrency=int(concurrency), per_host_concurrency=int(concurrency),
                         per_host_rate=10_000, allow_networks=allow.split(","), retries=0)
    counts = run_partition(PartitionJob(0, store, urls, fetch=params))
    Path(store, "counts.txt").write_text(repr(counts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--urls", type=int, default=600)
    ap.add_argument("--hosts", type=int, default=4, help="loopback addresses 127.0.0.1..N")
    ap.add_argument("--latency", type=float, default=0.05, help="seconds added to every response")
    ap.add_argument("--concurrency", type=int, default=64, help="requests in flight (threads for img2dataset)")
    ap.add_argument("--rounds", type=int, default=1, help="runs of each tool, taking turns")
    args = ap.parse_args()

    hosts = [f"127.0.0.{i}" for i in range(1, args.hosts + 1)]
    ports: mp.Queue = mp.Queue()
    stop = mp.Event()
    server = mp.Process(target=_serve, args=(hosts, args.latency, ports, stop), daemon=True)
    server.start()
    bases = ports.get(timeout=30)
    files = _image_files()
    urls = [f"{bases[i % len(bases)]}/img/{files[i % len(files)]}?n={i}" for i in range(args.urls)]
    print(f"{len(urls)} URLs over {len(bases)} hosts, {args.latency * 1000:.0f} ms added latency, "
          f"{len(files)} distinct images, concurrency {args.concurrency}; {os.cpu_count()} CPUs on this machine")
    ow_name = "omniweave (fetch+decode+sha256+pHash+dHash+tar)"
    i2d_name = "img2dataset 1 process (resize_mode=no, skip_reencode)"
    env = dict(os.environ, NO_ALBUMENTATIONS_UPDATE="1", WANDB_MODE="disabled")
    rows: list[tuple[int, str, int, float, float, int, float]] = []  # round, tool, images, wall, cpu, status, rss
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url_file = Path(tmp, "urls.txt")
            url_file.write_text("\n".join(urls) + "\n")

            def omniweave(k: int) -> None:
                store = Path(tmp, f"omniweave-{k}")
                store.mkdir()
                got = _timed([sys.executable, __file__, "_omniweave", str(url_file), str(store),
                              str(args.concurrency), ",".join(f"{h}/32" for h in hosts)])
                rows.append((k, ow_name, _count_ok(store), *got))

            def img2dataset(k: int) -> None:
                out = Path(tmp, f"img2dataset-{k}")
                code = (f"import img2dataset; img2dataset.download(url_list={str(url_file)!r}, "
                        f"output_folder={str(out)!r}, processes_count=1, thread_count={args.concurrency}, "
                        "resize_mode='no', skip_reencode=True, output_format='webdataset', "
                        "timeout=10, retries=0, enable_wandb=False)")
                got = _timed([sys.executable, "-c", code], env=env)
                rows.append((k, i2d_name, _count_i2d(out), *got))

            for k in range(args.rounds):  # turns, the first tool alternating
                for run in (omniweave, img2dataset) if k % 2 == 0 else (img2dataset, omniweave):
                    run(k)
            startup = {ow_name: _timed([sys.executable, "-c", "import omniweave.images.partition"]),
                       i2d_name: _timed([sys.executable, "-c", "import img2dataset"], env=env)}
    finally:
        stop.set()
        server.join(timeout=10)
    print("net = minus the time of a bare `import` of the tool (interpreter and library start-up)")
    print(f"{'round':>5} {'tool':<52} {'images':>6} {'wall s':>7} {'cpu s':>6} {'img/s':>6} {'img/cpu-s':>9} "
          f"{'net img/s':>9} {'net img/cpu-s':>13} {'peak RSS MB':>11}")
    for k, name, done, wall, cpu, status, rss in rows:
        note = "" if status == 0 else f"  (exit status {status})"
        s_wall, s_cpu = startup[name][:2]
        net_wall, net_cpu = max(wall - s_wall, 1e-9), max(cpu - s_cpu, 1e-9)
        print(f"{k:>5} {name:<52} {done:>6} {wall:>7.2f} {cpu:>6.2f} {done / wall:>6.1f} "
              f"{done / max(cpu, 1e-9):>9.1f} {done / net_wall:>9.1f} {done / net_cpu:>13.1f} {rss:>11.0f}{note}")
    per_s = {name: [r[2] / r[3] for r in rows if r[1] == name] for name in (ow_name, i2d_name)}
    per_cpu = {name: [r[2] / max(r[4], 1e-9) for r in rows if r[1] == name] for name in (ow_name, i2d_name)}
    ratios = [a / max(b, 1e-9) for a, b in zip(per_s[ow_name], per_s[i2d_name], strict=True)]
    cpu_ratios = [a / max(b, 1e-9) for a, b in zip(per_cpu[ow_name], per_cpu[i2d_name], strict=True)]
    print(json.dumps({"ratio_vs_img2dataset": round(statistics.median(ratios), 2),
                      "ow_img_per_s": round(statistics.median(per_s[ow_name]), 1),
                      "i2d_img_per_s": round(statistics.median(per_s[i2d_name]), 1),
                      "ratio_per_cpu_s": round(statistics.median(cpu_ratios), 2),
                      "ratio_min": round(min(ratios), 2), "ratio_max": round(max(ratios), 2), "rounds": args.rounds}))


def _count_ok(store: Path) -> int:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(store / "index")
    return int(pc.sum(pc.equal(table["status"], "ok")).as_py() or 0)


def _count_i2d(out: Path) -> int:
    import json

    return sum(json.loads(p.read_text()).get("successes", 0) for p in out.glob("*_stats.json"))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_omniweave":
        _omniweave_worker(*sys.argv[2:6])
    else:
        main()
