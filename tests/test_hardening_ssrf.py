"""SSRF: IPv6 addresses that carry an IPv4 address (6to4, Teredo, NAT64, IPv4-mapped and
-compatible) are judged by that IPv4 address too, in the policy and through the fetcher."""

from __future__ import annotations

import ipaddress

import pytest

from omniweave.images.fetch import FetchParams
from omniweave.images.partition import PartitionJob, run_partition
from omniweave.images.ssrf import AddressPolicy, BlockedAddress, embedded_ipv4
from omniweave.images.store import load_index
from omniweave.io.output import filesystem

REFUSED = {
    "2002:a9fe:a9fe::1": "6to4 of 169.254.169.254 (cloud metadata)",
    "2002:7f00:1::1": "6to4 of 127.0.0.1",
    "2002:0a00:0001::1": "6to4 of 10.0.0.1",
    "2002:c0a8:0101:1::1": "6to4 of 192.168.1.1",
    "2001:0:4136:e378:8000:63bf:80ff:fffe": "Teredo (client 127.0.0.1)",
    "64:ff9b::a9fe:a9fe": "NAT64 of 169.254.169.254",
    "64:ff9b::7f00:1": "NAT64 of 127.0.0.1",
    "64:ff9b:1::a00:1": "local-use NAT64 of 10.0.0.1",
    "::ffff:169.254.169.254": "IPv4-mapped",
    "::ffff:a9fe:a9fe": "IPv4-mapped, hex",
    "::169.254.169.254": "IPv4-compatible",
    "::127.0.0.1": "IPv4-compatible",
}
ALLOWED = {
    "2002:808:808::1": "6to4 of 8.8.8.8",
    "64:ff9b::808:808": "NAT64 of 8.8.8.8",
    "::ffff:8.8.8.8": "IPv4-mapped public",
    "2606:4700::1111": "plain public IPv6",
}


@pytest.mark.parametrize("address", sorted(REFUSED))
def test_embedded_private_ipv4_is_refused(address):
    policy = AddressPolicy()
    assert not policy.allowed(address), REFUSED[address]
    with pytest.raises(BlockedAddress, match="refused"):
        policy.check_url(f"http://[{address}]/a.png")


@pytest.mark.parametrize("address", sorted(ALLOWED))
def test_embedded_public_ipv4_is_allowed(address):
    assert AddressPolicy().allowed(address), ALLOWED[address]


def test_the_embedded_address_is_what_is_extracted():
    assert [str(a) for a in embedded_ipv4(ipaddress.IPv6Address("2002:a9fe:a9fe::1"))] == ["169.254.169.254"]


def test_allow_listing_the_ipv4_network_covers_its_mapped_and_nat64_forms():
    policy = AddressPolicy(["127.0.0.1/32"])
    assert policy.allowed("::ffff:127.0.0.1") and policy.allowed("64:ff9b::7f00:1")
    assert not policy.allowed("2002:a9fe:a9fe::1")


def test_the_fetcher_refuses_them_without_connecting(tmp_path):
    urls = [f"http://[{address}]/a.png" for address in sorted(REFUSED)]
    fast = dict(connect_timeout=0.5, read_timeout=0.5, total_timeout=0.5, retries=0)
    run_partition(PartitionJob(0, str(tmp_path), urls, fetch=FetchParams(**fast)))
    index = load_index(*filesystem(str(tmp_path)))
    assert {index[u]["error"] for u in urls} == {"blocked"}
