"""Nodes for the test cluster, shaped like the nodes each stack runs on.

- Existing clusters: the nodes of kind/cluster.yaml (the dev stack's cluster), with the labels and taints
  kind gives them: a tainted control-plane node, a core node and a user node; and a node of no purpose.
- GKE and EKS: one node per pool the plan declares, with the labels and taints the pool declares (and
  those the cloud adds itself: the pool's name label; on GKE the accelerator label and the GPU taint).
  GKE's GPU nodes offer their GPUs (GKE runs the device plugin); EKS's only once a device plugin runs.

Each pool's node offers the same room (8 CPUs, 32 GiB), so placement is decided by labels, taints,
affinities and extended resources, not by size.
"""

from typing import Any

from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT

from ..helpers import kind_cluster_nodes
from .control_plane import fake_node

ROOM = {"cpu": "8", "memory": "32Gi", "pods": "110"}
GPU = "nvidia.com/gpu"
DEVICE_PLUGIN_GPUS = "tests.jupyterhub/gpus-once-a-device-plugin-runs"
"""On a node whose GPUs need a device plugin: how many it has (KWOK ignores the annotation)."""
_EFFECTS = {"NO_SCHEDULE": "NoSchedule", "PREFER_NO_SCHEDULE": "PreferNoSchedule", "NO_EXECUTE": "NoExecute"}
"""Taint effects as the cloud APIs spell them, and as Kubernetes does."""


def _kind_cluster_nodes() -> list[dict[str, Any]]:
    nodes = []
    for index, node in enumerate(kind_cluster_nodes()):
        labels = dict(node["labels"])
        if node["role"] == "control-plane":
            labels["node-role.kubernetes.io/control-plane"] = ""
        nodes.append(fake_node(f"kind-{node['role']}-{index}", labels, node["taints"], ROOM))
    return nodes


KIND_NODES = _kind_cluster_nodes()
GENERAL_NODE = fake_node("general-0", {}, [], {"cpu": "32", "memory": "128Gi", "pods": "110"})
"""A node of no purpose, untainted and roomier than the rest, as on-premises clusters have: a pod lands on
a core or user node only because its affinity says so (without it, the scheduler would prefer this one)."""


def _gke_node(pool: dict[str, Any]) -> dict[str, Any]:
    config = pool["inputs"]["nodeConfig"]
    name = pool["inputs"]["name"]
    labels = {**config.get("labels", {}), "cloud.google.com/gke-nodepool": name}
    taints = [{**taint, "effect": _EFFECTS[taint["effect"]]} for taint in config.get("taints", [])]
    room = dict(ROOM)
    for accelerator in config.get("guestAccelerators", []):
        # GKE labels GPU nodes with their accelerator, taints them and runs the NVIDIA device plugin itself.
        labels["cloud.google.com/gke-accelerator"] = accelerator["type"]
        room[GPU] = str(accelerator["count"])
        gpu_taint = {"key": GPU, "value": "present", "effect": "NoSchedule"}
        if gpu_taint not in taints:
            taints.append(gpu_taint)
    return fake_node(f"gke-{name}-0", labels, taints, room)


def _eks_node(group: dict[str, Any]) -> dict[str, Any]:
    inputs = group["inputs"]
    name = inputs["nodeGroupName"]
    labels = {**inputs.get("labels", {}), "eks.amazonaws.com/nodegroup": name}
    taints = [{**taint, "effect": _EFFECTS[taint["effect"]]} for taint in inputs.get("taints", [])]
    node = fake_node(f"eks-{name}-0", labels, taints, ROOM)
    gpus = inputs.get("tags", {}).get(f"k8s.io/cluster-autoscaler/node-template/resources/{GPU}")
    if gpus:
        # The NVIDIA AMI has the driver, not the device plugin: no GPU is allocatable until a plugin runs
        # on the node (tests/cluster/device_plugins.py stands in for its registration with the kubelet).
        node["metadata"]["annotations"][DEVICE_PLUGIN_GPUS] = gpus
    return node


def gpu_node(name: str, labels: dict[str, str]) -> dict[str, Any]:
    """A user node with one GPU, tainted for GPU pods as GKE and the NVIDIA operator do."""
    taints = [USER_TAINT, {"key": GPU, "value": "present", "effect": "NoSchedule"}]
    return fake_node(name, {NODE_PURPOSE_LABEL: "user", **labels}, taints, {**ROOM, GPU: "1"})


def nodes_for(plan_resources: list[dict[str, Any]], gpu_selectors: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The nodes a stack runs on, from its plan (plan.json's resources). A stack on an existing cluster whose
    profiles ask for GPUs (their node selectors in `gpu_selectors`) finds kind's nodes and one GPU node
    with the labels each such profile selects: the GPU nodes an administrator added to that cluster."""
    gke = [r for r in plan_resources if r["type"] == "gcp:container/nodePool:NodePool"]
    eks = [r for r in plan_resources if r["type"] == "aws:eks/nodeGroup:NodeGroup"]
    if gke:
        return [_gke_node(pool) for pool in gke]
    if eks:
        return [_eks_node(group) for group in eks]
    gpu_nodes = [gpu_node(f"gpu-node-{index}", labels) for index, labels in enumerate(gpu_selectors)]
    return [*KIND_NODES, GENERAL_NODE, *gpu_nodes]
