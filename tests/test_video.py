"""Video source: frame selection on synthetic videos with known cuts, the reader, skips, inputs, a pipeline run.

Every video is written here with PyAV (tiny: 64x48, 8 fps, a few seconds); scenes are seeded
pictures, so the frame expected at each moment is known.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from pathlib import Path

import pytest

av = pytest.importorskip("av")

import imagehash  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from PIL import Image  # noqa: E402

from omniweave.document import Document, ImageNode, TextNode, make_doc_id  # noqa: E402
from omniweave.layout import document_to_row, row_to_document
from omniweave.images.store import StoreReader, load_index  # noqa: E402
from omniweave.io.inputs import expand_inputs  # noqa: E402
from omniweave.io.output import filesystem  # noqa: E402
from omniweave.readers import read_input  # noqa: E402
from omniweave.pipeline.recipe import parse_recipe  # noqa: E402
from omniweave.run import run_recipe  # noqa: E402
from omniweave.video.frames import select_frames  # noqa: E402
from omniweave.pipeline.video_options import VideoOptions  # noqa: E402
from omniweave.video.synth import Scene, scene_image, write_video  # noqa: E402


def frames_of(path: Path, boundaries: list[int] = (), **opts) -> tuple[list[tuple[int, str, str]], Counter[str]]:
    """Frames selected from a video; every frame is decoded (skip_nonref off) unless asked, so times are exact."""
    opts.setdefault("skip_nonref", False)
    counts: Counter[str] = Counter()
    with av.open(str(path)) as container:
        got = [(f.time_ms, f.reason, f.phash) for f in
               select_frames(container, container.streams.video[0], VideoOptions(**opts), list(boundaries), counts)]
    return got, counts


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def seed_hash(seed: int) -> str:
    return str(imagehash.phash(Image.fromarray(scene_image(seed, 64, 48))))


def shows(phash: str, seed: int) -> bool:
    """A frame shows a scene's picture: of the pictures of seeds 1-10, that one is nearest by pHash
    (a moving square moves a frame's hash a little; different pictures are ~32 bits apart)."""
    return min(range(1, 11), key=lambda s: hamming(phash, seed_hash(s))) == seed


@pytest.mark.parametrize("suffix", [".mp4", ".webm", ".mkv"])
def test_frames_at_cuts_and_paragraphs_with_near_duplicates_dropped(tmp_path, suffix):
    # cuts at 2.0, 4.5 and 6.0 s; the last scene shows the first picture again
    video = write_video(tmp_path / f"v{suffix}", [Scene(2, 1), Scene(2.5, 2), Scene(1.5, 3), Scene(2, 1)])
    got, counts = frames_of(video, [3000, 3200, 7000], min_gap_ms=1000)
    assert [(t, r) for t, r, _ in got] == [(0, "start"), (2000, "scene"), (4500, "scene")]
    assert [shows(h, seed) for (_, _, h), seed in zip(got, (1, 2, 3))] == [True] * 3
    # 6.0 s: a cut back to the first picture; 3.0 s and 7.0 s: paragraph starts on unchanged pictures
    assert counts["scene_cuts"] == 3 and counts["frames_near_duplicate"] == 3 + 1
    assert counts["frames_decoded"] == 64 and counts["frames_analysed"] == 32


def test_motion_within_a_scene_is_not_a_cut_and_paragraph_frames_show_it(tmp_path):
    video = write_video(tmp_path / "m.mp4", [Scene(3, 5, motion=True), Scene(3, 6, motion=True)])
    got, counts = frames_of(video, [1500, 4200], min_gap_ms=1000)
    assert [(t, r) for t, r, _ in got] == [(0, "start"), (1500, "paragraph"), (3000, "scene"), (4250, "paragraph")]
    assert counts["scene_cuts"] == 1


def test_minimum_gap_delays_a_new_scene_and_never_crowds_frames(tmp_path):
    video = write_video(tmp_path / "g.mp4", [Scene(1, s) for s in range(1, 7)])  # a cut every second
    got, _ = frames_of(video, min_gap_ms=2000)
    assert [(t, r) for t, r, _ in got] == [(0, "start"), (2000, "scene"), (4000, "scene")]
    assert [shows(h, s) for (_, _, h), s in zip(got, (1, 3, 5))] == [True] * 3
    got, _ = frames_of(video, min_gap_ms=1500)  # the cut at 1 s waits until 1.5 s: the frame then shows scene 2
    assert [t for t, _, _ in got] == [0, 1500, 3000, 4500] and shows(got[1][2], 2)


def test_skipping_non_reference_frames_finds_the_same_scenes_a_little_later(tmp_path):
    scenes = [Scene(2, 1, motion=True), Scene(2.5, 2, motion=True), Scene(1.5, 3, motion=True), Scene(2, 4, motion=True)]
    video = write_video(tmp_path / "b.mp4", scenes)
    exact, all_counts = frames_of(video, min_gap_ms=1000)
    fast, ref_counts = frames_of(video, min_gap_ms=1000, skip_nonref=True)
    assert [t for t, _, _ in exact] == [0, 2000, 4500, 6000]
    assert [r for _, r, _ in fast] == [r for _, r, _ in exact]
    assert all(0 <= f[0] - e[0] <= 500 and shows(f[2], seed) for f, e, seed in zip(fast, exact, (1, 2, 3, 4)))
    assert ref_counts["frames_decoded"] < all_counts["frames_decoded"] == 64


def test_frames_are_streamed_and_decoding_stops_at_max_frames(tmp_path):
    video = write_video(tmp_path / "long.mp4", [Scene(1, s) for s in range(1, 11)])
    got, counts = frames_of(video, min_gap_ms=0, max_frames=3)
    assert [t for t, _, _ in got] == [0, 1000, 2000]
    assert counts["frames_decoded"] < 80 / 2 and counts["videos_at_max_frames"] == 1


VTT = """WEBVTT

00:00:00.500 --> 00:00:03.000
<v Guide>The harbour opens at <b>dawn</b>.</v>

00:00:02.800 --> 00:00:03.000
The harbour opens at dawn.

00:00:05.000 --> 00:00:07.000
[gulls] Boats leave before the fog lifts.
"""


def write_source(folder: Path, name: str = "harbour.mp4", subtitles: str = VTT, sub_name: str = "harbour.en.vtt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    video = write_video(folder / name, [Scene(4, 7), Scene(4, 8)])  # a cut at 4 s
    if subtitles:
        (folder / sub_name).write_text(subtitles, encoding="utf-8")
    return video


def read(video: Path, store: Path, counts: Counter[str] | None = None, **opts) -> list[Document]:
    [inp] = expand_inputs([str(video)])
    return list(read_input(inp, Counter() if counts is None else counts, max_html_bytes=1000,
                           video=VideoOptions(paragraph_gap_ms=1500, skip_nonref=False, **opts), image_store=str(store)))


def test_reader_interleaves_frames_and_paragraphs_and_stores_frames(tmp_path):
    video = write_source(tmp_path / "src")
    (tmp_path / "src" / "videos.jsonl").write_text(
        "not json\n" + json.dumps({"file": "harbour.mp4", "video_id": "hb-1", "title": "Harbour at dawn",
                                   "url": "https://v.example/hb-1", "language": "en", "date": "2024-03-01"}) + "\n")
    counts: Counter[str] = Counter()
    [doc] = read(video, tmp_path / "store", counts)
    assert doc.id == make_doc_id("video", "hb-1")
    assert (doc.title, doc.url, doc.language, doc.date.isoformat()) == (
        "Harbour at dawn", "https://v.example/hb-1", "en", "2024-03-01T00:00:00+00:00")
    # 5.0 s paragraph start is 1 s after the 4.0 s cut frame: within the 2 s gap, no frame of its own
    assert [(type(n).__name__, n.text if isinstance(n, TextNode) else n.extra["timestamp_ms"]) for n in doc.nodes] == [
        ("ImageNode", 0),
        ("TextNode", "The harbour opens at dawn."),
        ("ImageNode", 4000),
        ("TextNode", "Boats leave before the fog lifts."),
    ]
    assert doc.metadata["video"]["paragraph_times_ms"] == [[500, 3000], [5000, 7000]]
    assert counts["documents"] == 1 and counts["subtitle_repeated_cues"] == 1 and counts["video_frames_stored"] == 2

    store = str(tmp_path / "store")
    index = load_index(*filesystem(store))
    with StoreReader() as reader:
        for node, seed in zip(doc.images, (7, 8)):
            assert node.url == f"video://hb-1/frame/{node.extra['timestamp_ms']}"
            assert (node.width, node.height, node.format) == (64, 48, "JPEG")
            row = index[node.url]
            assert (row["status"], row["source"], row["shard"], row["member"]) == (
                "ok", "video", node.extra["store"]["shard"], node.extra["store"]["member"])
            data = reader.read(store, row["shard"], row["member"])
            assert hashlib.sha256(data).hexdigest() == node.sha256 == row["sha256"]
            assert shows(str(imagehash.phash(Image.open(io.BytesIO(data)))), seed)
    again = row_to_document(document_to_row(doc))
    assert again.nodes == doc.nodes and again.metadata == doc.metadata


def test_subtitles_found_by_name_and_language(tmp_path):
    folder = tmp_path / "yt"
    video = write_source(folder, "Harbour tour [abcDEF12345].mp4", VTT, "Harbour tour [abcDEF12345].en.vtt")
    srt = "1\n00:00:00,500 --> 00:00:02,000\nDer Hafen öffnet im Morgengrauen.\n"
    (folder / "Harbour tour [abcDEF12345].de.srt").write_text(srt, encoding="utf-8")
    (folder / "Harbour tour [abcDEF12345].info.json").write_text('{"id": "abcDEF12345"}')
    [doc] = read(video, tmp_path / "store")
    assert doc.id == make_doc_id("video", "abcDEF12345") and doc.language == "en"
    assert doc.texts[0].text == "The harbour opens at dawn."
    (folder / "videos.jsonl").write_text(json.dumps({"file": video.name, "language": "de"}) + "\n")
    [doc] = read(video, tmp_path / "store")
    assert doc.language == "de" and [t.text for t in doc.texts] == ["Der Hafen öffnet im Morgengrauen."]


def test_manifest_from_the_recipe_with_listed_subtitles(tmp_path):
    video = write_source(tmp_path / "videos", subtitles="")
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "any-name.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nListed in the manifest.\n")
    manifest = tmp_path / "meta" / "all.jsonl"
    manifest.parent.mkdir()
    manifest.write_text(json.dumps({"file": "../videos/harbour.mp4", "id": "m-7", "lang": "fr",
                                    "subtitles": "../subs/any-name.srt"}) + "\n")
    [doc] = read(video, tmp_path / "store", manifest=str(manifest))
    assert doc.id == make_doc_id("video", "m-7") and doc.language == "fr"
    assert [t.text for t in doc.texts] == ["Listed in the manifest."]
    assert [n.url for n in doc.images] == ["video://m-7/frame/0", "video://m-7/frame/4000"]


def test_unusable_videos_are_counted_skips(tmp_path):
    src = tmp_path / "src"
    good = write_source(src)
    cases: dict[str, Path] = {}
    (src / "broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x13" * 400)
    (src / "broken.en.vtt").write_text(VTT)
    cases["video_unreadable"] = src / "broken.mp4"
    (src / "cut.mp4").write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    (src / "cut.en.vtt").write_text(VTT)
    cases["cut"] = src / "cut.mp4"
    with av.open(str(src / "audio.mkv"), "w") as out:  # an audio-only file
        stream = out.add_stream("pcm_s16le", rate=8000)
        frame = av.AudioFrame(format="s16", layout="mono", samples=800)
        frame.sample_rate = 8000
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        out.mux(stream.encode(frame))
        out.mux(stream.encode())
    (src / "audio.en.vtt").write_text(VTT)
    cases["video_no_stream"] = src / "audio.mkv"
    write_source(src, "silent.mp4", subtitles="")
    cases["no_subtitles"] = src / "silent.mp4"
    write_source(src, "music.mp4", "WEBVTT\n\n00:00:01.000 --> 00:00:05.000\n[Music]\n\n00:06.000 --> 00:07.000\n♪ ♪\n",
                 "music.vtt")
    cases["empty_subtitles"] = src / "music.mp4"
    for reason, path in cases.items():
        counts: Counter[str] = Counter()
        assert read(path, tmp_path / "store", counts) == [], reason
        if reason == "cut":  # a file cut short: its index (moov) is missing or its frames are
            assert counts["skipped:video_unreadable"] + counts["skipped:video_decode_error"] == 1
        else:
            assert counts[f"skipped:{reason}"] == 1, (reason, counts)
    counts = Counter()
    too_long = read(good, tmp_path / "store", counts, max_duration_s=5)  # a video-length limit, not a timing
    assert too_long == [] and counts["skipped:video_too_long"] == 1
    [doc] = read(src / "silent.mp4", tmp_path / "store", require_subtitles=False)
    assert all(isinstance(n, ImageNode) for n in doc.nodes) and len(doc.nodes) == 2


def test_folder_inputs_are_the_videos_only(tmp_path):
    src = tmp_path / "src"
    write_source(src)
    (src / "harbour.en.json3").write_text('{"events": []}')
    (src / "harbour.srt").write_text("")
    (src / "videos.jsonl").write_text("")
    (src / "notes").write_text("no suffix")
    auto = expand_inputs([str(src)])
    assert [(Path(i.path).name, i.format) for i in auto] == [("harbour.mp4", "video")]
    explicit = expand_inputs([str(src)], "video")
    assert sorted(Path(i.path).name for i in explicit) == ["harbour.mp4", "notes"]


def test_pipeline_writes_interleaved_parquet_with_frames_from_the_store(tmp_path, http_server):
    src = tmp_path / "src"
    write_source(src)
    write_video(src / "tour.webm", [Scene(3, 9), Scene(3, 10)])
    (src / "tour.json").write_text(json.dumps({"segments": [{"start": 0, "end": 2, "text": "A tour of the harbour."},
                                                            {"start": 4, "end": 5.5, "text": "The old crane."}]}))
    (src / "tour.json3").write_text("{}")  # preferred by its suffix but not captions: counted, tour.json is used
    base = http_server(src)
    recipe = parse_recipe({
        "input": {"paths": [str(src / "harbour.mp4"), f"{base}/tour.webm"], "video": {"paragraph_gap_ms": 1500}},
        "output": {"dir": str(tmp_path / "out")},
        "steps": [{"text_length": {"min_chars": 10}}, {"images": {"sources": ["warc"], "filter": {"min_side": 32}}}],
        "executor": {"kind": "local", "workers": 1},
    })
    summary = run_recipe(recipe)
    assert summary.ok and summary.documents_out == 2
    rows = [r for f in sorted((tmp_path / "out" / "corpus").glob("*.parquet")) for r in pq.read_table(f).to_pylist()]
    docs = {row_to_document(r).source.file.rsplit("/", 1)[-1]: row_to_document(r) for r in rows}
    tour = docs["tour.webm"]
    assert [n.text if isinstance(n, TextNode) else n.url.rsplit("/", 1)[0] for n in tour.nodes] == [
        "video://tour/frame", "A tour of the harbour.", "video://tour/frame", "The old crane."]
    assert tour.images[0].extra["timestamp_ms"] == 0 and 3000 <= tour.images[1].extra["timestamp_ms"] < 3500
    assert all(n.extra["status"] == "ok" and n.extra["p_hash_dup_count"] == 1 for n in tour.images)
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    read_counts = stats["steps"]["read"] if "steps" in stats else stats["read"]
    assert read_counts["video_files"] == 2 and read_counts["subtitle_errors"] == 1
    images = stats["steps"]["images"] if "steps" in stats else stats["images"]
    assert images["reduce:already_stored"] == 4 and images["images_kept"] == 4
