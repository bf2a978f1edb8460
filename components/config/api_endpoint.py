"""Who may reach a cloud cluster's Kubernetes API: the rule GKE's and EKS's endpoint settings share.

The API is closed to the internet unless the stack lists who may reach it; `apiFromAnyAddress: true` is the
explicit opt-in for every address (authentication still applies, but every scanner of the internet can then
probe the API server)."""

import ipaddress
from collections.abc import Sequence

from .base import NestedValueError

ANY_ADDRESS_OPT_IN = "apiFromAnyAddress"
"""The key that opts in to an API reachable from every address."""


def reaches_every_address(cidr: str) -> bool:
    """Whether a range is the whole address space (`0.0.0.0/0`, `::/0`)."""
    return ipaddress.ip_network(cidr, strict=False).prefixlen == 0


def check_allow_list(
    cidrs: Sequence[str], *, any_address: bool, key: tuple[str, ...], closed_elsewise: str, where: Sequence[str] = ()
) -> None:
    """Refuse an allow-list that opens the API to every address without the opt-in, and an empty one
    that would leave the public endpoint open. `key` is the list's path, `where` the path of each item's
    range below its index (e.g. `("cidr",)`), `closed_elsewise` how else to keep the API closed."""
    if any_address:
        return
    for index, cidr in enumerate(cidrs):
        if reaches_every_address(cidr):
            raise NestedValueError(
                (*key, index, *where),
                f"{cidr} opens the Kubernetes API to every address: list the campus, VPN and CI networks, "
                f"or set {ANY_ADDRESS_OPT_IN}: true to mean it",
            )
    if not cidrs:
        raise NestedValueError(
            key,
            "the Kubernetes API would be open to every address: list the networks that run `pulumi up` and "
            f"kubectl (campus, VPN, CI runners), {closed_elsewise}, or set {ANY_ADDRESS_OPT_IN}: true to mean it",
        )
