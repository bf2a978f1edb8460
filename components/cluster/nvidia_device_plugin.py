"""The NVIDIA device plugin on a cluster's GPU nodes (EKS: its NVIDIA AMI has the driver, not the plugin).

The plugin tells the kubelet how many GPUs its node has, so `nvidia.com/gpu` becomes allocatable and GPU
profiles can be scheduled. A DaemonSet in kube-system, on the nodes labelled `nvidia.com/gpu.present`
(only GPU node groups), tolerating those groups' taints. It is a node agent: it runs as root and mounts
the kubelet's device-plugin folder (a hostPath), which no hub namespace would admit; it has no API token,
no privilege escalation and no capabilities.
"""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..config.node_pools import GPU_PRESENT_LABEL, NodePoolFacts
from ..manifest import ApiFields

NAME = "nvidia-device-plugin"
NAMESPACE = "kube-system"
DEVICE_PLUGIN_FOLDER = "/var/lib/kubelet/device-plugins"
LABELS = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "pulumi"}
CHECKOV_SKIPS = {
    "checkov.io/skip1": "CKV_K8S_23=a node agent: it writes its socket in the kubelet's root-owned folder",
    "checkov.io/skip2": "CKV_K8S_8=the kubelet restarts the plugin when it exits; its image has no probe command",
    "checkov.io/skip3": "CKV_K8S_9=the kubelet restarts the plugin when it exits; its image has no probe command",
}
"""The checks a node agent cannot pass, each with its reason (the scanner reads these annotations)."""


def _tolerations(pools: list[NodePoolFacts]) -> list[dict[str, Any]]:
    taints = {(t["key"], t["effect"]) for pool in pools for t in pool.taints}
    return [{"key": key, "operator": "Exists", "effect": effect} for key, effect in sorted(taints)]


def declare_nvidia_device_plugin(
    name: str, *, image: str, gpu_pools: list[NodePoolFacts], opts: pulumi.ResourceOptions
) -> k8s.apps.v1.DaemonSet:
    """The plugin's DaemonSet for these GPU pools (all labelled `nvidia.com/gpu.present=true`)."""
    container = {
        "name": NAME,
        "image": image,
        "env": [{"name": "FAIL_ON_INIT_ERROR", "value": "false"}],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,  # it writes only its socket, in the mounted folder
        },
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
        "volumeMounts": [{"name": "device-plugins", "mountPath": DEVICE_PLUGIN_FOLDER}],
    }
    spec: ApiFields = {
        "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
        "updateStrategy": {"type": "RollingUpdate"},
        "template": {
            "metadata": {"labels": LABELS},
            "spec": {
                "nodeSelector": {GPU_PRESENT_LABEL: "true"},
                "tolerations": _tolerations(gpu_pools),
                "priorityClassName": "system-node-critical",
                "automountServiceAccountToken": False,
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [container],
                "volumes": [
                    {"name": "device-plugins", "hostPath": {"path": DEVICE_PLUGIN_FOLDER, "type": "Directory"}}
                ],
            },
        },
    }
    return k8s.apps.v1.DaemonSet(
        f"{name}-{NAME}",
        metadata={"name": NAME, "namespace": NAMESPACE, "labels": LABELS, "annotations": CHECKOV_SKIPS},
        spec=spec,
        opts=opts,
    )
