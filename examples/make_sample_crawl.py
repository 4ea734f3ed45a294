"""Write the sample crawl that README's demo runs on: a WARC of pages and images made here.

Everything in it is authored by this script: short articles (English and Chinese), pictures drawn
with Pillow, a navigation-only page, a copy of one article under a tracking URL, a near-copy of
another on a mirror site, a tracking pixel, a redirect and a 404, and a newsletter blurb in every article (site boilerplate). Image responses are included so the demo needs no network.

    python examples/make_sample_crawl.py [OUT.warc.gz]
"""

from __future__ import annotations

import io
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageDraw
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

SITE = "http://sample.omniweave.test"
DEFAULT_OUT = Path(__file__).resolve().parent / "sample-crawl" / "sample.warc.gz"
START = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)

ARTICLES = [
    {
        "slug": "tide-pools",
        "title": "A morning in the tide pools",
        "lang": "en",
        "paragraphs": [
            "At low tide the rocks below the lighthouse turn into a row of small aquariums. Each pool keeps its "
            "own crowd of anemones, hermit crabs and periwinkles until the sea comes back in the afternoon.",
            "The best time to visit is the hour before the lowest tide. Bring shoes with a firm grip, move slowly, "
            "and put every stone back exactly where you found it, because whole families of animals live under it.",
            "Green anemones close into soft buttons when they are touched. The purple ones stay open and wave "
            "their tentacles in the current, catching the tiny shrimp that drift past the edge of the pool.",
        ],
        "images": [("pool-overview", "Tide pools below the lighthouse at low tide", (640, 420), (40, 110, 160))],
    },
    {
        "slug": "sourdough",
        "title": "Baking a first loaf of sourdough",
        "lang": "en",
        "paragraphs": [
            "A sourdough starter is nothing more than flour and water left to collect wild yeast. After a week of "
            "daily feeding it smells pleasantly sour and doubles in size a few hours after each meal.",
            "Mix the dough in the evening, fold it four times during the first two hours, and leave it in a cool "
            "place overnight. The slow rise gives the bread its open crumb and a gentle tang.",
            "Bake the loaf in a heavy pot with the lid on for twenty minutes, then take the lid off so the crust "
            "can darken. Let it cool for an hour before cutting, or the inside will be gummy.",
        ],
        "images": [
            ("starter-jar", "A jar of bubbly starter on the counter", (480, 600), (200, 170, 120)),
            ("crumb", "The open crumb of the finished loaf", (720, 480), (230, 200, 150)),
        ],
    },
    {
        "slug": "night-sky",
        "title": "Finding the summer triangle",
        "lang": "en",
        "paragraphs": [
            "Three bright stars make the summer triangle easy to find, even from a city balcony. Vega is the "
            "brightest of them and sits almost straight overhead on July evenings.",
            "Follow the faint band of the Milky Way from Deneb down towards the horizon to find Altair, the "
            "third corner. On a dark night the band itself is bright enough to cast a soft glow.",
            "Binoculars show far more than the eye alone: the double star next to Vega splits into two points, "
            "and the dark lane in the Milky Way turns into a river of faint stars.",
        ],
        "images": [("triangle", "Sketch of the summer triangle", (600, 600), (20, 25, 70))],
    },
    {
        "slug": "tea-garden",
        "title": "山间茶园的一天",
        "lang": "zh",
        "paragraphs": [
            "清晨六点，山间的雾气还没有散去，采茶的人们已经背着竹篓走进了茶园。新发的嫩芽上挂着露水，在阳光下闪闪发亮。",
            "采下的鲜叶要在当天摊晾、杀青、揉捻和烘干。每一道工序都靠经验掌握火候，稍有不慎，茶叶的香气就会大打折扣。",
            "傍晚时分，新茶的清香弥漫在整个村子里。老师傅泡上一壶今年的头茶，汤色嫩绿明亮，入口鲜爽，回味甘甜。",
            "他说，好茶离不开好山好水，更离不开人的耐心。从一片嫩芽到一杯清茶，要经过几十道细致的工夫，急不得，也省不得。",
        ],
        "images": [("tea-rows", "雾中的茶园", (640, 400), (60, 140, 70))],
    },
]


def draw_picture(size: tuple[int, int], colour: tuple[int, int, int], seed: int) -> bytes:
    """A simple picture: a sky-to-ground gradient with a few shapes, as JPEG bytes."""
    width, height = size
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = tuple(min(255, c + (y * 90) // height) for c in colour)
        draw.line([(0, y), (width, y)], fill=shade)
    for k in range(4):
        x = (seed * 97 + k * 131) % max(1, width - 80)
        y = (seed * 53 + k * 71) % max(1, height - 80)
        draw.ellipse([x, y, x + 40 + 10 * k, y + 40 + 10 * k], fill=(255 - colour[0], 220, 90 + 30 * k))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def pixel_gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1, 1), (255, 255, 255)).save(out, "GIF")
    return out.getvalue()


NAV = '<nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/archive">Archive</a></nav>'
# site boilerplate inside every article (what domain_repeated_paragraphs removes)
LETTER = ("<p>Sample Notes sends one short letter a month with new walks, recipes and star charts, and "
          "nothing else; write to the editors to receive it.</p>")
FOOTER = '<footer><p>© Sample Notes. <a href="/privacy">Privacy</a> · <a href="/cookies">Cookies</a></p></footer>'


def article_html(article: dict, image_base: str = "") -> str:
    body = []
    for i, paragraph in enumerate(article["paragraphs"]):
        body.append(f"<p>{paragraph}</p>")
        if i < len(article["images"]):
            name, caption, (w, h), _ = article["images"][i]
            body.append(
                f'<figure><img src="{image_base}/img/{name}.jpg" alt="{caption}" width="{w}" height="{h}">'
                f"<figcaption>{caption}</figcaption></figure>"
            )
    charset = '<meta charset="utf-8">'
    return (
        f'<!DOCTYPE html><html lang="{article["lang"]}"><head>{charset}<title>{article["title"]}</title></head>'
        f"<body>{NAV}<article><h1>{article['title']}</h1>{''.join(body)}"
        f'<img src="/pixel.gif" width="1" height="1" alt="">{LETTER}</article>{FOOTER}</body></html>'
    )


def index_html() -> str:
    links = "".join(f'<li><a href="/{a["slug"]}.html">{a["title"]}</a></li>' for a in ARTICLES)
    return f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sample Notes</title></head><body>{NAV}<ul>{links}</ul>{FOOTER}</body></html>'


def write_response(writer: WARCWriter, url: str, body: bytes, content_type: str, date: datetime, status: str = "200 OK") -> None:
    http = StatusAndHeaders(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
    record = writer.create_warc_record(
        url, "response", payload=io.BytesIO(body), http_headers=http,
        warc_headers_dict={"WARC-Date": date.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    writer.write_record(record)


def make_sample_crawl(out: Path = DEFAULT_OUT) -> Path:
    """Write the sample WARC (deterministic content) and return its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    clock = iter(START + timedelta(minutes=m) for m in range(1000))
    with open(out, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        write_response(writer, f"{SITE}/", index_html().encode(), "text/html; charset=utf-8", next(clock))
        for seed, article in enumerate(ARTICLES):
            html = article_html(article).encode("utf-8")
            write_response(writer, f"{SITE}/{article['slug']}.html", html, "text/html; charset=utf-8", next(clock))
            for name, _, size, colour in article["images"]:
                write_response(writer, f"{SITE}/img/{name}.jpg", draw_picture(size, colour, seed), "image/jpeg", next(clock))
        # the same article again under a tracking URL, captured later: exact dedup keeps this newer one
        write_response(writer, f"{SITE}/tide-pools.html?utm_source=feed", article_html(ARTICLES[0]).encode(),
                       "text/html; charset=utf-8", next(clock))
        # a mirror of another article with two words changed and the original's images: a near-duplicate
        mirrored = dict(ARTICLES[1], paragraphs=[ARTICLES[1]["paragraphs"][0].replace("a week", "seven days"),
                                                 *ARTICLES[1]["paragraphs"][1:]])
        write_response(writer, "http://mirror.omniweave.test/recipes/sourdough", article_html(mirrored, SITE).encode(),
                       "text/html; charset=utf-8", next(clock))
        write_response(writer, f"{SITE}/pixel.gif", pixel_gif(), "image/gif", next(clock))
        write_response(writer, f"{SITE}/old-page", b"", "text/html", next(clock), status="301 Moved Permanently")
        write_response(writer, f"{SITE}/missing", b"<html><body>Not found</body></html>", "text/html", next(clock),
                       status="404 Not Found")
    return out


if __name__ == "__main__":
    path = make_sample_crawl(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
    print(f"wrote {path}")
