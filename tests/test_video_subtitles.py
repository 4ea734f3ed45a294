"""Subtitle parsing and cleaning: the usual trouble of real caption files (no video decoding here)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from omniweave.pipeline.video_options import VideoOptions
from omniweave.video.subtitles import parse_subtitles
from omniweave.video.synth_subtitles import rolling_vtt
from omniweave.video.text import clean_fragment, join_words, subtitle_paragraphs


def paragraphs(name: str, text: str, **opts: int) -> tuple[list[tuple[int, int, str]], Counter[str]]:
    counts: Counter[str] = Counter()
    paras = subtitle_paragraphs(parse_subtitles(name, text.encode()), VideoOptions(**opts), counts)
    return [(p.start_ms, p.end_ms, p.text) for p in paras], counts


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<v Ann>Hello <i>there</i></v>", "Hello there"),
        ("<v.loud Bob Smith>We <b>go</b> &amp; <u>see</u>", "We go & see"),
        (">> JOHN: we start now", "we start now"),
        ("- Are you coming?\n- DR. LEE: Yes.", "Are you coming? Yes."),
        ("{\\an8}<font color=\"#fff\">Top line</font>", "Top line"),
        ("[Music] ♪ la la ♪ (LAUGHS) (applause) ok", "la la ok"),
        ("Speaker 1: first\nSPEAKER_02: second", "first second"),
        ("Note: numbers (2019) stay, as does (see the map above)", "Note: numbers (2019) stay, as does (see the map above)"),
        ("so<00:00:01.000><c> we</c>", "so we"),
    ],
)
def test_clean_fragment(raw, clean):
    assert clean_fragment(raw) == clean


def test_cjk_words_join_without_spaces():
    assert join_words(["大家好", "今天", "we", "talk", "天气"]) == "大家好今天 we talk 天气"


VTT = """\ufeffWEBVTT - a title
Kind: captions

STYLE
::cue { color: yellow }

NOTE overlapping cues, a cue out of order, a cue ending before it starts, a broken timing line

intro
00:00:00.500 --> 00:00:03.000 align:start position:10%
<v Ann>Welcome to the <i>harbour</i> tour.</v>

00:00:02.500 --> 00:00:04.000
<v Ben>Thanks for having me.</v>

00:00:12.000 --> 00:00:14.000
This part starts after a long pause.

00:00:09.000 --> 00:00:08.000
[door slams] Out of order and backwards.

00:00:1x:00.000 --> 00:00:16.000
broken timing

just text without a timing line
"""


def test_vtt_overlaps_tags_order_and_bad_timestamps():
    paras, counts = paragraphs("talk.en.vtt", VTT)
    assert paras == [
        (500, 4000, "Welcome to the harbour tour. Thanks for having me."),
        (9000, 9000, "Out of order and backwards."),
        (12000, 14000, "This part starts after a long pause."),
    ]
    assert counts["bad_timing"] == 1 and counts["fixed_timing"] == 1 and counts["orphan_text"] == 1
    assert counts["cues"] == 4


SRT = """1
00:00:01,000 --> 00:00:03,500
>> REPORTER: The river rose
two metres overnight.

2
00:00:03,500 --> 00:00:06,000
<i>Roads near the bridge are closed.</i>

3
00:00:06,000 --> 00:00:06,000
Roads near the bridge are closed.

4
00:00:aa,000 --> 00:00:09,000
never shown

5
0:00:10.2 --> 0:00:12.0
Short hours and a dot before the milliseconds
"""


def test_srt_speaker_repeats_and_lenient_timestamps():
    paras, counts = paragraphs("news.srt", SRT)
    assert paras == [
        (1000, 6000, "The river rose two metres overnight. Roads near the bridge are closed."),
        (10200, 12000, "Short hours and a dot before the milliseconds"),
    ]
    assert counts["repeated_cues"] == 1 and counts["bad_timing"] == 1


def test_rolling_auto_captions_collapse_into_timed_paragraphs():
    lines = [
        (0, 2000, "so today we are going"),
        (2000, 4000, "to look at the tide pools"),
        (4000, 6000, "below the old lighthouse"),
        (9000, 11000, "first the anemones"),  # 3 s pause: a new paragraph; the upper line still repeats
        (11000, 13000, "they close when touched"),
    ]
    paras, counts = paragraphs("auto.en.vtt", rolling_vtt(lines))
    assert [p[2] for p in paras] == [
        "so today we are going to look at the tide pools below the old lighthouse",
        "first the anemones they close when touched",
    ]
    assert (paras[0][0], paras[1][0]) == (0, 9000)
    assert counts["repeated_cues"] == 5 and counts["rolling_words_removed"] == 5 + 6 + 4 + 3
    # the word timings come from the inline tags: "going" starts at 1600 ms
    subs = parse_subtitles("auto.en.vtt", rolling_vtt(lines).encode())
    assert subs.cues[0].timed_words and subs.cues[0].segments[-1] == (1600, "<c> going</c>")


def test_genuine_single_word_repeats_are_kept():
    text = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nI said no\n\n00:00:01.000 --> 00:00:02.000\nno more waiting\n"
    paras, _ = paragraphs("a.vtt", text)
    assert paras[0][2] == "I said no no more waiting"


def json3(events: list[dict]) -> str:
    return json.dumps({"wireMagic": "pb3", "events": [{"tStartMs": 0, "dDurationMs": 90000, "id": 1}, *events]})


def test_json3_word_timings_make_sentences_and_paragraphs():
    def event(start: int, words: list[str], step: int = 300) -> dict:
        segs = [{"utf8": (" " if i else "") + w, **({"tOffsetMs": i * step} if i else {})} for i, w in enumerate(words)]
        return {"tStartMs": start, "dDurationMs": step * len(words), "wWinId": 1, "segs": segs}

    events = [
        event(0, "hello and welcome".split()),
        {"tStartMs": 900, "dDurationMs": 10, "wWinId": 1, "aAppend": 1, "segs": [{"utf8": "\n"}]},
        event(1000, "to the show".split()),
        event(3000, "[Music]".split()),  # a sound tag alone: an empty cue
        event(3500, "after a pause".split()),  # 1.6 s after "show" ends: a new sentence, same paragraph
        event(7000, "new topic here".split()),  # 2.6 s later: a new paragraph
        {"tStartMs": "bad", "segs": [{"utf8": "x"}]},
    ]
    paras, counts = paragraphs("clip.en.json3", json3(events), sentence_gap_ms=1200, paragraph_gap_ms=2500)
    assert paras == [(0, 4400, "hello and welcome to the show after a pause"), (7000, 7900, "new topic here")]
    assert counts["bad_timing"] == 1 and counts["empty_cues"] == 1


def test_long_unpunctuated_speech_is_cut_by_length():
    words = " ".join(f"w{i}" for i in range(30))
    text = f"WEBVTT\n\n00:00:00.000 --> 00:01:00.000\n{words}\n"
    paras, _ = paragraphs("long.vtt", text, max_sentence_words=10, max_paragraph_ms=15000)
    assert [len(p[2].split()) for p in paras] == [10, 10, 10]
    assert [p[0] for p in paras] == [0, 20000, 40000]


def test_whisper_json_and_errors():
    data = {"segments": [
        {"start": 0.0, "end": 2.0, "text": " Hello world.", "words": [
            {"word": " Hello", "start": 0.0, "end": 0.5}, {"word": " world.", "start": 0.6, "end": 1.0}]},
        {"start": 2.0, "end": 3.5, "text": " No word timings here."},
        {"start": None, "end": 4.0, "text": "bad"},
    ]}
    paras, counts = paragraphs("talk.json", json.dumps(data))
    assert paras == [(0, 3500, "Hello world. No word timings here.")]
    assert counts["bad_timing"] == 1
    with pytest.raises(ValueError, match="events"):
        parse_subtitles("x.json", b'{"title": "not captions"}')
    with pytest.raises(ValueError):
        parse_subtitles("x.json", b"{not json")


def test_utf16_and_crlf_files():
    text = "WEBVTT\r\n\r\n00:00.000 --> 00:02.000\r\nCafé crème\r\n"
    subs = parse_subtitles("a.vtt", b"\xff\xfe" + text.encode("utf-16-le"))
    assert [(c.start_ms, c.end_ms, c.segments[0][1]) for c in subs.cues] == [(0, 2000, "Café crème")]
