"""The NetworkPolicy of user servers (the pods KubeSpawner creates at run time)."""

from typing import Any

from ..labels import HUB, PROXY, SINGLEUSER, selector
from ..manifest import ApiFields
from ..network_policy import cidr_peers, dns_egress, pods, public_internet_peer, tcp
from ..plan.hub_spec import HubSpec


def singleuser_network_policy_spec(spec: HubSpec) -> ApiFields:
    """Ingress from the proxy and the hub only; egress to the hub, the cluster's DNS and, if allowed, the
    public internet and the allowed networks. Other users' servers, the cluster's nodes, pods and API server,
    private networks and the metadata servers stay unreachable."""
    hub_name, access, endpoints = spec.name, spec.config.singleuser.network, spec.endpoints
    egress: list[dict[str, Any]] = [
        {"to": [pods(hub_name, HUB)], "ports": [tcp(endpoints.hub_port)]},
        dns_egress(),
    ]
    if access.allow_public_internet:
        egress.append({"to": [public_internet_peer(spec.addresses)]})
    if access.allowed_cidrs:
        egress.append({"to": cidr_peers(access.allowed_cidrs, spec.addresses)})
    return {
        "podSelector": {"matchLabels": selector(hub_name, SINGLEUSER)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {"from": [pods(hub_name, PROXY), pods(hub_name, HUB)], "ports": [tcp(endpoints.singleuser_port)]},
        ],
        "egress": egress,
    }
