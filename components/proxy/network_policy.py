"""The proxy's NetworkPolicy: users from anywhere to the http port, only the hub to the API port."""

from typing import Any

from ..endpoints import Endpoints
from ..labels import HUB, PROXY, SINGLEUSER, selector
from ..network_policy import dns_egress, pods, tcp


def proxy_network_policy_spec(hub_name: str, endpoints: Endpoints) -> dict[str, Any]:
    """Ingress: anyone to http, the hub to api. Egress: the hub, user servers and DNS."""
    return {
        "podSelector": {"matchLabels": selector(hub_name, PROXY)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {"ports": [tcp(endpoints.proxy_http_port)]},
            {"from": [pods(hub_name, HUB)], "ports": [tcp(endpoints.proxy_api_port)]},
        ],
        "egress": [
            {"to": [pods(hub_name, HUB)], "ports": [tcp(endpoints.hub_port)]},
            {"to": [pods(hub_name, SINGLEUSER)], "ports": [tcp(endpoints.singleuser_port)]},
            dns_egress(),
        ],
    }
