"""robots.txt per host, fetched once and cached (RFC 9309 semantics).

A 2xx file is parsed; any other 4xx means no restriction; a 5xx, 429 or an unreachable host
means "disallow everything for now" (the URL's failure is retryable on a later run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

RobotsGetter = Callable[[str], Awaitable[tuple[int, bytes] | None]]


def _base(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


class RobotsCache:
    """``await allowed(url)``: True, False, or None when robots.txt could not be obtained."""

    def __init__(self, user_agent: str, getter: RobotsGetter) -> None:
        self.user_agent, self.getter = user_agent, getter
        self._rules: dict[str, asyncio.Task[RobotFileParser | bool | None]] = {}

    async def _load(self, base: str) -> RobotFileParser | bool | None:
        got = await self.getter(base)
        if got is None:
            return None
        status, body = got
        if status >= 300:
            return True  # 4xx (and a redirect we did not resolve): no rules
        parser = RobotFileParser()
        parser.parse(body.decode("utf-8", "replace").splitlines())
        return parser

    async def allowed(self, url: str) -> bool | None:
        base = _base(url)
        task = self._rules.get(base)
        if task is None:
            task = self._rules[base] = asyncio.ensure_future(self._load(base))
        rules = await task
        if rules is None or isinstance(rules, bool):
            return rules
        return rules.can_fetch(self.user_agent, url)
