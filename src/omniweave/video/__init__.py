"""Video sources: videos with their subtitles read as interleaved documents.

- :mod:`~omniweave.video.subtitles` parses WebVTT, SRT and JSON captions into timed cues;
- :mod:`~omniweave.video.text` cleans cues and merges them into sentences and paragraphs;
- :mod:`~omniweave.video.frames` streams a video with PyAV and selects keyframes;
- :mod:`~omniweave.video.sidecar` finds a video's subtitles and manifest entry;
- :mod:`~omniweave.video.reader` puts it together (frames into the image store, one document per video).

Only the reader, frames and synth modules need PyAV (the ``video`` extra); nothing is imported here.
"""
