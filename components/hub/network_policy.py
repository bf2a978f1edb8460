"""The hub's NetworkPolicy: who may reach the hub, and what the hub may reach."""

import ipaddress
from typing import Any

from ..config.hub import PostgresDatabase
from ..labels import HUB, PROXY, SINGLEUSER, selector
from ..manifest import ApiFields
from ..network_policy import cidr_peers, dns_egress, kubernetes_api_egress, pods, public_internet_peer, tcp
from ..plan.hub_spec import HubSpec


def login_provider_egress(destinations: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """What the login provider needs beyond public HTTPS: its port (LDAP's 389 or 636, a GitLab on 8443),
    to its address when the stack gives one (any address when it is a name, which is resolved only at
    login). A provider on public HTTPS needs nothing more."""
    rules: list[dict[str, Any]] = []
    for host, port in destinations:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            address = None
        if port == 443 and (address is None or address.is_global):
            continue
        rule: dict[str, Any] = {"ports": [tcp(port)]}
        if address is not None:
            rule["to"] = [{"ipBlock": {"cidr": f"{address}/{address.max_prefixlen}"}}]
        rules.append(rule)
    return rules


def hub_network_policy_spec(spec: HubSpec) -> ApiFields:
    """Ingress from the proxy and user servers to the hub port; egress to the proxy API, user servers,
    the cluster's DNS, the Kubernetes API server, public HTTPS (OAuth providers), the login provider's port
    when it is another (LDAP), the networks the stack allows the hub, and the database's port when it is
    external."""
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
    egress += login_provider_egress(spec.config.hub.authenticator.destinations())
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
