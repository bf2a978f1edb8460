"""Wiring of the dev plan: selectors, references, URLs, tokens, placement and network flows (each
wiring check is shown to report every problem it can when the wiring is broken: tests/test_wiring_breakages.py)."""

import copy

import pytest

from components.network_policy import METADATA_SERVER

from .helpers import hub_settings
from .netpol import External, Pod, allowed, governs, policies_of, side_allows, workload_pod
from .wiring import (
    check_https_front_wiring,
    check_hub_proxy_wiring,
    check_placement,
    check_references,
    check_service_selectors,
)


@pytest.fixture
def objects(dev_plan):
    return copy.deepcopy(dev_plan.kubernetes_objects())


def test_dev_wiring_holds(objects, kind_nodes):
    assert check_service_selectors(objects) == []
    assert check_references(objects) == []
    assert check_hub_proxy_wiring(objects) == []
    assert check_https_front_wiring(objects) == []
    assert check_placement(objects, kind_nodes) == []


# --- Network flows ---------------------------------------------------------------------------------


def _pods(objects):
    namespace = "jupyterhub"
    settings = hub_settings(objects, namespace)
    user_labels = {
        **(settings.spawner.traits.common_labels or {}),
        "app.kubernetes.io/component": settings.spawner.traits.component_label,
    }

    return {
        "hub": workload_pod(objects, "hub", namespace, "10.244.1.10"),
        "proxy": workload_pod(objects, "proxy", namespace, "10.244.1.11"),
        "user": Pod(namespace, user_labels, "10.244.2.20"),
        "other-user": Pod(namespace, user_labels, "10.244.2.21"),
        "dns": Pod("kube-system", {"k8s-app": "kube-dns"}, "10.244.0.2"),
        "metrics-server": Pod("kube-system", {"k8s-app": "metrics-server"}, "10.244.0.3"),
        "other-hub": Pod("other-class", {"app.kubernetes.io/component": "hub"}, "10.244.3.3"),
    }


INTERNET = External("203.0.113.7")
API_SERVER = External("172.18.0.2")
METADATA = External(METADATA_SERVER.split("/")[0])
CAMPUS_DATABASE = External("10.20.0.5")
CGNAT_NODE = External("100.64.3.4")  # a node or pod on the shared range some clusters use for pods
POD_IDENTITY_AGENT = External("169.254.170.23")  # EKS Pod Identity: node credentials, not only 169.254.169.254
PRIVATE_DNS = External("10.20.0.53")

FLOWS = [
    # source, destination, port, protocol, allowed
    ("internet", "proxy", 8000, "TCP", True),
    ("internet", "proxy", 8001, "TCP", False),
    ("internet", "hub", 8081, "TCP", False),
    ("internet", "user", 8888, "TCP", False),
    ("proxy", "hub", 8081, "TCP", True),
    ("proxy", "user", 8888, "TCP", True),
    ("hub", "proxy", 8001, "TCP", True),
    ("hub", "user", 8888, "TCP", True),
    ("hub", "api-server", 6443, "TCP", True),
    ("hub", "api-server", 443, "TCP", True),
    ("user", "hub", 8081, "TCP", True),
    # Each flow on its port alone: a user server's other ports are closed to the proxy and the hub, and
    # the hub's other ports (a debugger, a metrics endpoint) to users.
    ("proxy", "user", 9000, "TCP", False),
    ("hub", "user", 9000, "TCP", False),
    ("user", "hub", 9000, "TCP", False),
    ("user", "proxy", 8001, "TCP", False),
    ("user", "other-user", 8888, "TCP", False),
    ("user", "metadata", 80, "TCP", False),
    ("user", "api-server", 6443, "TCP", False),
    ("user", "campus-database", 5432, "TCP", False),
    ("user", "internet", 443, "TCP", True),
    ("user", "other-hub", 8081, "TCP", False),
    ("proxy", "metadata", 80, "TCP", False),
    ("hub", "metadata", 80, "TCP", False),
    ("hub", "dns", 53, "UDP", True),
    ("proxy", "dns", 53, "UDP", True),
    ("user", "dns", 53, "UDP", True),
    ("user", "dns", 53, "TCP", True),
    # DNS is the cluster's DNS pods, nothing else answering on 53.
    ("user", "metrics-server", 53, "UDP", False),
    ("hub", "metrics-server", 53, "UDP", False),
    ("user", "private-dns", 53, "UDP", False),
    # The internet is public addresses only: not the shared range, not any link-local endpoint.
    ("user", "cgnat-node", 10250, "TCP", False),
    ("user", "pod-identity-agent", 80, "TCP", False),
    ("hub", "pod-identity-agent", 80, "TCP", False),
    # The hub reaches public HTTPS (OAuth providers), and the API server's ports only at its addresses.
    ("hub", "internet", 443, "TCP", True),
    ("hub", "internet", 6443, "TCP", False),
    ("hub", "internet", 80, "TCP", False),
    ("hub", "cgnat-node", 443, "TCP", False),
]


def _endpoints(objects):
    return {
        **_pods(objects),
        "internet": INTERNET,
        "api-server": API_SERVER,
        "metadata": METADATA,
        "campus-database": CAMPUS_DATABASE,
        "cgnat-node": CGNAT_NODE,
        "pod-identity-agent": POD_IDENTITY_AGENT,
        "private-dns": PRIVATE_DNS,
    }


@pytest.mark.parametrize(
    ("source", "destination", "port", "protocol", "expected"),
    FLOWS,
    ids=[f"{s}->{d}:{p}/{pr}" for s, d, p, pr, _ in FLOWS],
)
def test_network_policies_allow_exactly_the_needed_flows(objects, source, destination, port, protocol, expected):
    endpoints = _endpoints(objects)
    assert allowed(policies_of(objects), endpoints[source], endpoints[destination], port, protocol) is expected


DENIED = [(s, d, p, pr) for s, d, p, pr, expected in FLOWS if not expected]


@pytest.mark.parametrize(
    ("source", "destination", "port", "protocol"), DENIED, ids=[f"{s}->{d}:{p}/{pr}" for s, d, p, pr in DENIED]
)
def test_each_governed_pod_denies_its_own_side_of_every_denied_flow(objects, source, destination, port, protocol):
    """A denied flow stays denied when the other end has no policy of ours (a pod of another namespace or
    tenant, an attacker's pod): a user server's ingress alone refuses other users, the proxy's alone refuses
    user servers on its API, a user server's egress alone refuses the metadata server."""
    policies, endpoints = policies_of(objects), _endpoints(objects)
    sides = [
        direction
        for direction, pod in (("egress", source), ("ingress", destination))
        if governs(policies, endpoints[pod], direction)
    ]
    assert sides, "the stack governs neither end of this flow"
    for direction in sides:
        assert not side_allows(policies, direction, endpoints[source], endpoints[destination], port, protocol), (
            direction
        )


def test_the_evaluator_allows_everything_without_policies(objects):
    pods = _pods(objects)
    assert allowed([], pods["user"], METADATA, 80)
    assert allowed([], pods["user"], pods["other-user"], 8888)
