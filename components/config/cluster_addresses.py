"""What the NetworkPolicies need to know of a cluster's addresses: its own ranges, which are never "the
internet" for user servers, and where its Kubernetes API server answers the pods that call it."""

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

PRIVATE_IPV4_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
"""RFC 1918."""
LINK_LOCAL_IPV4 = "169.254.0.0/16"

NOT_INTERNET_IPV4 = (
    "0.0.0.0/8",  # "this network"
    *PRIVATE_IPV4_RANGES,
    "100.64.0.0/10",  # shared address space (CGNAT), a common choice for pod ranges
    "127.0.0.0/8",  # loopback
    LINK_LOCAL_IPV4,  # cloud metadata servers, EKS Pod Identity, NodeLocal DNSCache
    "192.0.0.0/24",  # IETF protocol assignments
    "198.18.0.0/15",  # benchmarking
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved (GKE accepts it for pod ranges) and broadcast
)
"""IPv4 ranges that are not the public internet (IANA's special-purpose address registry, less the
documentation ranges, which route nowhere)."""

LINK_LOCAL = (LINK_LOCAL_IPV4, "fe80::/10", "fd00:ec2::/32")
"""Ranges no user server or allow-list may reach: IPv4 and IPv6 link-local and AWS's IPv6 range for the
instance metadata service (fd00:ec2::254) and its other node-local endpoints."""


@dataclass(frozen=True)
class ClusterAddresses:
    """A cluster's address ranges, as the stack knows them."""

    internal: tuple[str, ...]
    """The cluster's own ranges (nodes, pods, Services, control plane) as far as the stack knows them: never
    part of a "public internet" peer (they may be public addresses used privately), and cut out of any
    broader network a stack allows on purpose."""
    api_server: tuple[str, ...] | None
    """Where the API server answers pods (behind the `kubernetes` Service); None: at a public address not
    known in advance."""


def contained_in(network: str, ranges: Iterable[str]) -> list[str]:
    """The ranges strictly inside `network` (of its IP version)."""
    outer = ipaddress.ip_network(network, strict=False)
    inside = []
    for candidate in ranges:
        inner = ipaddress.ip_network(candidate, strict=False)
        if inner.version == outer.version and inner != outer and inner.subnet_of(outer):  # type: ignore[arg-type]
            inside.append(str(inner))
    return inside


def ipv4_only(ranges: Iterable[str]) -> list[ipaddress.IPv4Network]:
    """The IPv4 ones of some ranges (an IPv4 block's `except` may hold no other)."""
    networks = (ipaddress.ip_network(cidr, strict=False) for cidr in ranges)
    return [network for network in networks if isinstance(network, ipaddress.IPv4Network)]


def not_the_internet(internal: Iterable[str]) -> list[str]:
    """Every IPv4 range a "public internet" peer excludes: the special-purpose ones and the cluster's own,
    merged into the fewest blocks."""
    networks = ipv4_only([*NOT_INTERNET_IPV4, *internal])
    return [str(network) for network in ipaddress.collapse_addresses(networks)]


def overlaps_link_local(cidr: str) -> str | None:
    """The link-local range a network overlaps, if any."""
    network = ipaddress.ip_network(cidr, strict=False)
    for link_local in LINK_LOCAL:
        other = ipaddress.ip_network(link_local)
        if other.version == network.version and network.overlaps(other):  # type: ignore[arg-type]
            return link_local
    return None
