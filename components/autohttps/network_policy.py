"""The HTTPS front's NetworkPolicy: users from anywhere to HTTP and HTTPS; out to the proxy, the ACME
server and the Kubernetes API (where the certificate Secret lives)."""

from urllib.parse import urlsplit

from ..endpoints import Endpoints
from ..labels import AUTOHTTPS, PROXY, selector
from ..manifest import ApiFields
from ..network_policy import KUBERNETES_API_PORTS, dns_egress, pods, tcp


def autohttps_network_policy_spec(hub_name: str, endpoints: Endpoints, acme_server: str) -> ApiFields:
    """Ingress: anyone to the http and https ports. Egress: the proxy's http port, DNS, and the ports of
    the API server and the ACME server (their addresses are not known in advance)."""
    acme_port = urlsplit(acme_server).port or 443
    return {
        "podSelector": {"matchLabels": selector(hub_name, AUTOHTTPS)},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"ports": [tcp(endpoints.autohttps_http_port), tcp(endpoints.autohttps_https_port)]}],
        "egress": [
            {"to": [pods(hub_name, PROXY)], "ports": [tcp(endpoints.proxy_http_port)]},
            dns_egress(),
            {"ports": [tcp(port) for port in sorted({*KUBERNETES_API_PORTS, acme_port})]},
        ],
    }
