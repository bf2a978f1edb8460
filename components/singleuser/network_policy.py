"""The NetworkPolicy of user servers (the pods KubeSpawner creates at run time)."""

from typing import Any

from ..labels import HUB, PROXY, SINGLEUSER, selector
from ..manifest import ApiFields
from ..network_policy import dns_egress, pods, public_internet_peer, tcp
from ..plan.hub_spec import HubSpec


def singleuser_network_policy_spec(spec: HubSpec) -> ApiFields:
    """Ingress from the proxy and the hub only; egress to the hub, DNS and, if allowed, the public
    internet. Other users' servers, private networks and the metadata server stay unreachable."""
    hub_name, access, endpoints = spec.name, spec.config.singleuser.network, spec.endpoints
    egress: list[dict[str, Any]] = [
        {"to": [pods(hub_name, HUB)], "ports": [tcp(endpoints.hub_port)]},
        dns_egress(),
    ]
    if access.allow_public_internet:
        egress.append({"to": [public_internet_peer()]})
    if access.allowed_cidrs:
        egress.append({"to": [{"ipBlock": {"cidr": cidr}} for cidr in access.allowed_cidrs]})
    return {
        "podSelector": {"matchLabels": selector(hub_name, SINGLEUSER)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {"from": [pods(hub_name, PROXY), pods(hub_name, HUB)], "ports": [tcp(endpoints.singleuser_port)]},
        ],
        "egress": egress,
    }
