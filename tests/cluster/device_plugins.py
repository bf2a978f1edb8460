"""A stand-in for a kubelet's device manager: when a device plugin's pod runs on a node, the plugin
registers the node's GPUs and the kubelet reports them as allocatable.

KWOK plays the kubelet of the test cluster's nodes and knows nothing of device plugins. A node whose GPUs
need one carries their count in an annotation (tests/cluster/nodes.py); once a pod of the NVIDIA device
plugin's DaemonSet is Running on it, this writes the GPUs into the node's capacity and allocatable, as the
kubelet would. So a GPU profile on EKS is scheduled only if the stack's device plugin reached its node.
"""

from .api import Api
from .nodes import DEVICE_PLUGIN_GPUS, GPU

DEVICE_PLUGIN_SELECTOR = "app.kubernetes.io/name=nvidia-device-plugin"


def register_device_plugins(api: Api) -> list[str]:
    """Report the GPUs of every node where a device plugin runs; the names of those nodes."""
    running = {
        pod["spec"]["nodeName"]
        for pod in api.list_of("v1", "Pod", "kube-system", DEVICE_PLUGIN_SELECTOR)
        if pod.get("status", {}).get("phase") == "Running" and pod["spec"].get("nodeName")
    }
    registered = []
    for node in api.list_of("v1", "Node"):
        name, gpus = node["metadata"]["name"], node["metadata"].get("annotations", {}).get(DEVICE_PLUGIN_GPUS)
        if gpus and name in running:
            status = {"capacity": {GPU: gpus}, "allocatable": {GPU: gpus}}
            api.request(
                "PATCH",
                f"/api/v1/nodes/{name}/status",
                json={"status": status},
                headers={"Content-Type": "application/strategic-merge-patch+json"},
            )
            registered.append(name)
    return registered
