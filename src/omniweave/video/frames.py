"""Keyframes of a video, streamed with PyAV: scene changes and paragraph starts, spaced and de-duplicated.

Frames are decoded one at a time and dropped at once (memory does not grow with the video's
length). ``analysis_fps`` times a second the frame is shrunk to a 32x18 RGB thumbnail and compared
with the previous one; a mean change of ``scene_threshold`` (0..1) or more is a cut. A candidate
is the first frame, a frame after a cut, or the first frame at or after a paragraph start. A
candidate closer than ``min_gap_ms`` to the last kept frame waits until the gap has passed (a later
candidate takes its place); one within ``phash_distance`` bits of a kept frame's pHash is dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import av
import imagehash
import numpy as np
from av.video.reformatter import VideoReformatter
from PIL import Image

from omniweave.pipeline.video_options import VideoOptions

THUMB = (32, 18)


@dataclass
class SelectedFrame:
    time_ms: int
    reason: str  # start | scene | paragraph
    image: Image.Image  # scaled to at most frame_max_side
    phash: str
    dhash: str


@dataclass
class VideoInfo:
    width: int
    height: int
    fps: float | None
    duration_ms: int | None
    codec: str


def video_info(stream: av.video.stream.VideoStream, container: av.container.InputContainer) -> VideoInfo:
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = int(stream.duration * stream.time_base * 1000)
    elif container.duration is not None:
        duration = int(container.duration / 1000)  # AV_TIME_BASE is microseconds
    rate = stream.average_rate or stream.guessed_rate
    return VideoInfo(stream.codec_context.width, stream.codec_context.height,
                     float(rate) if rate else None, duration, stream.codec_context.name)


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


class _Selector:
    """The decisions of the module docstring, fed one analysed frame at a time."""

    def __init__(self, opts: VideoOptions, boundaries_ms: list[int], counts: Counter[str]) -> None:
        self.opts, self.counts = opts, counts
        self.boundaries = sorted(boundaries_ms) if opts.paragraph_frames else []
        self.next_boundary = 0
        self.prev_thumb: np.ndarray | None = None
        self.pending: str | None = None
        self.last_kept: int | None = None
        self.kept_hashes: list[str] = []

    def candidate(self, t: int, thumb: np.ndarray) -> str | None:
        """The reason this frame should be kept (None: not a candidate now)."""
        if self.prev_thumb is None:
            self.pending = "start"
        elif float(np.abs(thumb - self.prev_thumb).mean()) / 255 >= self.opts.scene_threshold:
            self.counts["scene_cuts"] += 1
            self.pending = "scene"
        self.prev_thumb = thumb
        paragraph = False
        while self.next_boundary < len(self.boundaries) and self.boundaries[self.next_boundary] <= t:
            self.next_boundary += 1
            paragraph = True
        if self.last_kept is not None and t - self.last_kept < self.opts.min_gap_ms:
            return None  # a new scene waits for the gap; a paragraph start is shown by the frame just kept
        reason, self.pending = self.pending or ("paragraph" if paragraph else None), None
        return reason

    def accept(self, t: int, phash: str) -> bool:
        d = self.opts.phash_distance
        if d >= 0 and any(_hamming(phash, h) <= d for h in self.kept_hashes):
            self.counts["frames_near_duplicate"] += 1
            return False
        self.last_kept = t
        self.kept_hashes.append(phash)
        return True


def select_frames(container: av.container.InputContainer, stream: av.video.stream.VideoStream,
                  opts: VideoOptions, boundaries_ms: list[int], counts: Counter[str]) -> Iterator[SelectedFrame]:
    """Decode ``stream`` once and yield the selected frames in time order (raises av.FFmpegError on bad data)."""
    selector = _Selector(opts, boundaries_ms, counts)
    step_ms = 1000.0 / opts.analysis_fps
    next_analysis = float("-inf")
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None and stream.time_base else 0.0
    rate = float(stream.average_rate or stream.guessed_rate or 25)
    kept = 0
    shrink = VideoReformatter()  # one scaler context for the whole stream
    if opts.skip_nonref:
        stream.codec_context.skip_frame = "NONREF"
    for index, frame in enumerate(container.decode(stream)):
        counts["frames_decoded"] += 1
        t = max(0, round(((frame.time - start) if frame.time is not None else index / rate) * 1000))
        if t < next_analysis:
            continue
        next_analysis = t + step_ms
        counts["frames_analysed"] += 1
        thumb = shrink.reformat(frame, width=THUMB[0], height=THUMB[1], format="rgb24", interpolation="AREA")
        thumb = thumb.to_ndarray().astype(np.int16)
        reason = selector.candidate(t, thumb)
        if reason is None:
            continue
        image = frame.to_image()
        if max(image.size) > opts.frame_max_side:
            image.thumbnail((opts.frame_max_side, opts.frame_max_side), Image.Resampling.BILINEAR)
        phash = str(imagehash.phash(image))
        if not selector.accept(t, phash):
            continue
        yield SelectedFrame(t, reason, image, phash, str(imagehash.dhash(image)))
        kept += 1
        if kept >= opts.max_frames:
            counts["videos_at_max_frames"] += 1
            return
