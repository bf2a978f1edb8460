"""The HTTPS front's NetworkPolicy: users from anywhere to HTTP and HTTPS; out to the proxy, the ACME
server and the Kubernetes API server (where the certificate Secret lives)."""

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from ..config.cluster_addresses import LINK_LOCAL_IPV4, ClusterAddresses, ipv4_only
from ..endpoints import Endpoints
from ..labels import AUTOHTTPS, PROXY, selector
from ..manifest import ApiFields
from ..network_policy import dns_egress, kubernetes_api_egress, pods, public_internet_peer, tcp

LETS_ENCRYPT_HOST_SUFFIX = ".api.letsencrypt.org"
"""Let's Encrypt's ACME hosts (production and staging), on public addresses."""


def acme_egress(acme_server: str, addresses: ClusterAddresses) -> dict[str, Any]:
    """The ACME server's port: at public addresses for Let's Encrypt; at its address when the URL names one;
    for another server behind a name (a campus CA, often at a private address) at any address but the
    link-local ones and the cluster's own."""
    url = urlsplit(acme_server)
    host, port = url.hostname or "", url.port or 443
    try:
        peer = {"ipBlock": {"cidr": str(ipaddress.ip_network(ipaddress.ip_address(host)))}}
    except ValueError:
        if host.endswith(LETS_ENCRYPT_HOST_SUFFIX):
            peer = public_internet_peer(addresses)
        else:
            closed = [LINK_LOCAL_IPV4, *(str(network) for network in ipv4_only(addresses.internal))]
            peer = {"ipBlock": {"cidr": "0.0.0.0/0", "except": closed}}
    return {"to": [peer], "ports": [tcp(port)]}


def autohttps_network_policy_spec(
    hub_name: str, endpoints: Endpoints, acme_server: str, addresses: ClusterAddresses
) -> ApiFields:
    """Ingress: anyone to the http and https ports. Egress: the proxy's http port, the cluster's DNS, the
    API server and the ACME server."""
    return {
        "podSelector": {"matchLabels": selector(hub_name, AUTOHTTPS)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"ports": [tcp(endpoints.autohttps_http_port), tcp(endpoints.autohttps_https_port)]}],
        "egress": [
            {"to": [pods(hub_name, PROXY)], "ports": [tcp(endpoints.proxy_http_port)]},
            dns_egress(),
            kubernetes_api_egress(addresses),
            acme_egress(acme_server, addresses),
        ],
    }
