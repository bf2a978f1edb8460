"""The NVIDIA device plugin on a cluster's GPU nodes (EKS: its NVIDIA AMI has the driver, not the plugin),
with NVIDIA's time-slicing on groups whose GPUs are shared (`gpu.sharedBy`).

The plugin tells the kubelet how many GPUs its node has, so `nvidia.com/gpu` becomes allocatable and GPU
profiles can be scheduled. A DaemonSet in kube-system, on the nodes labelled `nvidia.com/gpu.present`
(only GPU node groups), tolerating those groups' taints. It is a node agent: it runs as root and mounts
the kubelet's device-plugin folder (a hostPath), which no hub namespace would admit; it has no API token,
no privilege escalation and no capabilities.
"""

import json
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from ..config.node_pools import GPU_PRESENT_LABEL, GPU_RESOURCE, GPU_SHARED_BY_LABEL, NodePoolFacts
from ..manifest import ApiFields

NAME = "nvidia-device-plugin"
NAMESPACE = "kube-system"
DEVICE_PLUGIN_FOLDER = "/var/lib/kubelet/device-plugins"
CONFIG_DIR = "/etc/nvidia-device-plugin"
CONFIG_KEY = "config.yaml"
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


def time_slicing_config(shared_by: int) -> str:
    """The plugin's configuration that offers each GPU `shared_by` times (NVIDIA's time-slicing); a pod
    asking for more than one is refused, as more turns would not make it faster."""
    config = {
        "version": "v1",
        "sharing": {
            "timeSlicing": {
                "failRequestsGreaterThanOne": True,
                "resources": [{"name": GPU_RESOURCE, "replicas": shared_by}],
            }
        },
    }
    return json.dumps(config, indent=1)  # JSON is YAML: the plugin reads it


def declare_nvidia_device_plugins(
    name: str, *, image: str, gpu_pools: list[NodePoolFacts], opts: pulumi.ResourceOptions
) -> list[k8s.apps.v1.DaemonSet]:
    """One plugin per way the pools share their GPUs: whole GPUs, or time-sliced by N (the groups
    labelled GPU_SHARED_BY_LABEL=N, each plugin with its configuration)."""
    sharing = sorted({pool.gpu_shared_by for pool in gpu_pools})
    plugins = []
    for shared_by in sharing:
        pools = [pool for pool in gpu_pools if pool.gpu_shared_by == shared_by]
        plugins.append(
            _declare_plugin(name, image=image, pools=pools, shared_by=shared_by, others_share=sharing != [1], opts=opts)
        )
    return plugins


def _declare_plugin(
    name: str,
    *,
    image: str,
    pools: list[NodePoolFacts],
    shared_by: int,
    others_share: bool,
    opts: pulumi.ResourceOptions,
) -> k8s.apps.v1.DaemonSet:
    """The plugin's DaemonSet for these GPU pools (all labelled `nvidia.com/gpu.present=true`)."""
    plugin = NAME if shared_by == 1 else f"{NAME}-shared-by-{shared_by}"
    plugin_labels = {**LABELS, "app.kubernetes.io/name": plugin}
    container: ApiFields = {
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
    volumes: list[ApiFields] = [
        {"name": "device-plugins", "hostPath": {"path": DEVICE_PLUGIN_FOLDER, "type": "Directory"}}
    ]
    node_selector = {GPU_PRESENT_LABEL: "true"}
    pod: ApiFields = {}
    if shared_by > 1:
        config_map = k8s.core.v1.ConfigMap(
            f"{name}-{plugin}",
            metadata={"name": plugin, "namespace": NAMESPACE, "labels": plugin_labels},
            data={CONFIG_KEY: time_slicing_config(shared_by)},
            opts=opts,
        )
        container["env"].append({"name": "CONFIG_FILE", "value": f"{CONFIG_DIR}/{CONFIG_KEY}"})
        container["volumeMounts"].append({"name": "config", "mountPath": CONFIG_DIR, "readOnly": True})
        volumes.append({"name": "config", "configMap": {"name": config_map.metadata.name}})
        node_selector[GPU_SHARED_BY_LABEL] = str(shared_by)
    elif others_share:  # whole GPUs only where no group shares them
        term = {"matchExpressions": [{"key": GPU_SHARED_BY_LABEL, "operator": "DoesNotExist"}]}
        pod["affinity"] = {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}
        }
    spec: ApiFields = {
        "selector": {"matchLabels": {"app.kubernetes.io/name": plugin}},
        "updateStrategy": {"type": "RollingUpdate"},
        "template": {
            "metadata": {"labels": plugin_labels},
            "spec": {
                "nodeSelector": node_selector,
                "tolerations": _tolerations(pools),
                "priorityClassName": "system-node-critical",
                "automountServiceAccountToken": False,
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [container],
                "volumes": volumes,
                **pod,
            },
        },
    }
    return k8s.apps.v1.DaemonSet(
        f"{name}-{plugin}",
        metadata={"name": plugin, "namespace": NAMESPACE, "labels": plugin_labels, "annotations": CHECKOV_SKIPS},
        spec=spec,
        opts=opts,
    )
