"""The user scheduler, offline: on where the cluster autoscales unless set, named by KubeSpawner and the
placeholders, configured to pack (not spread), with the cluster's scheduler roles and a Lease of its own
only, restricted on core nodes."""

import json

import pytest

from components.config.scheduling import KUBE_SCHEDULER_IMAGE
from components.user_scheduler import CLUSTER_ROLES, LEASE_RULES, USER_SCHEDULER
from tools.plan import make_plan

from .e2e.user_pods import render_user_objects
from .helpers import dev_hub, find, plan_config, stack_config
from .pod_security import restricted_violations
from .wiring import check_user_scheduler

NAMESPACE = "phys101"


def _objects(tmp_path, **scheduling):
    config = stack_config({NAMESPACE: dev_hub(scheduling={"placeholders": 1, **scheduling})})
    return plan_config(tmp_path, config, stack="scheduler").kubernetes_objects()


@pytest.mark.parametrize(("stack", "packs"), [("physics-gke", True), ("stats-dept-eks", True), ("dev", False)])
def test_on_by_default_where_the_cluster_autoscales(stack, packs):
    objects = make_plan(stack).kubernetes_objects()
    assert any(o["kind"] == "Deployment" and o["metadata"]["name"] == USER_SCHEDULER for o in objects) is packs
    assert check_user_scheduler(objects) == []


def test_servers_and_placeholders_name_it_and_it_packs(tmp_path):
    objects = _objects(tmp_path, userScheduler={"enabled": True})
    assert check_user_scheduler(objects) == []
    (server,) = render_user_objects(objects, NAMESPACE, tmp_path / "render").values()
    name = server["pod"]["spec"]["schedulerName"]
    assert name == f"{NAMESPACE}-user-scheduler"
    assert (
        find(objects, "Deployment", "user-placeholder", NAMESPACE)["spec"]["template"]["spec"]["schedulerName"] == name
    )
    config = json.loads(find(objects, "ConfigMap", USER_SCHEDULER, NAMESPACE)["data"]["config.yaml"])
    (profile,) = config["profiles"]
    assert profile["schedulerName"] == name
    (fit,) = [p for p in profile["pluginConfig"] if p["name"] == "NodeResourcesFit"]
    assert fit["args"]["scoringStrategy"]["type"] == "MostAllocated"
    disabled = {p["name"] for p in profile["plugins"]["score"]["disabled"]}
    assert {"PodTopologySpread", "NodeResourcesBalancedAllocation"} <= disabled  # nothing pushes pods apart
    assert config["leaderElection"] == {
        "leaderElect": True,
        "resourceLock": "leases",
        "resourceName": USER_SCHEDULER,
        "resourceNamespace": NAMESPACE,
    }


def test_it_has_a_schedulers_rights_and_its_lease_only(tmp_path):
    objects = _objects(tmp_path, userScheduler={"enabled": True})
    bindings = [o for o in objects if o["kind"] == "ClusterRoleBinding" and USER_SCHEDULER in o["metadata"]["name"]]
    assert sorted(b["roleRef"]["name"] for b in bindings) == sorted(CLUSTER_ROLES)
    for binding in bindings:
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": USER_SCHEDULER, "namespace": NAMESPACE}]
    assert not [o for o in objects if o["kind"] == "ClusterRole"]  # no new cluster-wide rights
    assert find(objects, "Role", USER_SCHEDULER, NAMESPACE)["rules"] == LEASE_RULES


def test_it_runs_restricted_on_core_nodes_at_the_core_priority(tmp_path):
    objects = _objects(tmp_path, userScheduler={"enabled": True, "replicas": 2})
    deployment = find(objects, "Deployment", USER_SCHEDULER, NAMESPACE)
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 2
    assert restricted_violations(pod) == []
    assert pod["priorityClassName"] == f"{NAMESPACE}-core"
    container = pod["containers"][0]
    assert container["image"] == KUBE_SCHEDULER_IMAGE
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 10259, "scheme": "HTTPS"}
    policy = find(objects, "NetworkPolicy", USER_SCHEDULER, NAMESPACE)["spec"]
    assert policy["ingress"] == [] and len(policy["egress"]) == 1  # the API server only


def test_off_the_servers_are_left_to_the_clusters_scheduler(tmp_path):
    objects = _objects(tmp_path, userScheduler={"enabled": False})
    assert not [o for o in objects if o["metadata"]["name"] == USER_SCHEDULER]
    (server,) = render_user_objects(objects, NAMESPACE, tmp_path / "render").values()
    assert server["pod"]["spec"].get("schedulerName", "default-scheduler") == "default-scheduler"
    assert "schedulerName" not in find(objects, "Deployment", "user-placeholder", NAMESPACE)["spec"]["template"]["spec"]
