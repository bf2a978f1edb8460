"""Every GPU pool on every cloud ends with allocatable GPUs (`nvidia.com/gpu`), or GPU profiles stay Pending.

GKE installs the driver (the pool asks for it) and runs NVIDIA's device plugin itself. EKS's NVIDIA AMI has
the driver but no plugin: the stack runs one, and its DaemonSet must land on every GPU node group (select
its labels, tolerate its taints) and on no other group."""

import pytest

from components.config.node_pools import GPU_RESOURCE
from tools.plan import make_plan

from .helpers import find
from .wiring import schedulable

TAINT_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "PREFER_NO_SCHEDULE": "PreferNoSchedule", "NO_EXECUTE": "NoExecute"}
"""Taint effects as the AWS and Google Cloud APIs spell them, and as Kubernetes does (from their API docs)."""


@pytest.fixture(scope="module")
def plans():
    return {stack: make_plan(stack) for stack in ("physics-gke", "stats-dept-eks")}


def test_gke_gpu_pools_have_the_driver_installed_by_gke(plans):
    pools = [r for r in plans["physics-gke"].resources if r.type == "gcp:container/nodePool:NodePool"]
    gpu_pools = [p for p in pools if p.inputs["nodeConfig"].get("guestAccelerators")]
    assert gpu_pools
    for pool in gpu_pools:
        for accelerator in pool.inputs["nodeConfig"]["guestAccelerators"]:
            assert accelerator["count"] >= 1
            assert accelerator["gpuDriverInstallationConfig"]["gpuDriverVersion"] in ("DEFAULT", "LATEST")
    # No node agent of the stack's: GKE runs the device plugin (the hub's image pullers are its only DaemonSets).
    daemon_sets = [o for o in plans["physics-gke"].kubernetes_objects() if o["kind"] == "DaemonSet"]
    assert {d["metadata"]["labels"]["app.kubernetes.io/component"] for d in daemon_sets} == {"image-puller"}


def _node_of(group) -> dict:
    inputs = group.inputs
    return {
        "labels": {**inputs["labels"], "eks.amazonaws.com/nodegroup": inputs["nodeGroupName"]},
        "taints": [{**t, "effect": TAINT_EFFECTS[t["effect"]]} for t in inputs["taints"]],
    }


def test_eks_gpu_groups_run_the_nvidia_device_plugin_and_no_other_group_does(plans):
    plan = plans["stats-dept-eks"]
    plugin = find(plan.kubernetes_objects(), "DaemonSet", "nvidia-device-plugin", "kube-system")
    pod = plugin["spec"]["template"]["spec"]
    groups = [r for r in plan.resources if r.type == "aws:eks/nodeGroup:NodeGroup"]
    gpu_groups = [g for g in groups if g.inputs["amiType"] == "AL2023_x86_64_NVIDIA"]
    assert gpu_groups
    for group in groups:
        runs_there = schedulable(pod, _node_of(group))
        assert runs_there == (group in gpu_groups), group.inputs["nodeGroupName"]
    for group in gpu_groups:
        tags = group.inputs["tags"]
        assert int(tags[f"k8s.io/cluster-autoscaler/node-template/resources/{GPU_RESOURCE}"]) >= 1
