"""SSRF guard: only http(s), and only public addresses unless the recipe allow-lists a network.

The check runs on the address actually connected to: :class:`GuardedResolver` filters what DNS
returns (so a name that resolves to ``127.0.0.1`` or ``169.254.169.254`` is refused), and
:meth:`AddressPolicy.check_url` refuses IP-literal hosts, which aiohttp connects to without
resolving. The fetcher calls ``check_url`` for the first request and for every redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """A request went (or would go) to a refused scheme or address."""


class AddressPolicy:
    """Which addresses a request may reach: public unicast ones, plus the allow-listed networks."""

    def __init__(self, allow_networks: Iterable[str] = ()) -> None:
        self.allow = [ipaddress.ip_network(n, strict=False) for n in allow_networks]

    def allowed(self, address: str | IPAddress) -> bool:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if any(ip in net for net in self.allow):
            return True
        return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)

    def check_url(self, url: str) -> None:
        """Raise :class:`BlockedAddress` for a non-http(s) URL or a refused IP-literal host."""
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError as exc:
            raise BlockedAddress(f"malformed URL: {exc}") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise BlockedAddress(f"scheme {parts.scheme!r} refused")
        if not host:
            raise BlockedAddress("URL without host")
        try:
            ip = ipaddress.ip_address(host.strip("[]"))
        except ValueError:
            return  # a name: checked by GuardedResolver once resolved
        if not self.allowed(ip):
            raise BlockedAddress(f"address {ip} refused")


class GuardedResolver(AbstractResolver):
    """A resolver that drops refused addresses and fails when none is left."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self.inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self.inner.resolve(host, port, family)
        kept = [r for r in results if self.policy.allowed(r["host"])]
        if not kept:
            refused = ", ".join(sorted({r["host"] for r in results}))
            raise BlockedAddress(f"{host} resolves only to refused addresses ({refused})")
        return kept

    async def close(self) -> None:
        await self.inner.close()
