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
from typing import Annotated
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from pydantic import AfterValidator

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(OSError):
    """A request went (or would go) to a refused scheme or address."""


NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the IPv4 is the last 32 bits
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215 local-use prefix
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (6to4, Teredo server and client, NAT64,
    IPv4-compatible); a packet to it may end up at one of them."""
    found = []
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in NAT64_LOCAL or (ip in IPV4_COMPATIBLE and int(ip) > 0xFFFF):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def parse_network(value: str) -> str:
    """``value`` when it names an IP network (``10.0.0.0/8``, ``127.0.0.1``, ``::1/128``); raises
    ValueError otherwise (a recipe field validator for ``allow_networks``)."""
    try:
        ipaddress.ip_network(value, strict=False)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not an IP network (e.g. 127.0.0.1/32 or 10.0.0.0/8)") from None
    return value


Network = Annotated[str, AfterValidator(parse_network)]  # a recipe field: an IP network, checked


class AddressPolicy:
    """Which addresses a request may reach: public unicast ones, plus the allow-listed networks.

    An IPv4-mapped or NAT64 address is judged as the IPv4 address it stands for; one that embeds
    an IPv4 address (6to4, Teredo, IPv4-compatible) is refused unless that address is allowed too.
    """

    def __init__(self, allow_networks: Iterable[str] = ()) -> None:
        self.allow = [ipaddress.ip_network(parse_network(n), strict=False) for n in allow_networks]

    def allowed(self, address: str | IPAddress) -> bool:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.ipv4_mapped is not None:
                ip = ip.ipv4_mapped
            elif ip in NAT64_WELL_KNOWN:
                ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            elif not all(self.allowed(v4) for v4 in embedded_ipv4(ip)):
                return False
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
