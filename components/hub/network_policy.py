"""The hub's NetworkPolicy: who may reach the hub, and what the hub may reach."""

from typing import Any

from ..config.hub import PostgresDatabase
from ..labels import HUB, PROXY, SINGLEUSER, selector
from ..manifest import ApiFields
from ..network_policy import KUBERNETES_API_PORTS, dns_egress, pods, tcp
from ..plan.hub_spec import HubSpec


def hub_network_policy_spec(spec: HubSpec) -> ApiFields:
    """Ingress from the proxy and user servers to the hub port; egress to the proxy API, user servers,
    DNS, the Kubernetes API and HTTPS (OAuth providers), and the database when it is external."""
    hub_name, endpoints = spec.name, spec.endpoints
    egress: list[dict[str, Any]] = [
        {"to": [pods(hub_name, PROXY)], "ports": [tcp(endpoints.proxy_api_port)]},
        {"to": [pods(hub_name, SINGLEUSER)], "ports": [tcp(endpoints.singleuser_port)]},
        dns_egress(),
        # The API server's address is not known in advance (and differs per cluster): allow its ports.
        # 443 also serves OAuth providers' token and user endpoints.
        {"ports": [tcp(port) for port in KUBERNETES_API_PORTS]},
    ]
    database = spec.config.hub.database
    if isinstance(database, PostgresDatabase):
        egress.append({"ports": [tcp(database.port)]})
    return {
        "podSelector": {"matchLabels": selector(hub_name, HUB)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {"from": [pods(hub_name, PROXY), pods(hub_name, SINGLEUSER)], "ports": [tcp(endpoints.hub_port)]},
        ],
        "egress": egress,
    }
