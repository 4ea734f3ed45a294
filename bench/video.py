"""Video source throughput: video minutes processed per core-second, and peak memory by video length.

Writes synthetic videos (PyAV, H.264, scenes of seeded pictures with motion, a cut every 5 s) with
SRT subtitles (a cue every 3 s), then reads each in a fresh process: once decoding every frame and
nothing else (the floor), once through the video reader (subtitles, scene detection, frame
selection, JPEG encoding, image store) after a warm-up on a short video, as a busy worker would be.
CPU time is user + system of that process (all its threads).
Synthetic pictures decode faster than camera footage; compare the two rows, not other benchmarks.

    python bench/video.py [--width 640 --height 360 --fps 25 --minutes 1 4]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

import av

from omniweave.io.inputs import InputFile
from omniweave.pipeline.video_options import VideoOptions
from omniweave.video.reader import read_video
from omniweave.video.synth import Scene, write_video


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _decode_only(path: str) -> dict:
    start = _cpu()
    with av.open(path) as container:
        frames = sum(1 for _ in container.decode(container.streams.video[0]))
    return {"cpu": _cpu() - start, "frames": frames, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _read(path: str, store: str, analysis_fps: float, counts: Counter[str]) -> list:
    inp = InputFile(path=path, format="video", size=None, relpath=Path(path).name)
    return list(read_video(inp, counts, options=VideoOptions(analysis_fps=analysis_fps), store_root=store))


def _reader(path: str, store: str, analysis_fps: float, warmup: str) -> dict:
    _read(warmup, store, analysis_fps, Counter())  # first calls (lazy imports, DCT plans) as a worker has them warm
    start = _cpu()
    counts: Counter[str] = Counter()
    docs = _read(path, store, analysis_fps, counts)
    return {"cpu": _cpu() - start, "frames": counts["video_frames_stored"], "docs": len(docs),
            "paragraphs": sum(len(d.texts) for d in docs), "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _in_child(fn, *args) -> dict:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def _make(folder: Path, minutes: float, width: int, height: int, fps: int) -> Path:
    seconds = int(minutes * 60)
    video = write_video(folder / f"bench-{minutes:g}min.mp4",
                        [Scene(5, 100 + i, motion=True) for i in range(seconds // 5)], width=width, height=height, fps=fps)
    cues = []
    for k, t in enumerate(range(0, seconds - 3, 3)):
        cues.append(f"{k + 1}\n00:{t // 60:02d}:{t % 60:02d},000 --> 00:{(t + 3) // 60:02d}:{(t + 3) % 60:02d},000\n"
                    f"This is sentence number {k} of the benchmark narration.\n")
    video.with_suffix(".srt").write_text("\n".join(cues), encoding="utf-8")
    return video


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--height", type=int, default=360)
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--minutes", type=float, nargs="+", default=[1, 3])
    ap.add_argument("--analysis-fps", type=float, default=VideoOptions().analysis_fps)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"synthetic H.264 {args.width}x{args.height} @ {args.fps} fps, analysis at {args.analysis_fps:g} fps; "
              f"PyAV {av.__version__}")
        print(f"{'video':>8} {'mode':<12} {'cpu s':>7} {'video min / core-s':>19} {'frames*':>7} {'peak RSS MB':>12}")
        warmup = _make(folder, 0.25, args.width, args.height, args.fps)
        for minutes in args.minutes:
            t = time.time()
            video = _make(folder, minutes, args.width, args.height, args.fps)
            print(f"  (wrote {video.name}, {video.stat().st_size / 1e6:.1f} MB, in {time.time() - t:.1f} s)")
            for mode, result in (
                ("decode only", _in_child(_decode_only, str(video))),
                ("reader", _in_child(_reader, str(video), str(folder / "store"), args.analysis_fps, str(warmup))),
            ):
                print(f"{minutes:>6g} m {mode:<12} {result['cpu']:>7.2f} {minutes / result['cpu']:>19.3f} "
                      f"{result['frames']:>7} {result['rss_mb']:>12.0f}")
        print("* frames decoded (decode only) or kept as images (reader); RSS includes the interpreter and imports")


if __name__ == "__main__":
    main()
