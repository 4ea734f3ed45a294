"""One video input into one document: subtitle paragraphs and selected frames, interleaved in time.

Frames are JPEG-encoded and stored in the run's image store (the same tar shards and index as web
images, ``source: video``) before the document is yielded; each becomes an image node with the URL
``video://<video_id>/frame/<ms>``, its size, hashes, store location and ``extra.timestamp_ms``.
A node goes before a paragraph that starts at the same moment. What does not become a document
is counted under ``skipped:<reason>``: no_subtitles, empty_subtitles, video_unreadable,
video_no_stream, video_too_long, video_decode_error, video_no_frames.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import av
import fsspec

from omniweave import counters
from omniweave.document import Document, ImageNode, Source, TextNode, make_doc_id
from omniweave.images.store import ShardSink, url_key
from omniweave.io.inputs import InputFile
from omniweave.io.output import filesystem
from omniweave.video.frames import SelectedFrame, VideoInfo, select_frames, video_info
from omniweave.pipeline.video_options import VideoOptions
from omniweave.video.sidecar import ManifestEntry, SubtitleFile, find_subtitles, manifest_entry, video_id_of
from omniweave.video.subtitles import parse_subtitles
from omniweave.video.text import Paragraph, subtitle_paragraphs

log = logging.getLogger(__name__)


class _FrameSink(ShardSink):
    """The image store's sink, published by the reader once per video (never part-way through one)."""

    def __init__(self, store_root: str) -> None:
        fs, root = filesystem(store_root)
        super().__init__(fs, root, 0, max_images=1 << 30, max_bytes=1 << 62)
        self.store_root = store_root  # as the recipe names it: what image nodes record

    def put(self, row: dict[str, Any], data: bytes) -> dict[str, Any]:
        """Index and store one frame; its row with ``shard`` and ``member`` set."""
        self.add(row, data)
        return self._rows[-1]


def frame_url(video_id: str, time_ms: int) -> str:
    return f"video://{quote(video_id, safe='')}/frame/{time_ms}"


def _subtitles(candidates: list[SubtitleFile], opts: VideoOptions,
               counts: Counter[str]) -> tuple[list[Paragraph], SubtitleFile | None, str | None]:
    """Paragraphs of the first candidate that reads; unreadable ones are counted and the next tried."""
    for sub in candidates:
        try:
            with fsspec.open(sub.path, "rb") as fh:
                parsed = parse_subtitles(sub.path, fh.read())
        except (OSError, ValueError) as exc:
            counts["subtitle_errors"] += 1
            log.warning("%s: unreadable subtitles: %s", sub.path, exc)
            continue
        local: Counter[str] = Counter()
        paras = subtitle_paragraphs(parsed, opts, local)
        counts.update({f"subtitle_{k}": v for k, v in local.items()})
        return paras, sub, parsed.format
    return [], None, None


def _open(path: str, stack: ExitStack) -> av.container.InputContainer:
    if "://" in path and not path.startswith("file://"):
        return stack.enter_context(av.open(stack.enter_context(fsspec.open(path, "rb"))))
    return stack.enter_context(av.open(path.removeprefix("file://")))


@dataclass
class _Frame:
    """A selected frame, already JPEG-encoded (a video's frames wait as bytes, not pixels)."""

    time_ms: int
    reason: str
    width: int
    height: int
    phash: str
    dhash: str
    data: bytes


def _encode(frame: SelectedFrame, quality: int) -> _Frame:
    buf = io.BytesIO()
    frame.image.convert("RGB").save(buf, format="JPEG", quality=quality)
    return _Frame(frame.time_ms, frame.reason, *frame.image.size, frame.phash, frame.dhash, buf.getvalue())


def _store_frame(sink: _FrameSink, video_id: str, frame: _Frame) -> ImageNode:
    url = frame_url(video_id, frame.time_ms)
    sha = hashlib.sha256(frame.data).hexdigest()
    w, h, size = frame.width, frame.height, len(frame.data)
    row = sink.put({"url": url, "status": "ok", "source": "video", "bytes": size, "sha256": sha, "format": "JPEG",
                    "width": w, "height": h, "mode": "RGB", "n_frames": 1, "phash": frame.phash, "dhash": frame.dhash,
                    "attempts": 1}, frame.data)
    return ImageNode(url=url, width=w, height=h, format="JPEG", sha256=sha, phash=frame.phash, dhash=frame.dhash, extra={
        "timestamp_ms": frame.time_ms, "frame_reason": frame.reason, "status": "ok", "img_url_sha": url_key(url),
        "source": "video", "bytes": size, "n_frames": 1,
        "store": {"root": sink.store_root, "shard": row["shard"], "member": row["member"]},
    })


def _decode(path: str, opts: VideoOptions, boundaries: list[int],
            counts: Counter[str]) -> tuple[list[_Frame], VideoInfo | None, str | None]:
    """Selected frames and the video's info, or the skip reason."""
    with ExitStack() as stack:
        try:
            container = _open(path, stack)
        except (av.FFmpegError, OSError, ValueError) as exc:
            log.warning("%s: unreadable video: %s", path, exc)
            return [], None, "video_unreadable"
        if not container.streams.video:
            return [], None, "video_no_stream"
        stream = container.streams.video[0]
        info = video_info(stream, container)
        if opts.max_duration_s and info.duration_ms and info.duration_ms > opts.max_duration_s * 1000:
            return [], info, "video_too_long"
        local: Counter[str] = Counter()
        try:
            frames = [_encode(f, opts.jpeg_quality) for f in select_frames(container, stream, opts, boundaries, local)]
        except (av.FFmpegError, OSError, ValueError) as exc:
            log.warning("%s: video decoding failed: %s", path, exc)
            return [], info, "video_decode_error"
        finally:
            counts.update({f"video_{k}": v for k, v in local.items()})
        return frames, info, None if frames else "video_no_frames"


def read_video(inp: InputFile, counts: Counter[str], *, options: VideoOptions | None,
               store_root: str | None) -> Iterator[Document]:
    """The document of one video file (or nothing, with the reason counted)."""
    if store_root is None:
        raise ValueError("video inputs need an image store for their frames (run them through the pipeline)")
    opts = options or VideoOptions()
    counts["video_files"] += 1
    entry = manifest_entry(inp.path, opts.manifest)
    video_id = video_id_of(inp.path, entry)
    paras, sub, sub_format = _subtitles(find_subtitles(inp.path, entry), opts, counts)
    if not paras and opts.require_subtitles:
        reason = "no_subtitles" if sub is None else "empty_subtitles"
        counts[counters.skipped(reason)] += 1
        log.warning("%s: skipped (%s)", inp.path, reason)
        return
    frames, info, reason = _decode(inp.path, opts, [p.start_ms for p in paras], counts)
    if reason is not None or info is None:
        counts[counters.skipped(reason)] += 1
        log.warning("%s: skipped (%s)", inp.path, reason)
        return
    sink = _FrameSink(store_root)
    images = [_store_frame(sink, video_id, f) for f in frames]
    sink.flush()
    counts["video_frames_stored"] += len(images)
    counts["video_ms"] += info.duration_ms or 0
    timeline = [(f.time_ms, 0, node) for f, node in zip(frames, images)]
    timeline += [(p.start_ms, 1, TextNode(p.text)) for p in paras]
    timeline.sort(key=lambda item: (item[0], item[1]))
    yield _document(inp, video_id, entry, sub, sub_format, info, paras, [node for _, _, node in timeline], counts)


def _document(inp: InputFile, video_id: str, entry: ManifestEntry | None, sub: SubtitleFile | None,
              sub_format: str | None, info: VideoInfo, paras: list[Paragraph],
              nodes: list[TextNode | ImageNode], counts: Counter[str]) -> Document:
    counts["documents"] += 1
    return Document(
        id=make_doc_id("video", video_id),
        url=entry.url if entry else None,
        nodes=nodes,
        date=entry.date if entry else None,
        language=(entry.language if entry else None) or (sub.language if sub else None),
        title=entry.title if entry else None,
        source=Source(file=inp.path, format="video"),
        metadata={"video": {
            "video_id": video_id, "duration_ms": info.duration_ms, "width": info.width, "height": info.height,
            "fps": info.fps, "codec": info.codec, "subtitles": sub.path if sub else None, "subtitle_format": sub_format,
            "paragraph_times_ms": [[p.start_ms, p.end_ms] for p in paras],
        }},
    )
