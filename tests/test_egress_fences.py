"""Egress fences on the cloud stacks, where the stack knows the cluster's ranges: user servers never reach
the cluster's own nodes, pods or API server, even through a broad allowed network; the hub and the HTTPS
front reach the API server's ports only at the API server; DNS is the cluster's DNS pods alone."""

from pathlib import Path

import pytest

from tools.plan import make_plan

from .helpers import hub_settings, plan_config
from .netpol import External, Pod, allowed, policies_of, workload_pod

INTERNET = External("203.0.113.7")


def _user(objects, namespace: str, ip: str) -> Pod:
    traits = hub_settings(objects, namespace).spawner.traits
    return Pod(namespace, {**(traits.common_labels or {}), "app.kubernetes.io/component": traits.component_label}, ip)


@pytest.fixture(scope="module")
def gke():
    return make_plan("physics-gke").kubernetes_objects()


@pytest.fixture(scope="module")
def eks():
    return make_plan("stats-dept-eks").kubernetes_objects()


# physics-gke: nodes 10.0.0.0/20, pods 10.16.0.0/14, Services 10.20.0.0/20, control plane 172.16.0.0/28.
GKE_FLOWS = [
    ("hub", "10.0.0.2", 443, True),  # the API server: Private Service Connect endpoint in the node subnet
    ("hub", "172.16.0.2", 443, True),  # the API server: the private endpoint
    ("hub", "192.168.7.7", 443, False),  # another private host is not the API server
    ("hub", "10.30.0.9", 6443, False),
    ("hub", "203.0.113.7", 443, True),  # GitHub's OAuth endpoints
    ("autohttps", "172.16.0.2", 443, True),
    ("autohttps", "192.168.7.7", 443, False),
    ("autohttps", "203.0.113.7", 443, True),  # Let's Encrypt
    ("autohttps", "203.0.113.7", 6443, False),
    ("user", "10.0.0.2", 10250, False),  # a kubelet
    ("user", "172.16.0.2", 443, False),
    ("user", "203.0.113.7", 443, True),
]


@pytest.mark.parametrize(
    ("source", "ip", "port", "expected"), GKE_FLOWS, ids=[f"{s}->{i}:{p}" for s, i, p, _ in GKE_FLOWS]
)
def test_gke_flows(gke, source, ip, port, expected):
    sources = {
        "hub": workload_pod(gke, "hub", "phys101", "10.16.1.10"),
        "autohttps": workload_pod(gke, "autohttps", "phys101", "10.16.1.12"),
        "user": _user(gke, "phys101", "10.16.2.20"),
    }
    assert allowed(policies_of(gke), sources[source], External(ip), port) is expected


# stats-dept-eks: the VPC is 10.40.0.0/16 (nodes, pods on the VPC CNI, the API server's interfaces).
EKS_FLOWS = [
    ("hub", "10.40.3.3", 443, True),  # the API server's interface in a private subnet
    ("hub", "10.50.0.1", 443, False),
    ("hub", "203.0.113.7", 443, True),
    ("hub", "203.0.113.7", 6443, False),
    ("user", "10.40.3.3", 443, False),
    ("user", "10.40.3.3", 10250, False),
    ("user", "203.0.113.7", 443, True),
]


@pytest.mark.parametrize(
    ("source", "ip", "port", "expected"), EKS_FLOWS, ids=[f"{s}->{i}:{p}" for s, i, p, _ in EKS_FLOWS]
)
def test_eks_flows(eks, source, ip, port, expected):
    namespace = "stat101"
    sources = {"hub": workload_pod(eks, "hub", namespace, "10.40.8.10"), "user": _user(eks, namespace, "10.40.9.20")}
    assert allowed(policies_of(eks), sources[source], External(ip), port) is expected


STATS_DEPT_EKS = (Path(__file__).resolve().parents[1] / "stacks" / "stats-dept-eks.yaml").read_text()
DEFAULT_SINGLEUSER = "    singleuser:\n      cpu: {guarantee: 500m"


def test_a_broad_allowed_network_leaves_the_cluster_closed_and_a_narrow_one_inside_it_open(tmp_path):
    """`allowedCidrs: [10.0.0.0/8]` (the campus) opens the campus but not the cluster's VPC inside it; a range
    listed inside the VPC (a database subnet) is meant, so it opens."""
    assert STATS_DEPT_EKS.count(DEFAULT_SINGLEUSER) == 1
    stack = STATS_DEPT_EKS.replace(
        DEFAULT_SINGLEUSER,
        "    singleuser:\n      network: {allowedCidrs: [10.0.0.0/8, 10.40.200.0/24]}\n      cpu: {guarantee: 500m",
    )
    objects = plan_config(tmp_path, stack, stack="campus").kubernetes_objects()
    user, policies = _user(objects, "stat101", "10.40.9.20"), policies_of(objects)
    assert allowed(policies, user, External("10.8.0.5"), 5432)  # the campus database
    assert not allowed(policies, user, External("10.40.3.3"), 10250)  # a node of the cluster
    assert allowed(policies, user, External("10.40.200.7"), 5432)  # the VPC's database subnet, listed


@pytest.mark.parametrize(("allowed_cidrs", "expected"), [(None, False), ("[10.20.0.0/16]", True)])
def test_the_hub_reaches_a_campus_identity_provider_only_when_allowed(tmp_path, allowed_cidrs, expected):
    network = f"        network: {{allowedCidrs: {allowed_cidrs}}}\n" if allowed_cidrs else ""
    stack = (
        "config:\n  jupyterhub:environment: development\n  jupyterhub:cluster:\n    kind: existing\n"
        "  jupyterhub:hubs:\n    physics:\n      hub:\n        authenticator: {type: dummy}\n" + network
    )
    objects = plan_config(tmp_path, stack).kubernetes_objects()
    hub = workload_pod(objects, "hub", "physics", "10.244.1.10")
    assert allowed(policies_of(objects), hub, External("10.20.0.5"), 636) is expected  # LDAPS on campus


@pytest.mark.parametrize("allow_public_internet", [True, False])
def test_user_servers_reach_the_internet_only_when_allowed(tmp_path, allow_public_internet):
    stack = (
        "config:\n  jupyterhub:environment: development\n  jupyterhub:cluster:\n    kind: existing\n"
        "  jupyterhub:hubs:\n    physics:\n      hub:\n        authenticator: {type: dummy}\n"
        f"      singleuser:\n        network: {{allowPublicInternet: {str(allow_public_internet).lower()}}}\n"
    )
    objects = plan_config(tmp_path, stack).kubernetes_objects()
    user, policies = _user(objects, "physics", "10.244.2.20"), policies_of(objects)
    assert allowed(policies, user, INTERNET, 443) is allow_public_internet
    assert allowed(policies, user, INTERNET, 80) is allow_public_internet
    # Without the internet, the server still reaches its hub (and only its hub's port).
    hub = workload_pod(objects, "hub", "physics", "10.244.1.10")
    assert allowed(policies, user, hub, 8081)
    assert not allowed(policies, user, hub, 8001)
