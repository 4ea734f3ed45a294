"""Polite, bounded, SSRF-safe HTTP(S) fetching of image URLs with asyncio and aiohttp.

Limits: a global and a per-server number of requests in flight, a per-server request rate (a
server is the address a host name resolves to, so aliases of one server count together; each
name is resolved once), connect / read / total timeouts, a body size enforced while reading, a bounded number of redirects (each
hop re-checked by the SSRF guard and robots.txt). Only retryable failures are retried, with
exponential backoff: timeouts, connection errors, 408, 429 (honouring Retry-After) and 5xx.
A fetch never raises: every URL ends as a :class:`FetchResult` with bytes or an error code.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
from pydantic import Field

from omniweave.images.robots import RobotsCache
from omniweave.images.ssrf import AddressPolicy, BlockedAddress, GuardedResolver, Network
from omniweave.pipeline.step import StepParams

DEFAULT_USER_AGENT = "omniweave/0.1 (image fetcher; +https://github.com/omniweave)"


class FetchParams(StepParams):
    """Recipe keys of ``images.fetch``."""

    user_agent: str = DEFAULT_USER_AGENT
    concurrency: int = Field(64, gt=0, description="requests in flight in one partition")
    per_host_concurrency: int = Field(4, gt=0)
    per_host_rate: float = Field(10.0, gt=0, description="request starts per second and host")
    connect_timeout: float = Field(5.0, gt=0)
    read_timeout: float = Field(10.0, gt=0, description="longest wait for the next bytes")
    total_timeout: float = Field(30.0, gt=0, description="whole request, body included")
    max_bytes: int = Field(20_000_000, gt=0, description="bodies larger than this are abandoned")
    retries: int = Field(2, ge=0, description="extra attempts for retryable failures")
    backoff: float = Field(0.5, ge=0, description="first retry delay in seconds, doubled each time")
    max_retry_after: float = Field(60.0, ge=0, description="a longer Retry-After gives up (retryable)")
    max_redirects: int = Field(5, ge=0)
    robots_txt: bool = True
    x_robots_tag: bool = True
    allow_networks: list[Network] = Field(default_factory=list, description="e.g. 127.0.0.1/32 for tests")


@dataclass
class FetchResult:
    url: str
    data: bytes | None = None
    error: str | None = None  # short code, e.g. http_404, timeout, blocked, too_large
    detail: str | None = None
    retryable: bool = False
    http_status: int | None = None
    content_type: str | None = None
    final_url: str | None = None
    attempts: int = 0


class _Failure(Exception):
    def __init__(self, code: str, detail: str = "", retryable: bool = False, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code, self.detail, self.retryable = code, detail, retryable
        self.status, self.retry_after = status, retry_after


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


_TOKEN = re.compile(r"[a-z]+")


def x_robots_forbids(values: Iterable[str]) -> bool:
    """True when an X-Robots-Tag value says noai or noimageai (for any user agent: conservative)."""
    return any(t in ("noai", "noimageai") for v in values for t in _TOKEN.findall(v.lower()))


def host_key(url: str) -> str:
    """scheme://host:port, the unit of politeness and of robots.txt."""
    try:
        p = urlsplit(url)
        return f"{p.scheme.lower()}://{(p.hostname or '').lower()}:{p.port or (443 if p.scheme == 'https' else 80)}"
    except ValueError:
        return ""


class _Host:
    def __init__(self, concurrency: int) -> None:
        self.slots = asyncio.Semaphore(concurrency)
        self.lock = asyncio.Lock()
        self.next_start = 0.0


class Fetcher:
    """Fetches URLs under the limits of :class:`FetchParams`; use as ``async with``."""

    def __init__(self, params: FetchParams) -> None:
        self.p = params
        self.policy = AddressPolicy(params.allow_networks)
        self.robots = RobotsCache(params.user_agent.split("/", 1)[0].strip() or "*", self._get_robots)
        self._hosts: dict[str, _Host] = defaultdict(lambda: _Host(params.per_host_concurrency))
        self._servers: dict[str, asyncio.Task[str]] = {}  # host name -> its server (address)
        self._global = asyncio.Semaphore(params.concurrency)
        self.resolver = GuardedResolver(self.policy)
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Fetcher:
        connector = aiohttp.TCPConnector(resolver=self.resolver, limit=self.p.concurrency,
                                         limit_per_host=0, ttl_dns_cache=300)
        timeout = aiohttp.ClientTimeout(total=None, connect=self.p.connect_timeout, sock_read=self.p.read_timeout)
        self.session = aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False,
                                             headers={"User-Agent": self.p.user_agent, "Accept": "image/*,*/*;q=0.5"})
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def fetch(self, url: str) -> FetchResult:
        """One URL with retries; never raises."""
        attempts = 0
        while True:
            attempts += 1
            try:
                data, status, ctype, final = await self._attempt(url, robots=self.p.robots_txt)
                return FetchResult(url, data, http_status=status, content_type=ctype, final_url=final,
                                   attempts=attempts)
            except _Failure as f:
                failure = f
            delay = self.p.backoff * 2 ** (attempts - 1) * random.uniform(0.75, 1.25)
            wait_too_long = failure.retry_after is not None and failure.retry_after > self.p.max_retry_after
            delay = max(delay, failure.retry_after or 0.0)
            if not failure.retryable or attempts > self.p.retries or wait_too_long:
                return FetchResult(url, error=failure.code, detail=failure.detail[:300], retryable=failure.retryable,
                                   http_status=failure.status, attempts=attempts)
            await asyncio.sleep(delay)

    async def _attempt(self, url: str, robots: bool) -> tuple[bytes, int, str | None, str]:
        seen = {url}
        for _ in range(self.p.max_redirects + 1):
            try:
                self.policy.check_url(url)
            except BlockedAddress as exc:
                raise _Failure("blocked", str(exc)) from None
            if robots:
                verdict = await self.robots.allowed(url)
                if verdict is None:
                    raise _Failure("robots_unreachable", host_key(url), retryable=True)
                if not verdict:
                    raise _Failure("robots_disallowed", url)
            location = await self._request(url)
            if isinstance(location, tuple):
                return (*location, url)
            url = location
            if url in seen:
                raise _Failure("redirect_loop", url)
            seen.add(url)
        raise _Failure("too_many_redirects", url)

    async def server(self, url: str) -> str:
        """The unit of politeness of a URL: the (lowest IPv4, else IPv6) address its host resolves
        to, IPv4-mapped addresses as IPv4; the host name itself when it does not resolve."""
        try:
            name = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return host_key(url)
        task = self._servers.get(name)
        if task is None:
            task = self._servers[name] = asyncio.ensure_future(self._address(name))
        return await task

    async def _address(self, name: str) -> str:
        try:
            addresses = [ipaddress.ip_address(name.strip("[]"))]
        except ValueError:
            try:
                addresses = [ipaddress.ip_address(r["host"]) for r in await self.resolver.resolve(name)]
            except (OSError, ValueError):  # unknown or refused: the request itself fails and says why
                return name
        mapped = [a.ipv4_mapped or a if isinstance(a, ipaddress.IPv6Address) else a for a in addresses]
        return str(min(mapped, key=lambda a: (a.version, a)))

    async def _request(self, url: str, max_bytes: int | None = None) -> tuple[bytes, int, str | None] | str:
        """One request under the server and global limits: (body, status, content type) or a redirect target."""
        assert self.session is not None
        host = self._hosts[await self.server(url)]
        async with host.slots:
            async with host.lock:
                now = time.monotonic()
                wait = host.next_start - now
                host.next_start = max(now, host.next_start) + 1.0 / self.p.per_host_rate
            if wait > 0:
                await asyncio.sleep(wait)
            async with self._global:
                try:
                    async with asyncio.timeout(self.p.total_timeout):
                        return await self._send(url, max_bytes or self.p.max_bytes)
                except TimeoutError:
                    raise _Failure("timeout", url, retryable=True) from None
                except aiohttp.ClientConnectorDNSError as exc:
                    if isinstance(exc.os_error, BlockedAddress):
                        raise _Failure("blocked", str(exc.os_error)) from None
                    raise _Failure("dns_error", str(exc)) from None
                except aiohttp.InvalidURL as exc:
                    raise _Failure("invalid_url", str(exc)) from None
                except (aiohttp.ClientError, OSError) as exc:
                    raise _Failure("connection_error", f"{type(exc).__name__}: {exc}", retryable=True) from None

    async def _send(self, url: str, max_bytes: int) -> tuple[bytes, int, str | None] | str:
        assert self.session is not None
        async with self.session.get(url, allow_redirects=False) as resp:
            status = resp.status
            if status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
                return urljoin(url, resp.headers["Location"])
            if status == 429 or status == 503:
                raise _Failure(f"http_{status}", url, retryable=True, status=status,
                               retry_after=parse_retry_after(resp.headers.get("Retry-After")))
            if status >= 500 or status == 408:
                raise _Failure(f"http_{status}", url, retryable=True, status=status)
            if status != 200:
                raise _Failure(f"http_{status}", url, status=status)
            if self.p.x_robots_tag and x_robots_forbids(resp.headers.getall("X-Robots-Tag", [])):
                raise _Failure("x_robots_tag", ", ".join(resp.headers.getall("X-Robots-Tag")))
            declared = resp.content_length
            if declared is not None and declared > max_bytes:
                raise _Failure("too_large", f"Content-Length {declared}")
            chunks, size = [], 0
            async for chunk in resp.content.iter_chunked(65536):
                size += len(chunk)
                if size > max_bytes:
                    raise _Failure("too_large", f"over {max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks), status, resp.headers.get("Content-Type")

    async def _get_robots(self, base: str) -> tuple[int, bytes] | None:
        """(status, body) of ``base``/robots.txt; None when unreachable; raises when blocked."""
        url = base + "/robots.txt"
        for _ in range(self.p.max_redirects + 1):
            try:
                self.policy.check_url(url)
                got = await self._request(url, max_bytes=500_000)
            except BlockedAddress as exc:
                raise _Failure("blocked", str(exc)) from None
            except _Failure as f:
                if f.status is not None and f.status < 500 and f.status != 429:
                    return f.status, b""
                if f.code == "too_large":
                    return 200, b""  # no rules within the first 500 kB: treat as none
                if not f.retryable:
                    raise  # blocked, invalid URL, unknown host: the image URL fails the same way
                return None
            if isinstance(got, tuple):
                return got[1], got[0]
            url = got
        return None


async def fetch_all(urls: Iterable[str], params: FetchParams,
                    on_result: Callable[[FetchResult], Awaitable[None]]) -> None:
    """Fetch every URL, hosts interleaved, calling ``on_result`` as each one ends."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[host_key(url)].append(url)
    queues = list(by_host.values())
    order = [q[i] for i in range(max(map(len, queues), default=0)) for q in queues if i < len(q)]
    pending = iter(order)

    async with Fetcher(params) as fetcher:
        async def worker() -> None:
            for url in pending:  # a shared iterator: each URL goes to one worker
                await on_result(await fetcher.fetch(url))

        await asyncio.gather(*(worker() for _ in range(min(len(order), params.concurrency * 2))))
