"""Write the sample video source that examples/video.yaml reads: videos made here with PyAV, and subtitles.

Everything is authored by this script: four short videos of synthetic scenes (known cut points),
their subtitles in the formats the reader accepts (WebVTT with tags and voices, a rolling
auto-caption WebVTT, SRT with a bad timestamp, json3 auto-captions with word timings), a
``videos.jsonl`` manifest for three of them, and one broken video file (a counted skip).

    python examples/make_sample_video.py [OUT_DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from omniweave.video.synth import Scene, write_video
from omniweave.video.synth_subtitles import rolling_vtt

DEFAULT_OUT = Path(__file__).resolve().parent / "sample-video"
SIZE, FPS = (320, 180), 8

TIDE_POOLS_VTT = """WEBVTT
Kind: captions
Language: en

NOTE written for the omniweave sample

1
00:00:00.500 --> 00:00:04.000 align:start
<v Narrator>At low tide the rocks below the lighthouse turn into small aquariums.</v>

2
00:00:04.000 --> 00:00:08.500
<v Narrator>Each pool keeps its own crowd of <i>anemones</i>, hermit crabs and periwinkles.</v>

3
00:00:08.200 --> 00:00:09.000
[waves crashing]

4
00:00:11.000 --> 00:00:15.000
<v Guide>Move slowly &amp; put every stone back where you found it.</v>

5
00:00:15.000 --> 00:00:19.000
<c.yellow>Whole families of animals live under a single stone.</c>

6
00:00:21.500 --> 00:00:25.500
Green anemones close into soft buttons when they are touched.
"""

LIGHTHOUSE_SRT = """1
00:00:00,400 --> 00:00:03,600
>> KEEPER: The lighthouse was built in 1871
on a ledge of dark granite.

2
00:00:03,600 --> 00:00:07,000
{\\an8}Its lamp burned whale oil for the first twenty years.

3
00:00:07,xx0 --> 00:00:08,000
This cue has a broken timestamp and is dropped.

4
00:00:10,500 --> 00:00:14,000
- The keeper climbed the hundred and twelve steps twice a night.
- (LAUGHS) Every night?

5
00:00:14,000 --> 00:00:18,500
<font color="#ffffff">Today the light is automatic and the keeper's house is a museum.</font>
"""


def _json3(lines: list[tuple[int, int, str]]) -> dict:
    events: list[dict] = [{"tStartMs": 0, "dDurationMs": 30_000, "id": 1, "wpWinPosId": 1, "wsWinStyleId": 1}]
    for start, end, text in lines:
        words = text.split()
        step = (end - start) // len(words)
        segs = [{"utf8": w if i == 0 else " " + w, **({"tOffsetMs": i * step} if i else {})} for i, w in enumerate(words)]
        events.append({"tStartMs": start, "dDurationMs": end - start, "wWinId": 1, "segs": segs})
        events.append({"tStartMs": end, "dDurationMs": 10, "wWinId": 1, "aAppend": 1, "segs": [{"utf8": "\n"}]})
    return {"wireMagic": "pb3", "events": events}


SOURDOUGH = [
    (300, 3300, "so a sourdough starter is really just flour and water"),
    (3300, 6000, "left out to collect wild yeast from the air"),
    (9000, 12500, "after about a week of feeding it smells pleasantly sour"),
    (12500, 15500, "and it doubles in size a few hours after each meal"),
    (18500, 22000, "then you mix the dough in the evening and fold it four times"),
]

ORCHARD = [
    (200, 3000, "welcome back to the orchard in early spring"),
    (3000, 6200, "the apple trees are pruned before the buds open"),
    (9500, 12800, "we cut out the branches that cross each other"),
    (12800, 16000, "so that light and air reach the middle of the tree"),
]


def main(out: Path = DEFAULT_OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    videos = {
        "tide-pools.mp4": [Scene(7, 11, True), Scene(8, 12, True), Scene(6, 13, True), Scene(6, 11)],
        "sourdough [sdXk3v9QaB1].webm": [Scene(8, 21, True), Scene(8, 22), Scene(8, 23, True)],
        "lighthouse.mkv": [Scene(9, 31), Scene(10, 32, True)],
        "orchard.mp4": [Scene(8, 41, True), Scene(9, 42, True)],
    }
    for name, scenes in videos.items():
        write_video(out / name, scenes, width=SIZE[0], height=SIZE[1], fps=FPS)
    (out / "tide-pools.en.vtt").write_text(TIDE_POOLS_VTT, encoding="utf-8")
    (out / "lighthouse.srt").write_text(LIGHTHOUSE_SRT, encoding="utf-8")
    (out / "orchard.en.vtt").write_text(rolling_vtt(ORCHARD), encoding="utf-8")
    (out / "sourdough [sdXk3v9QaB1].en.json3").write_text(json.dumps(_json3(SOURDOUGH)), encoding="utf-8")
    (out / "broken.mp4").write_bytes((out / "orchard.mp4").read_bytes()[:600])  # cut off before any frame
    (out / "broken.en.vtt").write_text(TIDE_POOLS_VTT, encoding="utf-8")
    manifest = [
        {"file": "tide-pools.mp4", "video_id": "tide-pools-01", "title": "A morning in the tide pools",
         "url": "https://video.omniweave.test/watch/tide-pools-01", "language": "en", "date": "2024-05-01"},
        {"file": "sourdough [sdXk3v9QaB1].webm", "title": "Baking a first loaf of sourdough",
         "url": "https://video.omniweave.test/watch/sdXk3v9QaB1", "language": "en"},
        {"file": "orchard.mp4", "video_id": "orchard-02", "title": "Pruning the orchard",
         "url": "https://video.omniweave.test/watch/orchard-02", "language": "en",
         "subtitles": ["orchard.en.vtt"]},
    ]
    (out / "videos.jsonl").write_text("".join(json.dumps(m) + "\n" for m in manifest), encoding="utf-8")
    print(f"wrote {len(videos) + 1} videos with subtitles and a manifest to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
