"""Which rendition of an image to keep, when a page offers several (``src``, ``srcset``, ``<picture>``).

An image is the tuple of its candidate URLs, preferred first. The URLs are tried in this order:
those already stored fine, then those the crawl captured (the preferred one first: the best
captured), then the others as ranked; with HTTP off, only the first of the others (it ends as
``not_captured``). A permanent failure that another rendition may not share (404, 410, not an
image, undecodable, too large) moves on to the next URL; any other outcome ends the search, so a
retryable failure (a timeout) is tried again on the next run rather than replaced by a worse
rendition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Image = tuple[str, ...]  # candidate URLs, preferred first

FALL_BACK_ON = frozenset({
    "http_404", "http_410", "not_image", "svg", "undecodable", "too_many_pixels", "too_large", "capture_unreadable",
})


def attempt_order(image: Image, stored_ok: Callable[[str], bool], captured: Callable[[str], bool],
                  fetch_http: bool) -> list[str]:
    """The URLs of ``image`` in the order they are tried."""
    ranked = list(dict.fromkeys(image))
    first = [u for u in ranked if stored_ok(u)]
    first += [u for u in ranked if captured(u) and u not in first]
    rest = [u for u in ranked if u not in first]
    return first + (rest if fetch_http else rest[:1])


def next_attempt(attempts: list[str], pos: int, row: Mapping[str, Any] | None) -> int | None:
    """Where the search of an image goes after trying ``attempts[pos]`` and getting its store
    ``row``: the position of the next URL to try, or None when the search ends there."""
    failed_here = row is not None and row["status"] != "ok" and row.get("error") in FALL_BACK_ON
    return pos + 1 if failed_here and pos + 1 < len(attempts) else None


@dataclass
class _Search:
    attempts: list[str]
    pos: int = 0
    done: bool = False

    @property
    def url(self) -> str:
        return self.attempts[self.pos]


def choose(images: Iterable[Image], orders: Callable[[Image], list[str]],
           get: Callable[[list[str]], Mapping[str, dict[str, Any]]]) -> dict[Image, str]:
    """The URL each image ends with: ok, or the failure that ended its search.

    ``get(urls)`` obtains the URLs (fetching what the store lacks) and returns their store rows
    (``status``, ``error``); it is called once per round, each round trying the next URL of the
    images whose last try failed in a way another rendition may not share.
    """
    searches = {image: _Search(orders(image)) for image in images}
    while pending := [s for s in searches.values() if not s.done]:
        rows = get(sorted({s.url for s in pending}))
        for search in pending:
            following = next_attempt(search.attempts, search.pos, rows.get(search.url))
            if following is None:
                search.done = True
            else:
                search.pos = following
    return {image: search.url for image, search in searches.items()}
