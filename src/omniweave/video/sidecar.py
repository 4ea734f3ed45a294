"""What lies beside a video: its manifest entry and its subtitle files.

Manifest: JSON Lines, one object per video (``input.video.manifest`` in the recipe, else a
``videos.jsonl`` in the video's folder)::

    {"file": "talk.mp4", "video_id": "abc123", "title": "...", "url": "https://...",
     "language": "en", "date": "2024-05-01", "subtitles": ["talk.en.vtt"]}

``file`` (required) and ``subtitles`` (a name or a list; optional) are relative to the manifest's
folder unless absolute. ``id`` is accepted for ``video_id`` and ``lang`` for ``language``.

Without listed subtitles, the files beside the video named ``<stem>.<suffix>`` or
``<stem>.<tag>.<suffix>`` (suffix ``.vtt``, ``.srt``, ``.json3`` or ``.json``; the tag is usually a
language, as yt-dlp writes them) are candidates: the wanted language first, then by suffix in that
order, then by name. ``<stem>.info.json`` is not a subtitle file.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import fsspec
from fsspec.core import url_to_fs

from omniweave.video.subtitles import SUBTITLE_SUFFIXES

log = logging.getLogger(__name__)

MANIFEST_NAME = "videos.jsonl"
_LANG_TAG = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_YT_ID = re.compile(r"\[([A-Za-z0-9_-]{6,})\]$")


@dataclass
class ManifestEntry:
    file: str  # as resolved against the manifest's folder
    video_id: str | None = None
    title: str | None = None
    url: str | None = None
    language: str | None = None
    date: datetime | None = None
    subtitles: list[str] = field(default_factory=list)


@dataclass
class SubtitleFile:
    path: str
    language: str | None


def split_path(path: str) -> tuple[str, str]:
    """(folder, name) of a local path or URL."""
    folder, _, name = path.rstrip("/").rpartition("/")
    return folder, name


def resolve(folder: str, rel: str) -> str:
    """``rel`` against ``folder`` (kept as is when absolute or a URL); ``.``/``..`` segments folded."""
    if "://" in rel or rel.startswith("/"):
        return rel
    proto, sep, rest = folder.partition("://") if "://" in folder else ("", "", folder)
    parts: list[str] = []
    for seg in f"{rest}/{rel}".split("/"):
        if seg == ".." and parts and parts[-1] not in ("", ".."):
            parts.pop()
        elif seg != "." and (seg or not parts):
            parts.append(seg)
    return proto + sep + "/".join(parts)


def _parse_date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        date = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)


def _entry(row: dict[str, Any], folder: str) -> ManifestEntry:
    subs = row.get("subtitles") or []
    subs = [subs] if isinstance(subs, str) else [s for s in subs if isinstance(s, str)]
    return ManifestEntry(
        file=resolve(folder, str(row["file"])), video_id=_text(row, "video_id", "id"), title=_text(row, "title"),
        url=_text(row, "url"), language=_text(row, "language", "lang"), date=_parse_date(row.get("date")),
        subtitles=[resolve(folder, s) for s in subs],
    )


def _text(row: dict[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` that the row sets, as a string."""
    return next((str(row[k]) for k in keys if row.get(k)), None)


@functools.lru_cache(maxsize=16)
def _load_manifest(path: str, _stamp: str) -> dict[str, ManifestEntry]:
    folder, _ = split_path(path)
    entries: dict[str, ManifestEntry] = {}
    with fsspec.open(path, "rt", encoding="utf-8", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                entry = _entry(row, folder)
            except (ValueError, KeyError, TypeError) as exc:
                log.warning("%s line %d: not a manifest row (needs an object with 'file'): %s", path, lineno, exc)
                continue
            entries[_key(entry.file)] = entry
    return entries


def _key(path: str) -> str:
    """A comparable form of a path: local paths absolute, URLs as they are."""
    path = path.removeprefix("file://")
    return path if "://" in path else os.path.abspath(path)


def manifest_entry(video_path: str, manifest: str | None) -> ManifestEntry | None:
    """The manifest row of a video (the recipe's manifest, else ``videos.jsonl`` beside it), if any."""
    path = manifest or resolve(split_path(video_path)[0], MANIFEST_NAME)
    fs, fs_path = url_to_fs(path)
    try:
        info = fs.info(fs_path)
    except FileNotFoundError:
        if manifest:
            raise ValueError(f"video manifest {manifest!r} not found") from None
        return None
    entries = _load_manifest(path, f"{info.get('size')}:{info.get('mtime') or info.get('LastModified')}")
    return entries.get(_key(video_path))


def video_id_of(video_path: str, entry: ManifestEntry | None) -> str:
    """The manifest's id, else a ``[id]`` at the end of the file stem (yt-dlp names), else the stem."""
    if entry and entry.video_id:
        return entry.video_id
    stem = split_path(video_path)[1].rsplit(".", 1)[0]
    m = _YT_ID.search(stem)
    return m.group(1) if m else stem


def _language_of(name: str, stem: str) -> str | None:
    tag, dot, _ = name[len(stem) + 1 :].rpartition(".")
    return tag if dot and _LANG_TAG.match(tag) else None


def find_subtitles(video_path: str, entry: ManifestEntry | None) -> list[SubtitleFile]:
    """Subtitle candidates of a video, best first (see the module docstring)."""
    if entry and entry.subtitles:
        return [SubtitleFile(p, entry.language) for p in entry.subtitles]
    folder, name = split_path(video_path)
    stem = name.rsplit(".", 1)[0]
    fs, fs_folder = url_to_fs(folder or ".")
    try:
        names = [split_path(p)[1] for p in fs.ls(fs_folder, detail=False)]
    except (FileNotFoundError, NotImplementedError, OSError):
        return []
    found = [
        n for n in names
        if n.startswith(stem + ".") and n.lower().endswith(SUBTITLE_SUFFIXES) and not n.lower().endswith(".info.json")
    ]
    wanted = (entry.language or "").lower().replace("_", "-") if entry else ""

    def rank(n: str) -> tuple[int, int, str]:
        lang = (_language_of(n, stem) or "").lower().replace("_", "-")
        match = bool(wanted) and (lang == wanted or lang.split("-")[0] == wanted.split("-")[0])
        suffix = next(i for i, s in enumerate(SUBTITLE_SUFFIXES) if n.lower().endswith(s))
        return (0 if match else 1, suffix, n)

    return [SubtitleFile(resolve(folder, n), _language_of(n, stem)) for n in sorted(found, key=rank)]
