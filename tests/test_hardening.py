"""Secure by default, proven on every stack: pod security standards, service account tokens, network
flows between hubs, and stateful resources that survive changes and teardown."""

import copy

import pytest
from kubespawner import KubeSpawner

from tools.plan import make_plan

from .helpers import find, hub_settings, plan_config
from .netpol import External, Pod, allowed, policies_of, workload_pod
from .pod_security import baseline_violations, restricted_violations
from .test_department import DEPARTMENT

STACKS = ["dev", "workshop", "physics-gke", "stats-dept-eks"]


@pytest.fixture(scope="module")
def plans():
    return {stack: make_plan(stack) for stack in STACKS}


API_CLIENTS = {
    "hub": {"hub"},  # KubeSpawner
    "autohttps": {"restore-certificates", "store-certificates"},  # the certificate Secret (not Caddy)
    "user-scheduler": {"kube-scheduler"},  # it schedules users' servers
}
"""Which containers of which workloads talk to the Kubernetes API (and so mount a short-lived token)."""


NODE_AGENT_NAMESPACE = "kube-system"
"""Where the stack runs node agents (the NVIDIA device plugin on EKS), which are held to their own rules."""


def _workloads(objects):
    """The workloads of the hubs' namespaces (every one "restricted")."""
    return [
        o
        for o in objects
        if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet")
        and o["metadata"]["namespace"] != NODE_AGENT_NAMESPACE
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_node_agents_are_confined_to_what_they_need(plans, stack):
    """A node agent runs as root and mounts one kubelet folder; nothing more: not privileged, no host
    network or processes, no privilege escalation, no capability, a read-only root, no API token."""
    agents = [o for o in plans[stack].kubernetes_objects() if o["metadata"].get("namespace") == NODE_AGENT_NAMESPACE]
    for agent in agents:
        spec = agent["spec"]["template"]["spec"]
        assert not any(spec.get(key) for key in ("hostNetwork", "hostPID", "hostIPC"))
        assert spec["automountServiceAccountToken"] is False
        assert [v["hostPath"]["path"] for v in spec["volumes"]] == ["/var/lib/kubelet/device-plugins"]
        for container in spec["containers"]:
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": True,
            }
            assert container["resources"]["limits"]
    assert [a["metadata"]["name"] for a in agents] == (["nvidia-device-plugin"] if stack == "stats-dept-eks" else [])


@pytest.mark.parametrize("stack", STACKS)
def test_every_pod_the_stack_declares_is_restricted(plans, stack):
    workloads = _workloads(plans[stack].kubernetes_objects())
    assert workloads
    for workload in workloads:
        assert restricted_violations(workload["spec"]["template"]["spec"]) == [], workload["metadata"]["name"]


@pytest.mark.parametrize("stack", STACKS)
def test_namespaces_enforce_restricted(plans, stack):
    for namespace in (o for o in plans[stack].kubernetes_objects() if o["kind"] == "Namespace"):
        labels = namespace["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert labels["pod-security.kubernetes.io/warn"] == labels["pod-security.kubernetes.io/audit"] == "restricted"


@pytest.mark.parametrize("stack", STACKS)
def test_each_namespaces_default_service_account_mounts_no_token(plans, stack):
    """A pod that names no account runs as the namespace's `default` one: its token automount is off,
    patched (the account is the controller manager's) after the namespace exists."""
    plan = plans[stack]
    namespaces = {r.inputs["metadata"]["name"]: r for r in plan.resources if r.type == "kubernetes:core/v1:Namespace"}
    patches = [r for r in plan.resources if r.type == "kubernetes:core/v1:ServiceAccountPatch"]
    assert sorted(p.inputs["metadata"]["namespace"] for p in patches) == sorted(namespaces)
    for patch in patches:
        assert patch.inputs["metadata"]["name"] == "default"
        assert patch.inputs["automountServiceAccountToken"] is False
        assert namespaces[patch.inputs["metadata"]["namespace"]].urn in patch.dependencies


@pytest.mark.parametrize("stack", STACKS)
def test_a_pod_no_component_policy_selects_reaches_nothing_and_nothing_reaches_it(plans, stack):
    """The namespace's default-deny policy: a pod started by hand (or a future component without a policy of
    its own) is isolated both ways, while the components' flows stay open."""
    objects = plans[stack].kubernetes_objects()
    policies = policies_of(objects)
    for namespace in (o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"):
        stray = Pod(namespace, {"app": "debug-shell"}, "10.8.0.99")
        hub = workload_pod(objects, "hub", namespace, "10.8.0.10")
        assert not allowed(policies, stray, External("93.184.216.34"), 443)
        assert not allowed(policies, stray, hub, 8081)
        assert not allowed(policies, hub, stray, 8080)
        assert not allowed(policies, External("93.184.216.34"), stray, 8080)


@pytest.mark.parametrize("stack", STACKS)
def test_api_tokens_are_mounted_only_where_the_pod_talks_to_the_api(plans, stack):
    for workload in _workloads(plans[stack].kubernetes_objects()):
        spec = workload["spec"]["template"]["spec"]
        assert spec["automountServiceAccountToken"] is False
        projected = [v for v in spec.get("volumes", []) if "projected" in v]
        mounting = {
            container["name"]
            for container in spec["containers"] + spec.get("initContainers", [])
            for mount in container.get("volumeMounts", [])
            if mount["name"] in {v["name"] for v in projected}
        }
        name = workload["metadata"]["name"]
        if name in API_CLIENTS:
            token = projected[0]["projected"]["sources"][0]["serviceAccountToken"]
            assert token["expirationSeconds"] <= 3607
            assert mounting == API_CLIENTS[name]
        else:
            assert projected == []


def test_user_servers_meet_the_restricted_standard_too(plans, tmp_path):
    from .e2e.user_pods import render_user_objects

    rendered = render_user_objects(plans["dev"].kubernetes_objects(), "jupyterhub", tmp_path)
    spec = rendered[""]["pod"]["spec"]
    assert baseline_violations(spec) == [] and restricted_violations(spec) == []


def test_the_pod_security_checks_catch_violations(plans):
    hub = copy.deepcopy(find(plans["dev"].kubernetes_objects(), "Deployment", "hub")["spec"]["template"]["spec"])
    hub["containers"][0]["securityContext"]["privileged"] = True
    assert baseline_violations(hub) == ["hub is privileged"]
    proxy = copy.deepcopy(find(plans["dev"].kubernetes_objects(), "Deployment", "proxy")["spec"]["template"]["spec"])
    proxy["securityContext"]["runAsUser"] = 0
    proxy["containers"][0]["securityContext"]["capabilities"] = {"drop": ["NET_RAW"]}
    assert restricted_violations(proxy) == ["chp runs as uid 0", "chp does not drop ALL capabilities"]
    proxy["volumes"] = [{"name": "host", "hostPath": {"path": "/"}}]
    assert "volume host is a hostPath" in baseline_violations(proxy)


# --- Network flows between two hubs on one cluster -------------------------------------------------


@pytest.fixture(scope="module")
def department(tmp_path_factory):
    return plan_config(tmp_path_factory.mktemp("two-hubs"), DEPARTMENT, stack="two-hubs").kubernetes_objects()


def _hub_pods(objects, hub: str, subnet: int) -> dict[str, Pod]:
    settings = hub_settings(objects, hub)
    user_labels = {
        **(settings.spawner.traits.common_labels or {}),
        "app.kubernetes.io/component": settings.spawner.traits.component_label,
    }

    return {
        "hub": workload_pod(objects, "hub", hub, f"10.244.{subnet}.10"),
        "proxy": workload_pod(objects, "proxy", hub, f"10.244.{subnet}.11"),
        "user": Pod(hub, user_labels, f"10.244.{subnet}.20"),
    }


CROSS_HUB_FLOWS = [
    # source (hub, pod), destination (hub, pod), port, allowed
    (("algebra", "user"), ("biology", "hub"), 8081, False),
    (("algebra", "user"), ("biology", "user"), 8888, False),
    (("algebra", "hub"), ("biology", "user"), 8888, False),
    (("algebra", "proxy"), ("biology", "hub"), 8081, False),
    (("algebra", "hub"), ("biology", "proxy"), 8001, False),
    (("algebra", "proxy"), ("algebra", "hub"), 8081, True),
    (("biology", "user"), ("biology", "hub"), 8081, True),
]


@pytest.mark.parametrize(
    ("source", "destination", "port", "expected"),
    CROSS_HUB_FLOWS,
    ids=[f"{s[0]}.{s[1]}->{d[0]}.{d[1]}:{p}" for s, d, p, _ in CROSS_HUB_FLOWS],
)
def test_one_hubs_pods_cannot_reach_another_hubs(department, source, destination, port, expected):
    pods = {"algebra": _hub_pods(department, "algebra", 1), "biology": _hub_pods(department, "biology", 2)}
    policies = policies_of(department)
    assert allowed(policies, pods[source[0]][source[1]], pods[destination[0]][destination[1]], port) is expected


def test_internet_reaches_each_hubs_proxy_and_nothing_else(department):
    policies = policies_of(department)
    internet = External("198.51.100.7")
    for hub, subnet in (("algebra", 1), ("biology", 2)):
        pods = _hub_pods(department, hub, subnet)
        assert allowed(policies, internet, pods["proxy"], 8000)
        assert not allowed(policies, internet, pods["hub"], 8081)
        assert not allowed(policies, internet, pods["user"], 8888)


# --- Nothing lost by an upgrade, a change or a teardown -------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_stateful_resources_are_protected_and_retained(plans, stack):
    resources = plans[stack].resources
    claims = [r for r in resources if r.type == "kubernetes:core/v1:PersistentVolumeClaim"]
    namespaces = [r for r in resources if r.type == "kubernetes:core/v1:Namespace"]
    clusters = [r for r in resources if r.type in ("gcp:container/cluster:Cluster", "aws:eks/cluster:Cluster")]
    for resource in [*claims, *namespaces, *clusters]:
        assert resource.options["protect"] is True, resource.name
    for resource in [*claims, *namespaces]:
        assert resource.options["retainOnDelete"] is True, resource.name
        assert resource.inputs["metadata"]["name"], "explicit, stable names: no replacement by a rename"
    for storage_class in (r for r in resources if r.type == "kubernetes:storage.k8s.io/v1:StorageClass"):
        assert storage_class.inputs["reclaimPolicy"] == "Retain"


def test_home_volumes_outlive_their_users(plans):
    from .hub_config import lay_out_hub_files, load_hub_config

    objects = plans["dev"].kubernetes_objects()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as directory:
        config = load_hub_config(*lay_out_hub_files(objects, "jupyterhub", Path(directory)))
    assert config.KubeSpawner.delete_pvc is False  # deleting a user keeps their home
    # The hub's spawner decides which claims go (tests/e2e/test_homes.py runs it): KubeSpawner's own never.
    spawner_class = config.JupyterHub.spawner_class
    assert spawner_class.__name__ == "HomeSpawner" and spawner_class.delete_forever is not KubeSpawner.delete_forever


def test_protection_can_be_lifted_on_purpose(tmp_path):
    plan = plan_config(
        tmp_path,
        DEPARTMENT.replace("  jupyterhub:cluster:", "  jupyterhub:protectData: false\n  jupyterhub:cluster:"),
        stack="unprotected",
    )
    claims = [r for r in plan.resources if r.type == "kubernetes:core/v1:PersistentVolumeClaim"]
    assert claims and all(r.options["protect"] is False for r in claims)
    assert all(r.options["retainOnDelete"] is True for r in claims)  # a destroy still leaves the volume
