"""What the stack knows about the nodes of a cloud cluster it makes: each pool's labels and taints.

Pools are labelled and tainted with the conventions of components/scheduling.py; the cloud adds labels
of its own (accelerator type, pool name). Validation uses these facts to refuse profiles that no pool
could run, and the tests use them to check that pods and pools agree.
"""

from dataclasses import dataclass, field

from ..scheduling import CORE, NODE_PURPOSE_LABEL, USER, USER_TAINT

POOL_LABEL = "hub.jupyter.org/pool"
"""Every pool's nodes carry their pool's name, so a profile can target one pool."""
GPU_RESOURCE = "nvidia.com/gpu"
GPU_TAINT = {"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"}
"""The taint on GPU nodes (GKE's own convention, used on EKS too): only pods that ask for GPUs land there."""
GPU_PRESENT_LABEL = "nvidia.com/gpu.present"
"""NVIDIA's label for nodes with GPUs; on EKS the stack sets it on GPU node groups for the device plugin."""
GPU_SHARED_BY_LABEL = "hub.jupyter.org/gpu-shared-by"
"""On EKS, the label of a group whose GPUs are time-sliced: how many servers share each (the device
plugin with that sharing runs there). GKE labels its own time-sharing nodes."""
GPU_SHARED_BY_MAX = 48
"""The most servers one GPU may be shared by (GKE's limit for time-sharing)."""


@dataclass(frozen=True)
class NodePoolFacts:
    """One node pool as pods see it."""

    name: str
    purpose: str
    labels: dict[str, str]
    """Every label its nodes carry (the stack's and the cloud's)."""
    taints: list[dict[str, str]] = field(default_factory=list)
    min_nodes: int = 0
    max_nodes: int = 1
    gpus: int = 0
    """GPUs per node."""
    gpu_shared_by: int = 1
    """How many servers take turns on each GPU (time-slicing); 1: a GPU is one server's alone."""

    @property
    def allocatable_gpus(self) -> int:
        """The `nvidia.com/gpu` a node offers: each GPU once per server sharing it."""
        return self.gpus * self.gpu_shared_by


def pool_labels(name: str, purpose: str) -> dict[str, str]:
    """The labels the stack puts on a pool's nodes."""
    return {NODE_PURPOSE_LABEL: purpose, POOL_LABEL: name}


def pool_taints(purpose: str, gpus: int) -> list[dict[str, str]]:
    """The taints the stack puts on a pool's nodes."""
    taints = [dict(USER_TAINT)] if purpose == USER else []
    if gpus:
        taints.append(dict(GPU_TAINT))
    return taints


def pool_facts(
    name: str,
    purpose: str,
    cloud_labels: dict[str, str],
    min_nodes: int,
    max_nodes: int,
    gpus: int,
    gpu_shared_by: int = 1,
) -> NodePoolFacts:
    """A pool as pods see it: the stack's labels and taints plus the labels the cloud adds itself."""
    return NodePoolFacts(
        name=name,
        purpose=purpose,
        labels={**pool_labels(name, purpose), **cloud_labels},
        taints=pool_taints(purpose, gpus),
        min_nodes=min_nodes,
        max_nodes=max_nodes,
        gpus=gpus,
        gpu_shared_by=gpu_shared_by,
    )


__all__ = [
    "CORE",
    "GPU_PRESENT_LABEL",
    "GPU_RESOURCE",
    "GPU_SHARED_BY_LABEL",
    "GPU_TAINT",
    "POOL_LABEL",
    "USER",
    "NodePoolFacts",
    "pool_facts",
    "pool_labels",
    "pool_taints",
]
