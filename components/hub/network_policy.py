"""The hub's NetworkPolicy: who may reach the hub, and what the hub may reach."""

from typing import Any

from ..config.hub import PostgresDatabase
from ..labels import HUB, PROXY, SINGLEUSER, selector
from ..manifest import ApiFields
from ..network_policy import cidr_peers, dns_egress, kubernetes_api_egress, pods, public_internet_peer, tcp
from ..plan.hub_spec import HubSpec


def hub_network_policy_spec(spec: HubSpec) -> ApiFields:
    """Ingress from the proxy and user servers to the hub port; egress to the proxy API, user servers,
    the cluster's DNS, the Kubernetes API server, public HTTPS (OAuth providers), the networks the stack
    allows the hub, and the database's port when it is external."""
    hub_name, endpoints = spec.name, spec.endpoints
    egress: list[dict[str, Any]] = [
        {"to": [pods(hub_name, PROXY)], "ports": [tcp(endpoints.proxy_api_port)]},
        {"to": [pods(hub_name, SINGLEUSER)], "ports": [tcp(endpoints.singleuser_port)]},
        dns_egress(),
        kubernetes_api_egress(spec.addresses),  # KubeSpawner
        {"to": [public_internet_peer(spec.addresses)], "ports": [tcp(443)]},  # OAuth providers' endpoints
    ]
    allowed = spec.config.hub.network.allowed_cidrs
    if allowed:
        egress.append({"to": cidr_peers(allowed, spec.addresses)})
    database = spec.config.hub.database
    if isinstance(database, PostgresDatabase):
        # The database's host may be a name: its address is not known in advance.
        egress.append({"ports": [tcp(database.port)]})
    return {
        "podSelector": {"matchLabels": selector(hub_name, HUB)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {"from": [pods(hub_name, PROXY), pods(hub_name, SINGLEUSER)], "ports": [tcp(endpoints.hub_port)]},
        ],
        "egress": egress,
    }
