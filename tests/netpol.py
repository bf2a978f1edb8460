"""Evaluate Kubernetes NetworkPolicies for a flow, following the API's semantics.

A flow from a source to a destination port is allowed when both sides allow it: the source's egress
(if any policy with Egress selects the source pod) and the destination's ingress (if any policy with
Ingress selects the destination pod). Endpoints outside the cluster are plain IP addresses.
"""

import ipaddress
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Pod:
    """A pod: namespace, labels, an IP (for ipBlock rules) and its named container ports."""

    namespace: str
    labels: dict[str, str]
    ip: str
    named_ports: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class External:
    """An address outside the cluster's pods (internet, metadata server, API server on a node)."""

    ip: str


Endpoint = Pod | External


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Whether a LabelSelector matches labels (an empty selector matches everything)."""
    if selector is None:
        return True
    for key, value in selector.get("matchLabels", {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _namespace_labels(namespace: str, namespaces: dict[str, dict[str, str]]) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": namespace, **namespaces.get(namespace, {})}


def _peer_matches(
    peer: dict[str, Any], policy_namespace: str, other: Endpoint, namespaces: dict[str, dict[str, str]]
) -> bool:
    if "ipBlock" in peer:
        block = peer["ipBlock"]
        address = ipaddress.ip_address(other.ip)
        if address not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(address in ipaddress.ip_network(cidr) for cidr in block.get("except", []))
    if not isinstance(other, Pod):
        return False
    if "namespaceSelector" in peer:
        if not selector_matches(peer["namespaceSelector"], _namespace_labels(other.namespace, namespaces)):
            return False
    elif other.namespace != policy_namespace:
        return False
    return selector_matches(peer.get("podSelector"), other.labels)


def _port_matches(ports: list[dict[str, Any]] | None, destination: Endpoint, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            if isinstance(destination, Pod) and destination.named_ports.get(wanted) == port:
                return True
            continue
        end = entry.get("endPort", wanted)
        if wanted <= port <= end:
            return True
    return False


def _direction_allows(
    policies: list[dict[str, Any]],
    pod: Pod,
    direction: str,
    other: Endpoint,
    destination: Endpoint,
    port: int,
    protocol: str,
    namespaces: dict[str, dict[str, str]],
) -> bool:
    policy_type, rules_key, peers_key = (
        ("Egress", "egress", "to") if direction == "egress" else ("Ingress", "ingress", "from")
    )
    selecting = [
        policy
        for policy in policies
        if policy["metadata"].get("namespace") == pod.namespace
        and policy_type in policy["spec"].get("policyTypes", ["Ingress"])
        and selector_matches(policy["spec"].get("podSelector", {}), pod.labels)
    ]
    if not selecting:
        return True  # no policy isolates this pod in this direction
    for policy in selecting:
        for rule in policy["spec"].get(rules_key, []):
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(peer, pod.namespace, other, namespaces) for peer in peers)
            if peer_ok and _port_matches(rule.get("ports"), destination, port, protocol):
                return True
    return False


def governs(policies: list[dict[str, Any]], pod: Endpoint, direction: str) -> bool:
    """Whether some policy selects `pod` for `direction` ("ingress" or "egress"): then its own rules decide
    that side of its flows, whatever the pods at the other end are allowed."""
    policy_type = "Egress" if direction == "egress" else "Ingress"
    return isinstance(pod, Pod) and any(
        policy["metadata"].get("namespace") == pod.namespace
        and policy_type in policy["spec"].get("policyTypes", ["Ingress"])
        and selector_matches(policy["spec"].get("podSelector", {}), pod.labels)
        for policy in policies
    )


def side_allows(
    policies: list[dict[str, Any]],
    direction: str,
    source: Endpoint,
    destination: Endpoint,
    port: int,
    protocol: str = "TCP",
) -> bool:
    """Whether one side alone lets the flow through: the source's egress rules ("egress") or the
    destination's ingress rules ("ingress"), as if the other end had no policy (a pod of a namespace the
    stack does not govern, a node, an attacker's pod)."""
    pod, other = (source, destination) if direction == "egress" else (destination, source)
    if not isinstance(pod, Pod):
        return True
    return _direction_allows(policies, pod, direction, other, destination, port, protocol, {})


def allowed(
    policies: list[dict[str, Any]],
    source: Endpoint,
    destination: Endpoint,
    port: int,
    protocol: str = "TCP",
    namespaces: dict[str, dict[str, str]] | None = None,
) -> bool:
    """Whether the NetworkPolicies let `source` open a connection to `destination:port`."""
    namespaces = namespaces or {}
    if isinstance(source, Pod) and not _direction_allows(
        policies, source, "egress", destination, destination, port, protocol, namespaces
    ):
        return False
    return not (
        isinstance(destination, Pod)
        and not _direction_allows(policies, destination, "ingress", source, destination, port, protocol, namespaces)
    )


def workload_pod(objects: list[dict[str, Any]], deployment: str, namespace: str, ip: str) -> Pod:
    """The pod a rendered Deployment makes: its template's labels and named container ports, at `ip`."""
    template = next(
        o["spec"]["template"]
        for o in objects
        if o["kind"] == "Deployment" and o["metadata"]["name"] == deployment and o["metadata"]["namespace"] == namespace
    )
    ports = {
        port["name"]: port["containerPort"]
        for container in template["spec"]["containers"]
        for port in container.get("ports", [])
        if "name" in port
    }
    return Pod(namespace, template["metadata"]["labels"], ip, ports)


def policies_of(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The NetworkPolicies among rendered objects."""
    return [o for o in objects if o["kind"] == "NetworkPolicy"]
