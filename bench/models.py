"""Throughput of the model steps' encoders: images/s and texts/s of random-weight CLIP models.

Sizes: ``tiny`` (the tests' model) and ``vit-b-32`` (the layer sizes of OpenAI's ViT-B/32, random
weights). Images are real files from ``../shared/data/images`` (decoded from bytes each time, as the
``clip_score`` step does: decode + preprocess + forward); texts are paragraphs of real pages from
``../shared/data/html/wcxb-dev-subset`` (tokenise + forward, cut at 77 tokens). Runs on the CPU, and
on CUDA (float16) when torch sees a GPU. Random weights: the figures are speed only, never quality.

    python bench/models.py [--sizes tiny vit-b-32] [--images 64] [--texts 256] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from omniweave.annotate.clip import ClipEncoder
from omniweave.annotate.imagebytes import decode_rgb
from omniweave.annotate.random_models import save_random_clip
from omniweave.annotate.runtime import batched

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def real_images(data: Path, n: int) -> list[bytes]:
    """Bytes of ``n`` decodable images (photos and web images, repeated if needed)."""
    paths = sorted((data / "images/scikit-image-samples").glob("*.png")) + sorted(
        (data / "images/web-images-from-warcs").glob("*.jpg"))
    out: list[bytes] = []
    for p in paths:
        try:
            decode_rgb(p.read_bytes(), 32)
        except Exception as exc:  # noqa: BLE001 (the shared data holds broken samples on purpose)
            print(f"skipped {p.name}: {exc}")
            continue
        out.append(p.read_bytes())
    return [out[i % len(out)] for i in range(n)]


def real_texts(data: Path, n: int) -> list[str]:
    texts: list[str] = []
    for path in sorted((data / "html/wcxb-dev-subset/ground-truth").glob("*.json")):
        texts += [p for p in json.loads(path.read_text())["ground_truth"]["main_content"].split("\n\n") if p.strip()]
        if len(texts) >= n:
            break
    return texts[:n]


def measure(enc: ClipEncoder, images: list[bytes], texts: list[str], batch: int,
            pool: ThreadPoolExecutor | None) -> tuple[float, float]:
    def run_images() -> None:  # what clip_score does per batch: decode + preprocess (threads), forward
        for chunk in batched(images, batch):
            enc.encode_pixels(np.stack(enc.prepare_many(chunk, pool)))  # type: ignore[arg-type]

    def run_texts() -> None:
        for chunk in batched(texts, batch * 4):
            enc.encode_texts(chunk)

    rates = []
    for work, n in ((run_images, len(images)), (run_texts, len(texts))):
        enc.encode_images([decode_rgb(images[0], enc.image_side)]), enc.encode_texts(texts[:2])  # warm-up
        sync = enc.torch.cuda.synchronize if enc.device.type == "cuda" else (lambda: None)
        sync()
        start = time.perf_counter()
        work()
        sync()
        rates.append(n / (time.perf_counter() - start))
    return rates[0], rates[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["tiny", "vit-b-32"], choices=["tiny", "vit-b-32"])
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--texts", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--data", type=Path, default=DATA, help="the shared data folder")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--decode-threads", type=int, default=4, help="as clip_score's decode_threads")
    args = ap.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    images, texts = real_images(args.data, args.images), real_texts(args.data, args.texts)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
          + (f", GPU: {torch.cuda.get_device_name(0)}" if "cuda" in devices else ", no GPU"))
    print(f"{len(images)} images, {len(texts)} texts, batch {args.batch_size}, {args.decode_threads} decode threads")
    pool = ThreadPoolExecutor(args.decode_threads) if args.decode_threads > 1 else None
    print(f"{'size':<10} {'device':<6} {'dtype':<8} {'images/s':>10} {'texts/s':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = save_random_clip(Path(tmp) / size, size)
            for device in devices:
                enc = ClipEncoder(str(path), device=device)  # type: ignore[arg-type]
                ips, tps = measure(enc, images, texts, args.batch_size, pool)
                dtype = str(enc.dtype).removeprefix("torch.")
                print(f"{size:<10} {device:<6} {dtype:<8} {ips:>10.1f} {tps:>10.1f}", flush=True)
                del enc


if __name__ == "__main__":
    main()
