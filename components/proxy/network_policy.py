"""The proxy's NetworkPolicy: users from anywhere to the http port, only the hub to the API port."""

from typing import Any

from ..labels import AUTOHTTPS, HUB, PROXY, SINGLEUSER, selector
from ..manifest import ApiFields
from ..network_policy import dns_egress, pods, tcp
from ..plan.edge import CaddyFront, GkeIngress
from ..plan.hub_spec import HubSpec
from .deployment import public_ports
from .gke_ingress import GOOGLE_FRONT_ENDS


def proxy_network_policy_spec(spec: HubSpec) -> ApiFields:
    """Ingress: anyone to the public port(s) (only the HTTPS front behind a Caddy front; only Google's
    load balancers behind a GKE Ingress), the hub to api. Egress: the hub, user servers and DNS."""
    hub_name, endpoints = spec.name, spec.endpoints
    users: dict[str, Any] = {"ports": [tcp(port) for port in public_ports(endpoints, spec.edge).values()]}
    if isinstance(spec.edge, CaddyFront):
        users["from"] = [pods(hub_name, AUTOHTTPS)]
    elif isinstance(spec.edge, GkeIngress):
        users["from"] = [{"ipBlock": {"cidr": cidr}} for cidr in GOOGLE_FRONT_ENDS]
    return {
        "podSelector": {"matchLabels": selector(hub_name, PROXY)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            users,
            {"from": [pods(hub_name, HUB)], "ports": [tcp(endpoints.proxy_api_port)]},
        ],
        "egress": [
            {"to": [pods(hub_name, HUB)], "ports": [tcp(endpoints.hub_port)]},
            {"to": [pods(hub_name, SINGLEUSER)], "ports": [tcp(endpoints.singleuser_port)]},
            dns_egress(),
        ],
    }
