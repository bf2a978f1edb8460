"""Pieces shared by the NetworkPolicies of the hub, the proxy and user servers.

Each component's policy selects its own pods and lists exactly the flows it needs; everything else is
denied once a policy selects a pod. Where policies are enforced (GKE Dataplane V2, EKS VPC CNI with
network policy, Calico, Cilium), this blocks the cloud metadata server without a privileged container.
"""

from typing import Any

from .config.cluster_addresses import ClusterAddresses, contained_in, not_the_internet
from .labels import selector
from .manifest import ApiFields

METADATA_SERVER = "169.254.169.254/32"
KUBERNETES_API_PORTS = (443, 6443)
"""The API server behind the `kubernetes` Service listens on 443 (managed clouds) or 6443 (kubeadm, kind)."""
CLUSTER_DNS_PODS = {"k8s-app": "kube-dns"}
"""The label of the cluster's DNS pods in kube-system: kube-dns on GKE, CoreDNS on EKS, kind, k3s and minikube."""


def pods(hub_name: str, component: str) -> dict[str, Any]:
    """A peer: one component's pods of one hub (in the policy's own namespace)."""
    return {"podSelector": {"matchLabels": selector(hub_name, component)}}


def tcp(port: int | str) -> dict[str, Any]:
    """A TCP port entry."""
    return {"protocol": "TCP", "port": port}


def dns_egress() -> dict[str, Any]:
    """Name resolution: port 53 of the cluster's DNS pods, and of nothing else (not every kube-system pod,
    not a private host answering on 53)."""
    return {
        "to": [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": CLUSTER_DNS_PODS},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def public_internet_peer(addresses: ClusterAddresses) -> dict[str, Any]:
    """Every public IPv4 address: not the private, shared, loopback, link-local (metadata servers) or
    reserved ranges, and not the cluster's own."""
    return {"ipBlock": {"cidr": "0.0.0.0/0", "except": not_the_internet(addresses.internal)}}


def kubernetes_api_egress(addresses: ClusterAddresses) -> dict[str, Any]:
    """The API server's ports at its addresses (behind the `kubernetes` Service): the cluster's ranges where
    the stack knows them, public addresses where the endpoint is public."""
    peers = (
        [{"ipBlock": {"cidr": cidr}} for cidr in addresses.api_server]
        if addresses.api_server is not None
        else [public_internet_peer(addresses)]
    )
    return {"to": peers, "ports": [tcp(port) for port in KUBERNETES_API_PORTS]}


def cidr_peers(cidrs: list[str], addresses: ClusterAddresses) -> list[dict[str, Any]]:
    """Peers for networks a stack allows on purpose: each without the cluster's own ranges inside it (a
    campus `10.0.0.0/8` does not open the cluster's nodes in `10.0.0.0/16`); a network inside the cluster's
    ranges is taken as meant (e.g. a database in the cluster's VPC)."""
    peers = []
    for cidr in cidrs:
        inside = contained_in(cidr, addresses.internal)
        peers.append({"ipBlock": {"cidr": cidr, **({"except": inside} if inside else {})}})
    return peers


DEFAULT_DENY_SPEC: ApiFields = {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
"""A namespace's default: every pod selected, nothing allowed. The components' own policies add exactly their
flows; a pod no other policy selects (a future component, a pod someone starts by hand) reaches nothing
and is reached by nothing."""
