"""``webdataset`` export: tar shards, one interleaved sample per document.

Every sample has the same two members, so both ``webdataset`` and ``datasets.load_dataset("webdataset")``
read it (Hugging Face requires one set of field names across samples):

- ``<id>.json``: the document's row in :data:`omniweave.layout.SCHEMA` (``omniweave.layout.row_to_document`` reads it back);
- ``<id>.images.mp``: a msgpack list with one entry per image of the document, in reading order (the
  k-th non-null entry of ``images``): the stored bytes, or None when the image store lacks them.

Hugging Face infers a sample's types from the first five samples, which may leave a field that is
null there untyped; :func:`hf_features` gives the exact types, and the ``README.md`` written beside the
shards carries them, so ``load_dataset(DEST)`` needs no inference.
"""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterable
from typing import IO, Any

import msgpack
import pyarrow as pa

from omniweave.document import Document, ImageNode
from omniweave.export.images import ImageStore
from omniweave.export.source import ExportResult
from omniweave.io.output import filesystem
from omniweave.layout import SCHEMA, document_to_row

IMAGES_FIELD = "images.mp"


class TarShards:
    """``shard-NNNNN.tar`` files of at most ``max_samples`` samples or about ``max_bytes`` bytes."""

    def __init__(self, dest: str, max_samples: int, max_bytes: int) -> None:
        self.fs, self.path = filesystem(dest)
        self.fs.makedirs(self.path, exist_ok=True)
        for stale in self.fs.glob(f"{self.path}/shard-*.tar"):
            self.fs.rm(stale)
        self.max_samples, self.max_bytes = max_samples, max_bytes
        self.files: list[str] = []
        self._fh: IO[bytes] | None = None
        self._tar: tarfile.TarFile | None = None
        self._tmp = ""
        self._samples = self._bytes = 0

    def add(self, members: list[tuple[str, bytes]]) -> None:
        if self._tar is None:
            self._tmp = f"{self.path}/.tmp-{uuid.uuid4().hex[:12]}.tar"
            self._fh = self.fs.open(self._tmp, "wb")
            self._tar = tarfile.open(fileobj=self._fh, mode="w", format=tarfile.USTAR_FORMAT)  # noqa: SIM115 (closed in close())
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            self._tar.addfile(info, io.BytesIO(data))
            self._bytes += len(data)
        self._samples += 1
        if self._samples >= self.max_samples or self._bytes >= self.max_bytes:
            self.close()

    def close(self) -> None:
        if self._tar is None or self._fh is None:
            return
        self._tar.close()
        self._fh.close()
        final = f"{self.path}/shard-{len(self.files):05d}.tar"
        self.fs.mv(self._tmp, final)
        self.files.append(final)
        self._fh = self._tar = None
        self._samples = self._bytes = 0


def sample_members(doc: Document, store: ImageStore, result: ExportResult) -> list[tuple[str, bytes]]:
    """The tar members of one document's sample: ``<id>.json`` and ``<id>.images.mp``."""
    images: list[bytes | None] = []
    for node in doc.nodes:
        if isinstance(node, ImageNode):
            data = store.get(node)
            result.counts["images"] += 1
            result.counts["images_without_bytes"] += data is None
            images.append(data)
    payload = json.dumps(document_to_row(doc), ensure_ascii=False, default=str).encode("utf-8")
    return [(f"{doc.id}.json", payload), (f"{doc.id}.{IMAGES_FIELD}", msgpack.packb(images, use_bin_type=True))]


def _json_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` as JSON holds it: timestamps become ISO strings."""
    def plain(t: pa.DataType) -> pa.DataType:
        if pa.types.is_timestamp(t):
            return pa.string()
        if pa.types.is_list(t):
            return pa.list_(plain(t.value_type))
        if pa.types.is_struct(t):
            return pa.struct([pa.field(f.name, plain(f.type)) for f in t])
        return t
    return pa.schema([pa.field(f.name, plain(f.type)) for f in schema])


def hf_features() -> Any:
    """The ``datasets.Features`` of a sample (``json``, ``images.mp`` as a list of images, key, shard)."""
    import datasets

    return datasets.Features({
        "json": datasets.Features.from_arrow_schema(_json_schema(SCHEMA)),
        IMAGES_FIELD: datasets.List(datasets.Image()),
        "__key__": datasets.Value("string"),
        "__url__": datasets.Value("string"),
    })


def _yaml_field(t: pa.DataType) -> dict[str, Any]:
    """An Arrow type as a dataset card's ``dataset_info.features`` entry spells it."""
    if pa.types.is_struct(t):
        return {"struct": [{"name": f.name, **_yaml_field(f.type)} for f in t]}
    if pa.types.is_list(t):
        inner = _yaml_field(t.value_type)
        return {"list": inner.get("dtype") or inner.get("struct") or inner}
    return {"dtype": {"double": "float64"}.get(str(t), str(t))}


def write_card(dest: str) -> None:
    """``README.md`` with the sample types, so ``datasets.load_dataset(dest)`` reads the shards typed."""
    import yaml

    header = {
        "configs": [{"config_name": "default", "data_files": "shard-*.tar"}],
        "dataset_info": {"features": [
            {"name": "json", "struct": [{"name": f.name, **_yaml_field(f.type)} for f in _json_schema(SCHEMA)]},
            {"name": IMAGES_FIELD, "list": "image"},
            {"name": "__key__", "dtype": "string"},
            {"name": "__url__", "dtype": "string"},
        ]},
    }
    body = ("# omniweave WebDataset export\n\nOne sample per document: `<id>.json` (the interleaved row) and "
            "`<id>.images.mp` (a msgpack list of the image bytes, one entry per image in reading order).\n")
    fs, path = filesystem(dest)
    with fs.open(f"{path}/README.md", "w", encoding="utf-8") as fh:
        fh.write("---\n" + yaml.safe_dump(header, sort_keys=False, allow_unicode=True) + "---\n" + body)


def export_webdataset(docs: Iterable[Document], dest: str, result: ExportResult, *, store: ImageStore,
                      max_samples: int = 1000, max_bytes: int = 1_000_000_000) -> None:
    shards = TarShards(dest, max_samples, max_bytes)
    for doc in docs:
        if "." in doc.id or "/" in doc.id:
            result.skipped["bad_id"] += 1
            continue
        shards.add(sample_members(doc, store, result))
        result.counts["texts"] += len(doc.texts)
    shards.close()
    write_card(dest)
    result.files = shards.files
