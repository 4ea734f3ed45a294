"""Resolve a recipe's input paths (local paths, folders, globs, fsspec URLs) into input files."""

from __future__ import annotations

from dataclasses import dataclass, replace

import fsspec
from fsspec.core import url_to_fs

FORMATS = ("warc", "arc", "html", "parquet", "jsonl", "video")
_SUFFIXES = {
    "warc": (".warc", ".warc.gz", ".warc.zst", ".warc.lz4", ".wat", ".wat.gz", ".wet", ".wet.gz"),
    "arc": (".arc", ".arc.gz"),
    "html": (".html", ".htm", ".html.gz", ".htm.gz", ".xhtml"),
    "parquet": (".parquet",),
    "jsonl": (".jsonl", ".jsonl.gz", ".ndjson"),
    "video": (".mp4", ".webm", ".mkv"),
}
# files read beside videos (subtitles, manifests), never inputs of their own
_VIDEO_SIDECARS = (".vtt", ".srt", ".json", ".json3", ".jsonl")


class InputError(ValueError):
    """An input path matches nothing or names a file of unknown format."""


@dataclass(frozen=True)
class InputFile:
    path: str  # local path or fsspec URL, as fsspec.open takes it
    format: str
    size: int | None
    relpath: str  # path below the folder or glob root it was found under (for HTML document ids)
    start: int = 0  # a byte range of the file: the records that begin in [start, end)
    end: int | None = None

    @property
    def is_part(self) -> bool:
        return self.start > 0 or self.end is not None


def splittable(inp: InputFile) -> bool:
    """Whether a file can be cut into byte ranges: a gzip-per-record WARC (Common Crawl's), where
    a reader finds the next record from any offset (:func:`omniweave.io.warc.next_member`), a
    Parquet file (a range reads the row groups that begin in it) or an uncompressed JSONL file
    (a range reads the lines that begin in it)."""
    name = inp.path.lower().split("?", 1)[0]
    return ((inp.format == "warc" and name.endswith(".warc.gz")) or inp.format == "parquet"
            or (inp.format == "jsonl" and not name.endswith(".gz")))


def split_inputs(files: list[InputFile], split_bytes: int | None) -> list[InputFile]:
    """Each file larger than ``split_bytes`` that :func:`splittable` accepts as byte ranges of
    about that size (documents and their ids do not depend on the cut); other files whole."""
    out = []
    for f in files:
        if split_bytes is None or f.size is None or f.size <= split_bytes or not splittable(f):
            out.append(f)
            continue
        starts = range(0, f.size, split_bytes)
        out.extend(replace(f, start=a, end=a + split_bytes if a + split_bytes < f.size else None) for a in starts)
    return out


def format_of(path: str) -> str | None:
    """Input format from the file name; WAT/WET files are WARC containers too."""
    name = path.lower().split("?", 1)[0]
    for fmt, suffixes in _SUFFIXES.items():
        if name.endswith(suffixes):
            return fmt
    return None


def _protocol_prefix(fs: fsspec.AbstractFileSystem, original: str) -> str:
    return "" if "://" not in original else original.split("://", 1)[0] + "://"


def _folder_files(fs: fsspec.AbstractFileSystem, root: str, fmt: str) -> list[str]:
    """Files of a folder (recursively) to read: with ``format: auto``, only the rawest kind present
    (archives before videos before HTML before document files), so a manifest beside WARCs or
    subtitles beside videos are not read as input."""
    files = fs.find(root)
    if fmt == "video":
        return [p for p in files if format_of(p) == fmt or (format_of(p) is None and not p.lower().endswith(_VIDEO_SIDECARS))]
    if fmt != "auto":
        return [p for p in files if format_of(p) == fmt or format_of(p) is None]
    for kinds in (("warc", "arc"), ("video",), ("html",), ("parquet", "jsonl")):
        chosen = [p for p in files if format_of(p) in kinds]
        if chosen:
            return chosen
    return []


def expand_inputs(patterns: list[str], fmt: str = "auto") -> list[InputFile]:
    """Every input file the patterns name, sorted and without repeats.

    A folder is searched recursively for files of known formats; a glob keeps the files it
    matches; anything else must be an existing file (an http(s) URL is taken as given).
    """
    found: dict[str, InputFile] = {}
    for pattern in patterns:
        fs, root = url_to_fs(pattern)
        prefix = _protocol_prefix(fs, pattern)
        is_http = pattern.startswith(("http://", "https://"))
        if not is_http and any(ch in root for ch in "*?[") and not fs.isfile(root):  # "name [id].mp4" is a file
            base = root.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0].rsplit("/", 1)[0]
            matches = [(p, base) for p in fs.glob(root) if fs.isfile(p)]
        elif not is_http and fs.isdir(root):
            base = root.rstrip("/")
            matches = [(p, base) for p in _folder_files(fs, root, fmt)]
        else:
            if not is_http and not fs.exists(root):
                raise InputError(f"input {pattern!r}: no such file or folder")
            matches = [(root, root.rsplit("/", 1)[0])]
        if not matches:
            raise InputError(f"input {pattern!r} matches no files")
        for path, base in matches:
            file_fmt = fmt if fmt != "auto" else format_of(path)
            if file_fmt is None:
                raise InputError(
                    f"input {path!r}: unknown format (expected one of {', '.join(FORMATS)} by file "
                    "name; set input.format in the recipe)"
                )
            full = path if is_http else prefix + path if prefix and not path.startswith(prefix) else path
            size = None
            if not is_http:
                try:
                    size = fs.size(path)
                except (OSError, NotImplementedError):
                    size = None
            rel = path[len(base) :].lstrip("/") if path.startswith(base) else path.rsplit("/", 1)[-1]
            found.setdefault(full, InputFile(path=full, format=file_fmt, size=size, relpath=rel))
    return [found[k] for k in sorted(found)]
