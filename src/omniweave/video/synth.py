"""Synthetic videos with known cut points, written with PyAV (tests, the example source, the benchmark).

A video is a list of :class:`Scene`: a still picture (smooth colour fields drawn from a seed) for
a number of seconds, optionally with a small square drifting across it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image

# codec and options by suffix: quality high enough that a still scene keeps one pHash
CODECS = {".mp4": ("libx264", {"crf": "18"}), ".mkv": ("libx264", {"crf": "18"}),
          ".webm": ("libvpx-vp9", {"crf": "10", "b": "0"})}


@dataclass(frozen=True)
class Scene:
    seconds: float
    seed: int  # the picture: the same seed gives the same picture
    motion: bool = False  # a small square drifts across the scene


def scene_image(seed: int, width: int, height: int) -> np.ndarray:
    """A smooth random picture (a 4x3 grid of colours, bicubic-scaled): strong, seed-specific structure."""
    grid = np.random.default_rng(seed).integers(0, 256, size=(3, 4, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(grid).resize((width, height), Image.Resampling.BICUBIC))


def scene_frames(scenes: list[Scene], width: int, height: int, fps: int) -> Iterator[np.ndarray]:
    """Every frame of the scenes in order; a scene's picture is drawn once."""
    side = max(2, min(width, height) // 8)
    for scene in scenes:
        base = scene_image(scene.seed, width, height)
        count = round(scene.seconds * fps)
        for i in range(count):
            if not scene.motion:
                yield base
                continue
            frame = base.copy()
            x = int((width - side) * i / max(count - 1, 1))
            frame[height // 2 - side // 2 : height // 2 + side // 2, x : x + side] = (255, 64, 64)
            yield frame


def cut_times_ms(scenes: list[Scene]) -> list[int]:
    """Start of every scene after the first."""
    out, t = [], 0.0
    for scene in scenes[:-1]:
        t += scene.seconds
        out.append(round(t * 1000))
    return out


def write_video(path: str | Path, scenes: list[Scene], *, width: int = 64, height: int = 48, fps: int = 8) -> Path:
    """Encode the scenes to ``path`` (by suffix: mp4 and mkv H.264, webm VP9)."""
    path = Path(path)
    codec, options = CODECS.get(path.suffix.lower(), CODECS[".mp4"])
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for array in scene_frames(scenes, width, height, fps):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")))
        out.mux(stream.encode())
    return path
