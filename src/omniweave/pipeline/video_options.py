"""Recipe keys of video inputs (``input.video``); plain pydantic, so recipes validate without PyAV."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class VideoOptions(BaseModel):
    """How videos and their subtitles become documents (all keys optional)."""

    model_config = ConfigDict(extra="forbid")

    manifest: str | None = Field(None, description="JSONL manifest for all video inputs; default: videos.jsonl beside each video")
    require_subtitles: bool = Field(True, description="a video without usable subtitles is skipped (skipped:no_subtitles)")
    max_duration_s: float | None = Field(None, gt=0, description="longer videos are skipped (skipped:video_too_long)")
    # frame selection
    analysis_fps: float = Field(4.0, gt=0, description="frames per second compared for scene changes")
    skip_nonref: bool = Field(True, description="decode reference frames only (B-frames skipped): faster, times less even")
    scene_threshold: float = Field(0.12, gt=0, le=1, description="mean colour change (0..1) of a small thumbnail that is a cut")
    min_gap_ms: int = Field(2000, ge=0, description="selected frames are at least this far apart")
    phash_distance: int = Field(6, ge=-1, le=64, description="a frame within this many pHash bits of a kept one is dropped (-1: keep all)")
    max_frames: int = Field(64, gt=0, description="frames kept per video at most")
    paragraph_frames: bool = Field(True, description="also take a frame where each paragraph starts")
    frame_max_side: int = Field(768, gt=0, description="stored frames are scaled down to this longest side")
    jpeg_quality: int = Field(90, ge=1, le=100)
    # subtitle text
    sentence_gap_ms: int = Field(1200, ge=0, description="a pause this long ends a sentence (unpunctuated captions)")
    paragraph_gap_ms: int = Field(2500, ge=0, description="a pause this long between sentences starts a paragraph")
    max_paragraph_ms: int = Field(45_000, gt=0, description="a paragraph ends at the first sentence end past this length")
    max_sentence_words: int = Field(60, gt=0, description="an unpunctuated run is cut into sentences of this many words")
