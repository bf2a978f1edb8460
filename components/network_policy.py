"""Pieces shared by the NetworkPolicies of the hub, the proxy and user servers.

Each component's policy selects its own pods and lists exactly the flows it needs; everything else is
denied once a policy selects a pod. Where policies are enforced (GKE Dataplane V2, EKS VPC CNI with
network policy, Calico, Cilium), this blocks the cloud metadata server without a privileged container.
"""

from typing import Any

from .labels import selector
from .manifest import ApiFields

METADATA_SERVER = "169.254.169.254/32"
PRIVATE_IPV4_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
LINK_LOCAL = "169.254.0.0/16"
"""Link-local addresses, which include the cloud metadata server."""
KUBERNETES_API_PORTS = (443, 6443)
"""The API server behind the `kubernetes` Service listens on 443 (managed clouds) or 6443 (kubeadm, kind)."""


def pods(hub_name: str, component: str) -> dict[str, Any]:
    """A peer: one component's pods of one hub (in the policy's own namespace)."""
    return {"podSelector": {"matchLabels": selector(hub_name, component)}}


def tcp(port: int | str) -> dict[str, Any]:
    """A TCP port entry."""
    return {"protocol": "TCP", "port": port}


def dns_egress() -> dict[str, Any]:
    """Name resolution: port 53 to cluster DNS (kube-system) and to private addresses (node-local caches)."""
    return {
        "to": [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}},
            *({"ipBlock": {"cidr": cidr}} for cidr in PRIVATE_IPV4_RANGES),
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def public_internet_peer() -> dict[str, Any]:
    """Every IPv4 address except private ranges and link-local ones (so not the metadata server)."""
    return {"ipBlock": {"cidr": "0.0.0.0/0", "except": [*PRIVATE_IPV4_RANGES, LINK_LOCAL]}}


DEFAULT_DENY_SPEC: ApiFields = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
"""A namespace's default: every pod selected, nothing allowed. The components' own policies add exactly their
flows; a pod no other policy selects (a future component, a pod someone starts by hand) reaches nothing
and is reached by nothing."""
