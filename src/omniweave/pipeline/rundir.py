"""Where everything of a run lives (one home for every path)::

    out/
      run.json                      recipe, versions, start/end, executor
      corpus/                       the final documents: <task>-NNNNN.parquet
      stages/pass-NN/
        completions/<task>.json     task marker: its outputs and counts (written last)
        failed/<task>.json          the error of a task that failed (removed when it succeeds)
        logs/<task>.log
        dropped/<task>-NNNNN.parquet  dropped documents with step and reason (keep_dropped)
        dropped_paragraphs/<task>-NNNNN.parquet  text nodes removed from kept documents (keep_dropped)
        dropped_images/<task>-NNNNN.parquet  image nodes removed from kept documents (keep_dropped)
        shards/                     a pass's documents when a later pass reads them
        global/<step>/map|reduce/   a global step's per-task and reduced files
      images/warc_index/<task>.parquet  image records found in the input WARCs
      stats.json                    merged counts per step and reason
      report.html                   the data card
"""

from __future__ import annotations

from dataclasses import dataclass

import fsspec

from omniweave.io.output import filesystem


@dataclass
class RunDir:
    root: str

    def __post_init__(self) -> None:
        self.fs: fsspec.AbstractFileSystem
        self.fs, self.path = filesystem(self.root)

    def __getstate__(self) -> dict[str, str]:
        return {"root": self.root}

    def __setstate__(self, state: dict[str, str]) -> None:
        self.root = state["root"]
        self.__post_init__()

    def url(self, path: str) -> str:
        """A path of this run's filesystem as something ``fsspec.open`` takes anywhere."""
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        return path if protocol in ("file", "local") else self.fs.unstrip_protocol(path)

    def join(self, *parts: str) -> str:
        return "/".join([self.path, *parts])

    @property
    def run_json(self) -> str:
        return self.join("run.json")

    @property
    def stats_json(self) -> str:
        return self.join("stats.json")

    @property
    def report_html(self) -> str:
        return self.join("report.html")

    @property
    def corpus(self) -> str:
        return self.join("corpus")

    @property
    def all_dropped(self) -> str:
        """``dropped`` of every pass (a glob pattern)."""
        return self.stage_glob("dropped")

    @property
    def all_dropped_paragraphs(self) -> str:
        """``dropped_paragraphs`` of every pass (a glob pattern)."""
        return self.stage_glob("dropped_paragraphs")

    @property
    def all_dropped_images(self) -> str:
        """``dropped_images`` of every pass (a glob pattern)."""
        return self.stage_glob("dropped_images")

    def stage_glob(self, *parts: str) -> str:
        return self.join("stages", "*", *parts)

    def parquet_files(self, folder: str) -> list[str]:
        """The Parquet files in ``folder`` (a path of this run; may hold ``*``), sorted, hidden ones left out."""
        return sorted(p for p in self.fs.glob(f"{folder}/*.parquet") if not p.rsplit("/", 1)[-1].startswith("."))

    @property
    def image_store(self) -> str:
        """Default home of the image store (``images`` step's ``store_dir`` overrides it)."""
        return self.url(self.join("images", "store"))

    @property
    def warc_image_index(self) -> str:
        return self.join("images", "warc_index")

    def stage(self, pass_index: int, *parts: str) -> str:
        return self.join("stages", f"pass-{pass_index:02d}", *parts)

    def shards(self, pass_index: int, last: bool) -> str:
        return self.corpus if last else self.stage(pass_index, "shards")

    def completion(self, pass_index: int, task_id: str) -> str:
        return self.stage(pass_index, "completions", f"{task_id}.json")

    def failure(self, pass_index: int, task_id: str) -> str:
        return self.stage(pass_index, "failed", f"{task_id}.json")

    def log(self, pass_index: int, task_id: str) -> str:
        return self.stage(pass_index, "logs", f"{task_id}.log")

    def dropped(self, pass_index: int) -> str:
        return self.stage(pass_index, "dropped")

    def dropped_paragraphs(self, pass_index: int) -> str:
        return self.stage(pass_index, "dropped_paragraphs")

    def dropped_images(self, pass_index: int) -> str:
        return self.stage(pass_index, "dropped_images")

    def global_map(self, pass_index: int, label: str) -> str:
        return self.stage(pass_index, "global", label, "map")

    def global_reduce(self, pass_index: int, label: str) -> str:
        return self.stage(pass_index, "global", label, "reduce")
